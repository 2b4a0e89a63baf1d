; Teletype output past the last row scrolls the page up with blank lines.
; qemu
; wait "L29"
; settle
; row 0 "L06"
; row 23 "L29"
; row 24 ""
; cursor 24 0
; attr 24 0 07
	org 0x7C00
	mov ax, 0x0003		; mode 3: clear the screen (and SeaBIOS's banner on QEMU)
	int 0x10
	xor ax, ax
	mov ds, ax
	mov cx, 30
	mov bl, 0
.line:	mov al, 'L'
	call putc
	mov al, bl
	aam			; AH = tens, AL = units
	add ax, 0x3030
	push ax
	mov al, ah
	call putc
	pop ax
	call putc
	mov al, 13
	call putc
	mov al, 10
	call putc
	inc bl
	loop .line
	xor ah, ah
	int 0x16
	jmp $
putc:	mov ah, 0x0E
	int 0x10
	ret
	times 510-($-$$) db 0
	dw 0xAA55
