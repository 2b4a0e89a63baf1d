; A jump into unwritten memory executes 00 00 (add [bx+si], al) forever:
; a runaway.
; budget 100000
; settle
; crash "budget"
	org 0x7C00
	jmp 0x9000:0x0000
	times 510-($-$$) db 0
	dw 0xAA55
