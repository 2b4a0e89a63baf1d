; Less common NASM spellings: size words on jumps and displacements,
; prefix words, primitive directives, forward equ, expressions in operands.
[bits 16]
[org 0x100]
start:
	jmp word start                         ; => e9 fd ff
	call word start                        ; => e8 fa ff
	o32 movsw                              ; => 66 a5
	o16 movsw                              ; => a5
	a32 nop                                ; => 67 90
	mov ax, word start                     ; => b8 00 01
	push word start                        ; => 68 00 01
	cmp ax, byte -1                        ; => 83 f8 ff
	mov [es:di], byte 5                    ; => 26 c6 05 05
	ret word 2                             ; => c2 02 00
	mov ax, [word bx+1]                    ; => 8b 87 01 00
	mov ax, [byte bx+100]                  ; => 8b 47 64
	mov ax, [bx+(end-start)]               ; => 8b 47 76
	mov cx, (end - start) / 2              ; => b9 3b 00
	mov ax, len                            ; => b8 04 00
	add sp, len * 2                        ; => 83 c4 08
	shl ax, one                            ; => d1 e0
	mov al, 'a' + 1                        ; => b0 62
	mov ax, 'ab'                           ; => b8 61 62
	mov eax, 'abcd'                        ; => 66 b8 61 62 63 64
	push 'A'                               ; => 6a 41
	es movsb                               ; => 26 a4
	fs lodsw                               ; => 64 ad
	mov bx, $$                             ; => bb 00 01
	mov bx, $ - $$                         ; => bb 44 00
	mov bx, start.x - start                ; => bb 4a 00
.x:
	db 'a' + 1, "b"                        ; => 62 62
	dw start, start+1, end                 ; => 00 01 01 01 76 01
	dd start                               ; => 00 01 00 00
	dq 0x123456789abcdef0                  ; => f0 de bc 9a 78 56 34 12
	align 8
	align 4, db 0xcc
	db 1                                   ; => 01
	align 4, db 0xcc
	resw 2
	times 3 jmp $
	times 2 db 'ab'
msg:	db "len", 0                        ; => 6c 65 6e 00
len	equ $ - msg
one	equ 1
end:
; prefixes: rep/repne always come before lock, then segment, 0x66, 0x67
	es mov ax, [bx]                        ; => 26 8b 07
	lock add [bx], ax                      ; => f0 01 07
	lock rep movsb                         ; => f3 f0 a4
	rep lock movsb                         ; => f3 f0 a4
	lock                                   ; => f0
	rep                                    ; => f3
	es                                     ; => 26
	a32 movsb                              ; => 67 a4
	o32 a32 movsw                          ; => 66 67 a5
	a32 o32 movsw                          ; => 66 67 a5
	a32 loop $                             ; => 67 e2 fd
	es rep lock o32 movsw                  ; => f3 f0 26 66 a5
; case does not matter for keywords
	MOV AX, BX                             ; => 89 d8
	JMP SHORT $                            ; => eb fe
	TIMES 2 DB 0FFH
	Y: EQU 5
	MOV AX, Y                              ; => b8 05 00
	Mov Ax, Word [ES:BX+SI]                ; => 26 8b 00
; equ, with or without a colon, does not open a new scope for .local labels
scope:	nop                              ; => 90
.x:	nop                                 ; => 90
konst equ 5
.y:	nop                                 ; => 90
konst2: equ 6
.z:	jmp scope.z                         ; => eb fe
	jmp scope.y                            ; => eb fb
; dword jumps and far pointers: the 0x66 prefix and 32-bit offsets
	jmp dword scope                        ; => 66 e9 f3 ff ff ff
	call dword scope                       ; => 66 e8 ed ff ff ff
	jmp near dword scope                   ; => 66 e9 e7 ff ff ff
	jmp dword 0x1234:0x5678                ; => 66 ea 78 56 00 00 34 12
	call dword 0x1234:0x5678               ; => 66 9a 78 56 00 00 34 12
	jmp word 0x1234:0x5678                 ; => ea 78 56 34 12
; backquoted strings: C escapes, octal, hex and UTF-8 from \u and \U
	db `\u00e9\U0001F600\x7\101\e\'\"\`\\`, 0 ; => c3 a9 f0 9f 98 80 07 41 1b 27 22 60 5c 00
