; A shell that works while it waits (pxOS v1.1's hook_idle): it checks for
; a key with int 16h AH=01h, draws a counter with int 10h when there is
; none, and halts until the next interrupt. The emulator takes it as
; waiting for a key after MaxPollHalts rounds (about a second of guest
; time, not the minute MaxHaltTicks would take): the BIOS tick count at
; 0040:006C has moved by less than 40 ticks when it settles. A key is
; then read and echoed, and the loop goes on.
; qemu
; wait "idle"
; settle
; row 0 "idle"
; press "k"
; wait "idlek"
; row 0 "idlek"
; settle
	org 0x7C00
	mov ax, 0x0003
	int 0x10
	xor ax, ax
	mov ds, ax
	mov si, msg
.p:	lodsb
	test al, al
	jz .loop
	mov ah, 0x0E
	int 0x10
	jmp .p
.loop:	mov ah, 0x01
	int 0x16
	jnz .key
	mov ax, 0x0900 + '*'	; the idle work: draw a star at row 2 with int 10h
	mov bx, 0x0007
	mov cx, 1
	push ax
	mov ah, 0x03
	int 0x10		; keep the cursor
	push dx
	mov ah, 0x02
	mov dx, 0x0200
	int 0x10
	pop dx
	pop ax
	int 0x10
	mov ah, 0x02
	int 0x10
	sti
	hlt
	jmp .loop
.key:	xor ah, ah
	int 0x16
	mov ah, 0x0E
	int 0x10
	jmp .loop
msg:	db "idle", 0
	times 510-($-$$) db 0
	dw 0xAA55
