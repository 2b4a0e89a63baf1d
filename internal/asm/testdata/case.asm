; Directives and keywords are case-insensitive, as in NASM; %define names
; are not (%DEFINE VER defines VER, not ver).
%DEFINE VER 6
%Define ATTR 0x1F
BITS 16
ORG 0x7C00
[BITS 16]
SECTION .text
start:
	MOV AX, VER                            ; => b8 06 00
	mov bl, ATTR                           ; => b3 1f
	JMP SHORT start                        ; => eb f9
	JMP NEAR start                         ; => e9 f6 ff
	MOV AX, WORD [BX]                      ; => 8b 07
	MOV AX, [ES:BX]                        ; => 26 8b 07
	ES MOVSB                               ; => 26 a4
	REP STOSB                              ; => f3 aa
	TIMES 2 DB 0                           ; => 00 00
	ALIGN 4, DB 0x90
	DW $$, $                               ; => 00 7c 18 7c
	PUSH WORD STRICT 5                     ; => 68 05 00
	JMP 0x1234:0x5678                      ; => ea 78 56 34 12
	JMP FAR [BX]                           ; => ff 2f
X	EQU 5
	MOV AL, X                              ; => b0 05
	[CPU 386]
	USE16
	mov ax, ver                            ; ERROR "undefined symbol \"ver\""
SECTION .data ALIGN=16
	DB 1                                   ; => 01
SECTION .bss NOBITS
	RESB 2
