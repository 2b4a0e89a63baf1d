; pxos asm --nasm
; What nasm -f bin accepts and pxos refuses by default (the package comment
; lists these): with --nasm each line assembles as nasm does, with a warning.
org 0x7c00
	db 16+tbl                              ; => 38 ; WARNING "out of range for byte: truncated to 0x"
	cmp dl, 16+tbl                         ; => 80 fa 38 ; WARNING "out of range for a byte: truncated to 0x"
	mov ax, tbl+0x10000                    ; => b8 28 7c ; WARNING "out of range for a word"
	mov al, 300                            ; => b0 2c ; WARNING "value 300 out of range for a byte: truncated to 0x2c"
	db 300, -129                           ; => 2c 7f ; WARNING "out of range for byte"
	dw 70000                               ; => 70 11 ; WARNING "out of range for word"
	dd 0x123456789                         ; => 89 67 45 23 ; WARNING "out of range for dword"
	mov ax, [bx+70000]                     ; => 8b 87 70 11 ; WARNING "displacement 70000 out of range"
	mov ax, [byte bx+200]                  ; => 8b 47 c8 ; WARNING "displacement 200 out of range for a byte"
	push byte 300                          ; => 6a 2c ; WARNING "out of range for a signed byte"
	int 300                                ; => cd 2c ; WARNING "truncated"
	ret 70000                              ; => c2 70 11 ; WARNING "truncated"
	times 3 db 256                         ; => 00 00 00 ; WARNING "truncated to 0"
	mov cs, ax                             ; => 8e c8 ; WARNING "mov cs"
	mov cs, [bx]                           ; => 8e 0f ; WARNING "invalid opcode on the 286"
	pop cs                                 ; => 0f ; WARNING "pop cs"
	nop                                    ; => 90
tbl:	db 1, 2, 3                         ; => 01 02 03
