; The cpu directive holds from its line on: an instruction form of a later
; processor is an error, and below the 386 a conditional jump out of short
; range is the inverted condition jumping over a near jmp (7x 03 E9 rel16).
bits 16
org 0x7c00
cpu 8086
top:
	times 128 nop
	jb top                                 ; => 73 03 e9 7b ff
	jz top+200                             ; => 74 41
	jnz fwd                                ; => 74 03 e9 9d 00
	jc strict top                          ; => 73 03 e9 6f ff
	jz $+10                                ; => 74 08
	jb near top                            ; ERROR "needs cpu 386 or later; cpu 8086 is in effect"
	push 1                                 ; ERROR "needs cpu 186 or later; cpu 8086 is in effect"
	shl ax, 3                              ; ERROR "needs cpu 186"
	pusha                                  ; ERROR "needs cpu 186"
	enter 4, 0                             ; ERROR "needs cpu 186"
	imul ax, bx, 3                         ; ERROR "needs cpu 186"
	mov eax, 1                             ; ERROR "needs cpu 386"
	push eax                               ; ERROR "needs cpu 386"
	movzx ax, bl                           ; ERROR "needs cpu 386"
	setz al                                ; ERROR "needs cpu 386"
	cwde                                   ; ERROR "needs cpu 386"
	jecxz $                                ; ERROR "needs cpu 386"
	push fs                                ; ERROR "needs cpu 386"
	int1                                   ; ERROR "needs cpu 386"
	cpuid                                  ; ERROR "needs cpu 586"
	; prefixes and 32-bit addressing do not count, as in nasm
	mov ax, [fs:bx]                        ; => 64 8b 07
	mov ax, fs                             ; => 8c e0
	o32 movsw                              ; => 66 a5
	mov ax, [ebx]                          ; => 67 8b 03
	shl ax, 1                              ; => d1 e0
	pause                                  ; => f3 90
	salc                                   ; => d6
	jmp 0x1234:0x5678                      ; => ea 78 56 34 12
	times 130 nop
fwd:
cpu 186
	push 1                                 ; => 6a 01
	shl ax, 3                              ; => c1 e0 03
	ud2                                    ; => 0f 0b
	jnz top                                ; => 74 03 e9 cb fe
	clts                                   ; ERROR "needs cpu 286 or later; cpu 186 is in effect"
[cpu 286]
	clts                                   ; => 0f 06
	jo top                                 ; => 71 03 e9 c4 fe
	bsf ax, bx                             ; ERROR "needs cpu 386"
CPU 386
	jb top                                 ; => 0f 82 c0 fe
	jb near top                            ; => 0f 82 bc fe
	movzx eax, byte [bx]                   ; => 66 0f b6 07
	rdtsc                                  ; ERROR "needs cpu 586 or later; cpu 386 is in effect"
cpu 486
	cpuid                                  ; ERROR "needs cpu 586"
cpu pentium
	cpuid                                  ; => 0f a2
	rdtsc                                  ; => 0f 31
cpu 8086
	jle top                                ; => 7f 03 e9 af fe
cpu default
	jle top                                ; => 0f 8e ab fe
	cpu foo                                ; ERROR "unknown cpu"
	cpu 386 nofpu                          ; ERROR "unknown cpu"
	push 1                                 ; => 6a 01
