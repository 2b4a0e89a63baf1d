; int 16h key codes: AH=00h turns the grey keys' E0 into 00, AH=10h keeps
; it; AH=01h peeks with ZF clear; AH=02h reads the shift flags.
; press up f1 "A!" up "~" enter delete "a"
; mem 0x600 00 48 00 3B 41 1E 21 02 E0 48 7E 29
; mem 0x60C 0D 1C E0 53
; mem 0x620 61 1E 00 00
	org 0x7C00
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
	mov [0x620], ax
	mov ah, 2
	int 0x16
	mov [0x622], al
	xor ah, ah
	int 0x16
	xor ah, ah
	int 0x16
	jmp $
	times 510-($-$$) db 0
	dw 0xAA55
