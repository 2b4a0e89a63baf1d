; CPUID reports QEMU's default CPU (vendor, family/model/stepping) and SMSW
; its real-mode CR0; the feature bits differ (only what the emulator has)
; and are not shown.
; qemu
; wait "end"
; row 0 "GenuineIntel 00000663 0010 end"
	org 0x7C00
	mov ax, 0x0003
	int 0x10
	xor eax, eax
	cpuid
	push ecx
	push edx
	push ebx
	mov cx, 12
	mov si, sp
.v:	mov al, [ss:si]
	mov ah, 0x0E
	int 0x10
	inc si
	loop .v
	add sp, 12
	mov ax, 0x0E20
	int 0x10
	mov eax, 1
	cpuid
	call hex8
	mov ax, 0x0E20
	int 0x10
	db 0x0F, 0x01, 0xE0	; smsw ax
	call hex4
	mov si, done
.p:	lodsb
	or al, al
	jz .w
	mov ah, 0x0E
	int 0x10
	jmp .p
.w:	xor ah, ah
	int 0x16
	jmp .w
hex8:	push eax
	shr eax, 16
	call hex4
	pop eax
hex4:	push ax
	mov al, ah
	call hex2
	pop ax
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
done	db " end", 0
	times 510-($-$$) db 0
	dw 0xAA55
