; int 18h (no bootable disk) ends the run.
; settle
; crash "int 18h"
	org 0x7C00
	int 0x18
	times 510-($-$$) db 0
	dw 0xAA55
