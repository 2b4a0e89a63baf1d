; The CRT controller's cursor location registers follow the BIOS cursor
; and read back through ports 3D4h/3D5h.
; qemu
; wait "@"
; settle
; row 3 "     @ 00F6"
	org 0x7C00
	mov ax, 0x0003
	int 0x10
	mov ah, 2		; cursor to row 3, column 5: location 3*80+5 = 245 = F5h
	xor bh, bh
	mov dx, 0x0305
	int 0x10
	mov ax, 0x0E40		; '@' moves it to F6h
	int 0x10
	mov dx, 0x3D4
	mov al, 0x0F
	out dx, al
	inc dx
	in al, dx
	mov bl, al		; low byte of the location
	dec dx
	mov al, 0x0E
	out dx, al
	inc dx
	in al, dx
	mov bh, al		; high byte
	mov ax, 0x0E20
	int 0x10
	mov ax, bx		; the location read before the space: 00F6
	call hex4
.wait:	xor ah, ah
	int 0x16
	jmp .wait
hex4:	push ax
	mov al, ah
	call hex2
	pop ax
hex2:	push ax
	shr al, 4
	call digit
	pop ax
digit:	and al, 0x0F
	add al, '0'
	cmp al, '9'
	jbe .o
	add al, 7
.o:	mov ah, 0x0E
	int 0x10
	ret
	times 510-($-$$) db 0
	dw 0xAA55
