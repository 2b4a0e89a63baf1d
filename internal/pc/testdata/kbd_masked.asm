; As kbd_poll, with interrupts on but IRQ 1 masked at the PIC (port 21h):
; the scan codes wait in the controller for the polling guest.
; qemu
; wait "SC:"
; press "aB" up
; wait "DONE"
; row 0 "SC:1E 9E 2A 30 B0 AA E0 48 DONE"
	org 0x7C00
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7C00
	in al, 0x21
	or al, 2
	out 0x21, al
	sti
	mov si, sc
	call puts
	xor di, di
.k:	in al, 0x64		; output buffer full?
	test al, 1
	jz .k
	in al, 0x60
	call hbs
	inc di
	cmp di, 8
	jb .k
	mov si, done
	call puts
	cli
	hlt
sc:	db "SC:", 0
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
