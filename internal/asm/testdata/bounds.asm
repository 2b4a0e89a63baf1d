; Jumps at the edges of the short range pick the encoding nasm picks.
bits 16
org 0x7e00
b0:
	times 126 nop
	loop b0                                ; => e2 80
	jmp b0                                 ; => e9 7d ff
b1:
	times 124 nop
	jnz b1                                 ; => 75 82
	jmp b1                                 ; => eb 80
	jmp b1                                 ; => e9 7d ff
	jcxz f0                                ; => e3 7f
	times 127 nop
f0:
	jmp f1                                 ; => eb 7f
	times 127 nop
f1:
	jmp f2                                 ; => e9 80 00
	times 128 nop
f2:
	jz f3                                  ; => 74 7f
	times 127 nop
f3:
	jz f4                                  ; => 0f 84 80 00
	times 128 nop
f4:
	jmp $+129                              ; => eb 7f
	jmp $-126                              ; => eb 80
	jmp $-127                              ; => e9 7e ff
	jmp $+130                              ; => e9 7f 00
	jmp 0x7e00                             ; => e9 63 fc
	jz 0x7e00                              ; => 0f 84 5f fc
	jmp short $+129                        ; => eb 7f
	call b0                                ; => e8 5a fc
	jmp b2                                 ; => eb 00
b2:
