; Short jumps out of range: the message says by how many bytes.
bits 16
org 0x7e00
back:
	jmp short there                 ; ERROR "short jump out of range by 1 bytes"
	times 128 nop
there:
	loop back                       ; ERROR "short jump out of range by 4 bytes"
	jz short back                   ; ERROR "short jump out of range by 6 bytes"
	jcxz back                       ; ERROR "short jump out of range by 8 bytes"
	jz back                                ; => 0f 84 7c ff
