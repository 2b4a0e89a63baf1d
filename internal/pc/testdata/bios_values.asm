; Small SeaBIOS answers: int 15h AH=86h keeps AH (AX 8600h) with CF=0;
; int 13h AH=15h for a hard disk that is not there: AH=01h, CF=1; CMOS 37h
; (the century again) and 3Dh (boot order: floppy) as QEMU fills them;
; int 1Eh and int 13h AH=08h point at F000:601C.
; qemu
; wait "DONE"
; row 0 "8600 00 0100 01 20 01 601C 601C DONE"
	org 0x7C00
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7C00
	mov ah, 0x86
	xor cx, cx
	mov dx, 1000
	int 0x15
	pushf
	call hw
	pop ax
	and al, 1
	call hbs
	mov ax, 0x1500
	mov dl, 0x80
	int 0x13
	pushf
	call hw
	pop ax
	and al, 1
	call hbs
	mov al, 0x37
	out 0x70, al
	in al, 0x71
	call hbs
	mov al, 0x3D
	out 0x70, al
	in al, 0x71
	call hbs
	mov ax, [0x1E*4]
	call hw
	mov ah, 8
	xor dl, dl
	int 0x13
	mov ax, di
	call hw
	mov si, done
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
