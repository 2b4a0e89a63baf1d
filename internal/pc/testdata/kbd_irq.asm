; A guest that hooks the keyboard interrupt (int 09h) reads the scan codes
; from port 60h (shift around capitals) and chains to the BIOS, which still
; queues the keys for int 16h and keeps the shift flags.
; Not compared with QEMU: there this handler (read port 60h, then chain to
; SeaBIOS, which reads it again) was seen to lose keys now and then, as if
; the second read got the next queued scan code; here the byte stays until
; the next key, as on a real keyboard controller.
; wait "ready"
; settle
; press "aB" enter
; wait "1E 9E 2A 30 B0 AA"
; row 1 "aB"
; row 2 "1E 9E 2A 30 B0 AA"
; mem 0x417 00
	org 0x7C00
	mov ax, 0x0003
	int 0x10
	xor ax, ax
	mov ds, ax
	mov byte [count], 0
	cli
	mov ax, [9*4]
	mov [old], ax
	mov ax, [9*4+2]
	mov [old+2], ax
	mov word [9*4], handler
	mov word [9*4+2], 0
	sti
	mov si, ready
	call puts
.key:	xor ah, ah
	int 0x16
	cmp al, 13
	je .show
	mov ah, 0x0E
	int 0x10
	jmp .key
.show:	mov si, crlf
	call puts
	mov si, codes
	mov cx, 6
.c:	lodsb
	call hex2
	mov ax, 0x0E20
	cmp cx, 1
	je .n
	int 0x10
.n:	loop .c
.w:	xor ah, ah
	int 0x16
	jmp .w
handler:
	push ax
	push bx
	in al, 0x60
	mov bl, [cs:count]
	xor bh, bh
	cmp bl, 16
	jae .full
	mov [cs:codes+bx], al
	inc byte [cs:count]
.full:	pop bx
	pop ax
	jmp far [cs:old]
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
puts:	lodsb
	or al, al
	jz .r
	mov ah, 0x0E
	int 0x10
	jmp puts
.r:	ret
ready	db "ready", 13, 10, 0
crlf	db 13, 10, 0
old	dd 0
count	db 0
codes	times 16 db 0
	times 510-($-$$) db 0
	dw 0xAA55
