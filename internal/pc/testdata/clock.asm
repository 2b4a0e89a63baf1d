; int 1Ah ticks count timer interrupts (one per million instructions, in
; the BDA at 0040:006C) from where SeaBIOS starts them at 12:00:00, the
; default clock (0C0058h); the RTC reads that clock; int 11h and 12h
; report SeaBIOS's equipment word and 639 KiB; int 15h AH=86h lets the
; time pass, timer interrupts included.
; settle
; mem 0x500 0C 00 58 00 0C 00 59 00
; mem 0x46C 6B 00 0C 00
; mem 0x508 00 12 00 00 26 20 01 01
; mem 0x510 27 00 7F 02
; mem 0x514 6B 00
	org 0x7C00
	xor ax, ax
	mov ds, ax
	int 0x1A
	mov [0x500], cx
	mov [0x502], dx
	mov bx, 20		; 20 x 65536 LOOP instructions
.outer:	xor cx, cx
.inner:	loop .inner
	dec bx
	jnz .outer
	xor ah, ah
	int 0x1A
	mov [0x504], cx
	mov [0x506], dx
	mov ah, 2
	int 0x1A
	mov [0x508], cx
	mov [0x50A], dx
	mov ah, 4
	int 0x1A
	mov [0x50C], cx
	mov [0x50E], dx
	int 0x11
	mov [0x510], ax
	int 0x12
	mov [0x512], ax
	mov ah, 0x86		; wait 1 s (0F4240h us): 18 more ticks, 19 in all
	mov cx, 0x000F
	mov dx, 0x4240
	int 0x15
	xor ah, ah
	int 0x1A
	mov [0x514], dx
	xor ah, ah
	int 0x16
	jmp $
	times 510-($-$$) db 0
	dw 0xAA55
