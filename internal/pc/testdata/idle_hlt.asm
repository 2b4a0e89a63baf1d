; HLT with interrupts enabled waits for an interrupt: the machine is idle,
; not crashed, and a key typed later is read.
; qemu
; wait "waiting"
; settle
; row 0 "waiting"
; press "k"
; wait "waitingk"
; row 0 "waitingk"
	org 0x7C00
	mov ax, 0x0003		; mode 3: clear the screen (and SeaBIOS's banner on QEMU)
	int 0x10
	mov si, msg
.p:	mov al, [cs:si]
	or al, al
	jz .w
	mov ah, 0x0E
	int 0x10
	inc si
	jmp .p
.w:	sti
	hlt
	mov ah, 1		; a key?
	int 0x16
	jz .w
	xor ah, ah
	int 0x16
	mov ah, 0x0E
	int 0x10
	jmp .w
msg	db "waiting", 0
	times 510-($-$$) db 0
	dw 0xAA55
