; An endless loop that never waits for a key runs out of the budget.
; budget 200000
; settle
; crash "instruction budget exhausted"
; press "a"
; crash "instruction budget exhausted"
	org 0x7C00
	jmp $
	times 510-($-$$) db 0
	dw 0xAA55
