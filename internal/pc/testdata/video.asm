; int 10h services other than teletype: 00 01 02 03 06 07 08 09 0A 0F 13 1A.
; qemu
; wait "done"
; settle
; row 20 "done"
; row 2 "     ZZZ"
; attr 2 5 1E
; attr 2 8 07
; row 3 "qq"
; attr 3 0 07
; mem 0x500 05 02 5A 1E 03 50 00 20
; row 5 "          Str"
; attr 5 10 4F
; cursor 5 13
; row 10 "B"
; row 11 "C"
; row 12 ""
; attr 12 0 70
; attr 11 0 07
; row 15 ""
; row 16 "D"
; row 17 ""
; mem 0x508 03 00 1A 08
	org 0x7C00
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ax, 0x0003		; mode 3, clear
	int 0x10
	mov ah, 2		; cursor to row 2, column 5
	xor bh, bh
	mov dx, 0x0205
	int 0x10
	mov ax, 0x095A		; 3 x 'Z', attribute 1Eh
	mov bx, 0x001E
	mov cx, 3
	int 0x10
	mov ah, 3		; the cursor did not move
	xor bh, bh
	int 0x10
	mov [0x500], dl
	mov [0x501], dh
	mov ah, 8		; read back the character and attribute
	int 0x10
	mov [0x502], ax
	mov ah, 2
	mov dx, 0x0300
	int 0x10
	mov ax, 0x0A71		; 2 x 'q', attribute unchanged
	mov cx, 2
	int 0x10
	mov ah, 0x0F		; mode 3, 80 columns, page 0
	int 0x10
	mov [0x504], ax
	mov [0x506], bh
	mov ah, 1		; cursor shape
	mov cx, 0x2000
	int 0x10
	mov ah, 3
	int 0x10
	mov [0x507], ch
	mov ax, 0x1301		; "Str" at 5,10, attribute 4Fh, move cursor
	mov bx, 0x004F
	mov cx, 3
	mov dx, 0x050A
	mov bp, str
	int 0x10
	mov ah, 2		; A B C on rows 10-12, D E on 15-16
	mov dx, 0x0A00
	int 0x10
	mov ax, 0x0E41
	int 0x10
	mov dx, 0x0B00
	mov ah, 2
	int 0x10
	mov ax, 0x0E42
	int 0x10
	mov dx, 0x0C00
	mov ah, 2
	int 0x10
	mov ax, 0x0E43
	int 0x10
	mov dx, 0x0F00
	mov ah, 2
	int 0x10
	mov ax, 0x0E44
	int 0x10
	mov dx, 0x1000
	mov ah, 2
	int 0x10
	mov ax, 0x0E45
	int 0x10
	mov ax, 0x0601		; scroll rows 10-12 up one, blank attribute 70h
	mov bh, 0x70
	mov cx, 0x0A00
	mov dx, 0x0C4F
	int 0x10
	mov ax, 0x0701		; scroll rows 15-16 down one
	mov bh, 0x07
	mov cx, 0x0F00
	mov dx, 0x104F
	int 0x10
	mov ah, 2		; cursor back to 5,13 for the check
	xor bh, bh
	mov dx, 0x050D
	int 0x10
	mov ah, 0x0F
	int 0x10
	mov [0x508], al
	mov [0x509], bh
	mov ax, 0x1A00		; display combination code
	int 0x10
	mov [0x50A], al
	mov [0x50B], bl
	mov ax, 0x1300		; "done" at 20,0 without moving the cursor
	mov bx, 0x0007
	mov cx, 4
	mov dx, 0x1400
	mov bp, done
	int 0x10
	xor ah, ah
	int 0x16
	jmp $
str	db "Str"
done	db "done"
	times 510-($-$$) db 0
	dw 0xAA55
