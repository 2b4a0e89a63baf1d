; int 16h key codes: AH=00h turns the grey keys' E0 into 00, AH=10h keeps
; it; AH=01h peeks with ZF clear; AH=02h reads the shift flags.
; qemu
; settle
; press up f1 "A!" up "~" enter delete "a"
; wait "1E61"
; row 0 "4800 3B00 1E41 0221 48E0 297E 1C0D 53E0 1E61 00"
; mem 0x600 00 48 00 3B 41 1E 21 02 E0 48 7E 29
; mem 0x60C 0D 1C E0 53
; mem 0x610 61 1E 00
	org 0x7C00
	mov ax, 0x0003
	int 0x10
	xor ax, ax
	mov ds, ax
	mov di, 0x600
	mov cx, 4
.legacy:
	xor ah, ah
	int 0x16
	mov [di], ax
	add di, 2
	loop .legacy
	mov cx, 4
.ext:	mov ah, 0x10
	int 0x16
	mov [di], ax
	add di, 2
	loop .ext
	; "a" arrives: AH=01h sees it (ZF=0) and leaves it queued
.poll:	mov ah, 1
	int 0x16
	jz .poll
	mov [0x610], ax
	mov ah, 2
	int 0x16
	mov [0x612], al
	xor ah, ah
	int 0x16
	; show the ten words at 600h and the flags byte in hex
	mov si, 0x600
	mov cx, 9
.show:	mov ax, [si]
	add si, 2
	call hex4
	mov ax, 0x0E20
	int 0x10
	loop .show
	mov al, [0x612]
	mov ah, al
	call hex2
	xor ah, ah
	int 0x16
	jmp $
hex4:	push ax
	call hex2
	pop ax
	mov ah, al
hex2:	push cx
	mov cx, 2
.h:	rol ah, 4
	mov al, ah
	and al, 0x0F
	add al, '0'
	cmp al, '9'
	jbe .o
	add al, 7
.o:	push ax
	mov ah, 0x0E
	int 0x10
	pop ax
	loop .h
	pop cx
	ret
	times 510-($-$$) db 0
	dw 0xAA55
