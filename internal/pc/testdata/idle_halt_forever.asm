; A guest that halts for good with interrupts on ("system halted") becomes
; idle after MaxHaltTicks timer ticks, not a crash; its int 1Ch hook ran.
; settle
; row 0 "halted"
; mem 0x46C 9C 04 0C 00
	org 0x7C00
	mov ax, 0x0E68
	int 0x10
	mov si, msg
.p:	mov al, [cs:si]
	or al, al
	jz .h
	int 0x10
	inc si
	jmp .p
.h:	sti
	hlt
	jmp .h
msg	db "alted", 0
	times 510-($-$$) db 0
	dw 0xAA55
