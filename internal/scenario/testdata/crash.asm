; crash.asm: prints a line, then faults with no usable interrupt table.
;
; lidt with a zero limit makes every interrupt raise #GP, which cannot be
; delivered either: a 386-class CPU (QEMU) triple-faults and shuts down. ud2
; is invalid on the 8086, so the built-in emulator reports an invalid opcode.
	bits 16
	org 0x7C00

	mov ax, 0x0003            ; clear the screen, so every machine shows the same
	int 0x10
	xor ax, ax
	mov ds, ax
	mov si, msg
.print:
	lodsb
	or al, al
	jz .crash
	mov ah, 0x0E
	mov bx, 0x0007
	int 0x10
	jmp .print
.crash:
	; lidt [null_idt] and ud2, spelled as bytes so every assembler that
	; builds the tests accepts them (0F 01 /3 with a disp16 operand; 0F 0B).
	db 0x0F, 0x01, 0x1E
	dw null_idt
	db 0x0F, 0x0B

null_idt: dw 0
	dd 0
msg: db "about to crash", 0

	times 510-($-$$) db 0
	dw 0xAA55
