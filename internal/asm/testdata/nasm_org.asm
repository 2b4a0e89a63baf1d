; pxos asm --nasm
; org after code: nasm's bin output has one origin, and a late org sets it
; for the whole file, the bytes before it too (jmp 0x0050:start jumps to
; 0x7705). Without --nasm it is refused: MASM's org would move the location
; counter instead.
	jmp 0x0050:start                       ; => ea 05 77 50 00
org 0x7700                                 ; WARNING "org after code: the whole output starts at 0x7700"
start:
	nop                                    ; => 90
	mov ax, start                          ; => b8 05 77
section .data
org 0x7700                                 ; WARNING "org after code"
	dw start                               ; => 05 77
	org 0x7800                             ; ERROR "only one org"
