; A divide error the guest does not handle is reported at the DIV.
; settle
; crash "divide error"
	org 0x7C00
	xor ax, ax
	div al
	times 510-($-$$) db 0
	dw 0xAA55
