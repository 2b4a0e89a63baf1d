; Edge cases of the video services that LLM-written code hits: a teletype
; at the last cell scrolls, BS at column 0 stays, LF on the last row
; scrolls with attribute 07h, AH=09h runs past the end of a row, AH=13h
; handles CR/LF/BS/BEL, AH=06h with a window beyond the screen and AL
; larger than the window clears it.
; qemu
; wait "end"
; settle
; row 0 "A"
; attr 0 0 1F
; row 1 "                                                                      xxxxxxxxxx"
; attr 1 70 4E
; row 2 "xxxxxxxxxx"
; attr 2 9 4E
; attr 2 10 1F
; row 4 "          ab"
; attr 4 10 2F
; row 5 "cef"
; attr 5 0 2F
; attr 8 69 1F
; attr 8 70 5A
; attr 10 79 5A
; attr 11 70 1F
; row 22 "                                                                               Z"
; attr 22 79 1F
; row 23 ""
; attr 23 0 07
; row 24 "end"
; attr 24 0 07
; cursor 24 3
	org 0x7C00
	mov ax, 0x0003
	int 0x10
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ax, 0x0600		; whole screen blue (1Fh)
	mov bh, 0x1F
	xor cx, cx
	mov dx, 0x184F
	int 0x10
	mov ah, 2		; BS at column 0 of row 2
	xor bh, bh
	mov dx, 0x0200
	int 0x10
	mov ax, 0x0E08
	int 0x10
	mov ax, 0x0E41		; 'A' at 2,0
	int 0x10
	mov ah, 2		; AH=09h: 20 x 'x' from 3,70 (past the row end)
	mov dx, 0x0346
	int 0x10
	mov ax, 0x0978
	mov bx, 0x004E
	mov cx, 20
	int 0x10
	mov ax, 0x1301		; AH=13h with CR LF BS BEL, attribute 2Fh, at 6,10
	mov bx, 0x002F
	mov cx, msg_len
	mov dx, 0x060A
	mov bp, msg
	int 0x10
	mov ax, 0x0603		; scroll rows 10-12 up 3 lines with a window past
	mov bh, 0x5A		; the screen's right edge: cleared, attribute 5Ah
	mov cx, 0x0A46
	mov dx, 0x0CFF
	int 0x10
	mov ah, 2		; last cell: 24,79; a char there wraps and scrolls
	xor bh, bh
	mov dx, 0x184F
	int 0x10
	mov ax, 0x0E5A
	int 0x10
	mov ax, 0x0E0A		; LF on the last row scrolls again
	int 0x10
	mov si, done
.p:	lodsb
	or al, al
	jz .w
	mov ah, 0x0E
	int 0x10
	jmp .p
.w:	xor ah, ah
	int 0x16
	jmp .w
msg	db "ab", 13, 10, "cd", 8, "e", 7, "f"
msg_len	equ $-msg
done	db "end", 0
	times 510-($-$$) db 0
	dw 0xAA55
