; The timer interrupt (int 08h) runs while interrupts are enabled and calls
; the user hook int 1Ch; HLT waits for it. A busy loop with interrupts off
; holds the tick pending until STI.
; qemu
; wait "3 ticks"
; settle
; row 0 "3 ticks"
; mem 0x500 03 00
	org 0x7C00
	mov ax, 0x0003
	int 0x10
	xor ax, ax
	mov ds, ax
	mov word [0x500], 0
	cli
	mov word [0x1C*4], hook
	mov word [0x1C*4+2], 0
	sti
.wait:	hlt
	cmp word [0x500], 3
	jb .wait
	cli			; stop counting before printing
	mov si, msg
.p:	lodsb
	or al, al
	jz .done
	mov ah, 0x0E
	int 0x10
	jmp .p
.done:	xor ah, ah
	int 0x16
	jmp .done
hook:	inc word [cs:0x500]
	iret
msg	db "3 ticks", 0
	times 510-($-$$) db 0
	dw 0xAA55
