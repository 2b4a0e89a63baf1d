; hang.asm: prints a line, then spins forever without reading the keyboard.
	bits 16
	org 0x7C00

	mov ax, 0x0003            ; clear the screen, so every machine shows the same
	int 0x10
	xor ax, ax
	mov ds, ax
	mov si, msg
.print:
	lodsb
	or al, al
	jz .spin
	mov ah, 0x0E
	mov bx, 0x0007
	int 0x10
	jmp .print
.spin:
	jmp .spin

msg: db "spinning", 0

	times 510-($-$$) db 0
	dw 0xAA55
