; A boot sector padded to a 1.44 MB floppy image (1474560 bytes), within
; the output limit (MaxOutput).
org 0x7c00
	jmp $                                  ; => eb fe
	times 510-($-$$) db 0
	dw 0xaa55                              ; => 55 aa
	times 1474560-($-$$) db 0
