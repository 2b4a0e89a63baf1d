; int 19h boots again without clearing memory, and SeaBIOS announces it
; at the cursor: "Booting from Floppy..." and a new line.
; qemu
; wait "DONE"
; row 0 "01 0001 Booting from Floppy..."
; row 1 "02 0002 Booting from Floppy..."
; row 2 "03 0003 DONE"
; cursor 2 12
	org 0x7C00
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7C00
	mov al, 0x4F		; boots, counted in CMOS (which survives)
	out 0x70, al
	in al, 0x71
	inc al
	mov bl, al
	mov al, 0x4F
	out 0x70, al
	mov al, bl
	out 0x71, al
	call hbs
	mov ax, 0x7000		; and in memory at 7000:0002
	mov es, ax
	cmp word [es:0], 0xBEEF
	je .k
	mov word [es:0], 0xBEEF
	mov word [es:2], 0
.k:	inc word [es:2]
	mov ax, [es:2]
	call hw
	mov al, 0x4F
	out 0x70, al
	in al, 0x71
	cmp al, 3
	jae .done
	int 0x19
.done:	mov si, done
	call puts
	cli
	hlt
done:	db "DONE", 0
hw:	push ax			; print AX in hex and a space
	mov al, ah
	call hb
	pop ax
hbs:	call hb			; print AL in hex and a space
	mov al, ' '
	jmp putc
hb:	push ax			; print AL in hex
	shr al, 4
	call nib
	pop ax
	and al, 15
nib:	add al, '0'
	cmp al, '9'
	jbe putc
	add al, 7
putc:	mov ah, 0x0E
	mov bx, 7
	int 0x10
	ret
puts:	lodsb
	or al, al
	jz .d
	call putc
	jmp puts
.d:	ret
	times 510-($-$$) db 0
	dw 0xAA55
