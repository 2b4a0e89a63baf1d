; A guest that halts forever but calls the BIOS at every tick is never
; idle: it runs out of the budget (each halt costs 1000 instructions).
; budget 5000000
; settle
; crash "budget"
	org 0x7C00
.h:	sti
	hlt
	xor ah, ah
	int 0x1A
	jmp .h
	times 510-($-$$) db 0
	dw 0xAA55
