; int 10h AH=0Eh teletype: CR, LF, BS (moves left, no erase), BEL (silent),
; wrap at column 80.
; qemu
; wait "<78 x's>"
; settle
; row 0 "Hello, world"
; row 1 "abX"
; row 2 "bell:"
; cursor 3 10
; row 3 "0123456789----------------------------------------------------------------------"
; row 4 "<78 x's>"
; row 5 ""
; attr 0 0 07
	org 0x7C00
	mov ax, 0x0003		; mode 3: clear the screen (and SeaBIOS's banner on QEMU)
	int 0x10
	xor ax, ax
	mov ds, ax
	mov si, msg
.next:	lodsb
	or al, al
	jz .done
	mov ah, 0x0E
	mov bx, 0
	int 0x10
	jmp .next
.done:
	; 80 dashes fill row 3 and wrap the cursor to row 4; then overwrite
	; the start of row 3 with digits and write a marker on row 4
	mov cx, 80
.row:	mov ax, 0x0E2D
	int 0x10
	loop .row
	mov ah, 2
	mov bh, 0
	mov dx, 0x0300
	int 0x10
	mov si, digits
.d:	lodsb
	or al, al
	jz .m
	mov ah, 0x0E
	int 0x10
	jmp .d
.m:	mov ah, 2
	mov dx, 0x0400
	int 0x10
	mov si, marker
.m2:	lodsb
	or al, al
	jz .end
	mov ah, 0x0E
	int 0x10
	jmp .m2
.end:	mov ah, 2
	mov dx, 0x030A
	int 0x10
	xor ah, ah
	int 0x16
	jmp $
msg	db "Hello, world", 13, 10, "abc", 8, "X", 13, 10, "bell:", 7, 13, 10, 0
digits	db "0123456789", 0
marker	db "<78 x's>", 0
	times 510-($-$$) db 0
	dw 0xAA55
