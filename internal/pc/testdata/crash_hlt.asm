; HLT with interrupts disabled can never wake: a crash.
; settle
; crash "hlt with interrupts disabled"
	org 0x7C00
	cli
	hlt
	times 510-($-$$) db 0
	dw 0xAA55
