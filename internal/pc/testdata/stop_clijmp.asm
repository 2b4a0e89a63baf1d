; cli; jmp $ stops the guest for good, as cli; hlt does: not a crash.
; qemu
; wait "hi"
; settle
; stopped "jmp $ with interrupts disabled"
	org 0x7C00
	mov ax, 0x0003
	int 0x10
	mov ax, 0x0E68
	int 0x10
	mov al, 0x69
	int 0x10
	cli
	jmp $
	times 510-($-$$) db 0
	dw 0xAA55
