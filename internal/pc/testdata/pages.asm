; int 10h AH=05h selects the displayed page; teletype writes to it and the
; screen shows it. (Not compared with QEMU: its backend reads page 0 only.)
; settle
; row 0 "page 0"
; press "x"
; row 0 "P1"
; cursor 0 2
; mem 0x462 01
; mem 0xB8000 70 07
	org 0x7C00
	mov ax, 0x0003
	int 0x10
	mov ax, 0x1301		; "page 0" at 0,0
	mov bx, 0x0007
	mov cx, 6
	xor dx, dx
	push cs
	pop es
	mov bp, msg
	int 0x10
	xor ah, ah
	int 0x16
	mov ax, 0x0501		; show page 1 and write on it
	int 0x10
	mov ax, 0x0E50
	int 0x10
	mov ax, 0x0E31
	int 0x10
	xor ah, ah
	int 0x16
	jmp $
msg	db "page 0"
	times 510-($-$$) db 0
	dw 0xAA55
