; int 19h boots the floppy again: the boot sector counts its boots in
; memory that survives the reboot.
; settle
; mem 0x500 03
	org 0x7C00
	xor ax, ax
	mov ds, ax
	inc byte [0x500]
	cmp byte [0x500], 3
	je .done
	int 0x19
.done:	xor ah, ah
	int 0x16
	jmp $
	times 510-($-$$) db 0
	dw 0xAA55
