; A full reset (port 64h command FEh) runs SeaBIOS's POST again, which
; clears the low memory it uses (7000:0002 starts again at 1) and the
; screen; the CMOS keeps its count.
; qemu
; wait "DONE"
; row 0 "03 0001 DONE"
; mem 0x70000 EF BE 01 00
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
	mov al, 0xFE
	out 0x64, al
	jmp $
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
