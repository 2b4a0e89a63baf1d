; A nobits section takes no data.
bits 16
	mov ax, buf                            ; => b8 04 00
section .bss
buf:	resb 4
	db 1                            ; ERROR "section .bss holds no data"
	nop                             ; ERROR "section .bss holds no data"
section .other align=3                  ; ERROR "section alignment must be a power of two"
