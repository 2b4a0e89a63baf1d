; Errors: every one is reported, at its line, and good lines still assemble.
bits 16
org 0x7e00
start:
	mov ax, nosuch                  ; ERROR "undefined symbol \"nosuch\""
	mov ax, 1                              ; => b8 01 00
	jmp short far_away              ; ERROR "short jump out of range by"
	loop far_away                   ; ERROR "short jump out of range by"
	mov ax, bl                      ; ERROR "mismatch in operand sizes"
	add 5, ax                       ; ERROR "invalid combination of opcode and operands"
	mov [bx], 5                     ; ERROR "operation size not specified"
	mov cs, ax                      ; ERROR "cannot move into cs"
	pop cs                          ; ERROR "cannot pop cs"
	mov al, 300                     ; ERROR "value 300 out of range for a byte"
	mov ax, 0x12345                 ; ERROR "out of range for a word"
	int 256                         ; ERROR "out of range"
	db 256                          ; ERROR "value 256 out of range for byte"
	dw -32769                       ; ERROR "out of range for word"
	movw ax, 5                      ; ERROR "unknown mnemonic \"movw\""
	frobnicate                      ; a lone word is a label, as in nasm
	mov ax, [ax]                    ; ERROR "ax cannot be used to address memory"
	mov ax, [bx+bp]                 ; ERROR "invalid effective address"
	mov ax, [bx*2]                  ; ERROR "invalid effective address"
	mov ax, [eax+bx]                ; ERROR "bx mixed with 32-bit registers"
	mov ax, [eax+ebx+ecx]           ; ERROR "too many registers"
	mov ax, [esp*2]                 ; ERROR "impossible combination of registers and scale"
	mov ax, 1/0                     ; ERROR "division by zero"
	times -1 nop                    ; ERROR "times count -1 is negative"
	db 'abc                         ; ERROR "unterminated string"
	%macro X 1                      ; ERROR "preprocessor directive %macro is not supported"
	%define F(x) x                  ; ERROR "%define with parameters is not supported"
	bits 32                         ; ERROR "only bits 16 is supported"
	add ax, (1                      ; ERROR "expected ')'"
	push al                         ; ERROR "invalid combination"
	shl ax, dx                      ; ERROR "invalid combination"
	xchg [bx], [si]                 ; ERROR "invalid combination"
	start: nop                      ; ERROR "duplicate label \"start\""
	jz word start                   ; ERROR "mismatch in operand sizes"
	jmp far 0x10:0x20               ; ERROR "mismatch in operand sizes"
	mov ax, [byte bx+300]           ; ERROR "displacement 300 out of range for a byte"
	section .data vstart=0x100      ; ERROR "section attribute vstart is not supported"
	mov si, offset start            ; ERROR "'offset start' is MASM syntax"
	mov al, byte ptr [si]           ; ERROR "'ptr' is MASM syntax"
print proc near                         ; ERROR "'proc' is MASM syntax"
print endp                              ; ERROR "'endp' is MASM syntax"
	o32                                    ; => 66
	es mov ax, [es:bx]              ; ERROR "instruction has conflicting segment overrides"
	nop                                    ; => 90
	times 200 nop
far_away:
	ret                                    ; => c3
loopy	equ loopy+1                     ; ERROR "cannot resolve \"loopy\": its definition depends on itself"
