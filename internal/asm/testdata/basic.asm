; A boot-sector style program: the everyday real-mode instructions.
bits 16
org 0x7c00
start:
	cli                                    ; => fa
	xor ax, ax                             ; => 31 c0
	mov ds, ax                             ; => 8e d8
	mov es, ax                             ; => 8e c0
	mov ss, ax                             ; => 8e d0
	mov sp, 0x7c00                         ; => bc 00 7c
	sti                                    ; => fb
	mov si, msg                            ; => be 2b 7c
.loop:
	lodsb                                  ; => ac
	or al, al                              ; => 08 c0
	jz .done                               ; => 74 06
	mov ah, 0x0e                           ; => b4 0e
	int 0x10                               ; => cd 10
	jmp .loop                              ; => eb f5
.done:
	rep movsw                              ; => f3 a5
	cmp byte [si+3], 'A'                   ; => 80 7c 03 41
	jne near start                         ; => 0f 85 db ff
	call print                             ; => e8 02 00
	jmp $                                  ; => eb fe
print: ret                              ; => c3
msg db 'Hello', 13, 10, 0               ; => 48 65 6c 6c 6f 0d 0a 00
	times 510-($-$$) db 0
	dw 0xaa55                              ; => 55 aa
