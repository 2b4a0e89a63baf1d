; An invalid opcode (UD2) is a crash, after the text printed before it.
; settle
; crash "invalid opcode"
; row 0 "before"
	org 0x7C00
	mov ax, 0x0E62
	int 0x10
	mov si, rest
.p:	mov al, [cs:si]
	or al, al
	jz .x
	int 0x10
	inc si
	jmp .p
.x:	ud2
rest	db "efore", 0
	times 510-($-$$) db 0
	dw 0xAA55
