; A divide error is a fault as on a 386: the guest's int 0 handler sees the
; DIV itself as the return address and skips it.
; qemu
; wait ", ok"
; settle
; row 0 "DE at 7C29, ok"
	org 0x7C00
	mov ax, 0x0003		; mode 3: clear the screen (and SeaBIOS's banner on QEMU)
	int 0x10
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7C00
	mov word [0], handler
	mov word [2], 0
	mov ax, 100
	xor bl, bl
	mov si, msg1
	call puts
	nop
	nop
	nop
	nop
	div bl			; at 7C29 (nasm -l)
	mov si, msg2
	call puts
	xor ah, ah
	int 0x16
	jmp $
handler:
	push bp
	mov bp, sp
	mov ax, [bp+2]		; the faulting IP
	mov cx, 4
.hex:	rol ax, 4
	push ax
	and al, 0x0F
	add al, '0'
	cmp al, '9'
	jbe .d
	add al, 7
.d:	mov ah, 0x0E
	int 0x10
	pop ax
	loop .hex
	add word [bp+2], 2	; skip the 2-byte DIV
	pop bp
	iret
puts:	lodsb
	or al, al
	jz .r
	mov ah, 0x0E
	int 0x10
	jmp puts
.r:	ret
msg1	db "DE at ", 0
msg2	db ", ok", 0
	times 510-($-$$) db 0
	dw 0xAA55
