; int 13h on the 1.44 MB floppy: a boot sector loads its second stage, CHS
; to LBA mapping with 18 sectors and 2 heads, parameter and DMA errors,
; AH=08h geometry, writes refused on the write-protected disk.
; qemu
; wait "stage2 ok"
; wait " wp"
; settle
; row 1 "sector3 head1 cyl1 wp"
; mem 0x500 01 FF 01 FF 09 FF
; mem 0x506 04 12 4F 01 01 1C 60 00 F0
; mem 0x510 00 00 03 FF
; mem 0x441 03
	org 0x7C00
	mov ax, 0x0003		; mode 3: clear the screen (and SeaBIOS's banner on QEMU)
	int 0x10
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ax, 0x0202		; read 2 sectors: C0 H0 S2-3 -> 7E00
	mov cx, 0x0002
	xor dh, dh
	mov bx, 0x7E00
	int 0x13
	jc fail
	jmp stage2
fail:	mov ax, 0x0E21
	int 0x10
	jmp $
	times 510-($-$$) db 0
	dw 0xAA55

stage2:	mov si, ok
	call puts
	mov ax, 0x0201		; C0 H1 S1 = LBA 18 -> A000
	mov cx, 0x0001
	mov dh, 1
	mov bx, 0xA000
	int 0x13
	jc fail
	mov ax, 0x0201		; C1 H0 S1 = LBA 36 -> C400
	mov cx, 0x0101
	xor dh, dh
	mov bx, 0xC400
	int 0x13
	jc fail
	mov si, sector3
	call puts
	mov si, head1
	call puts
	mov si, cyl1
	call puts
	; errors: sector 19, drive 80h, a buffer across a 64 KiB page
	mov ax, 0x0201
	mov cx, 0x0013
	xor dx, dx
	mov bx, 0x9000
	int 0x13
	sbb al, al
	mov [0x500], ah
	mov [0x501], al
	mov ax, 0x0201
	mov cx, 0x0001
	mov dx, 0x0080
	int 0x13
	sbb al, al
	mov [0x502], ah
	mov [0x503], al
	push es
	mov ax, 0x0FF0
	mov es, ax
	xor bx, bx
	mov ax, 0x0202
	mov cx, 0x0001
	xor dx, dx
	int 0x13
	sbb al, al
	mov [0x504], ah
	mov [0x505], al
	pop es
	; geometry
	push es
	mov ah, 8
	xor dl, dl
	int 0x13
	mov [0x506], bl
	mov [0x507], cx
	mov [0x509], dx
	mov [0x50B], di
	mov [0x50D], es
	pop es
	; status of the last call
	mov ah, 1
	int 0x13
	mov [0x510], ax
	; the floppy is write protected, like QEMU's read-only drive
	mov ax, 0x0301
	mov cx, 0x0105
	xor dx, dx
	mov bx, sector3
	int 0x13
	sbb al, al
	mov [0x512], ah
	mov [0x513], al
	mov si, wp
	cmp ah, 3
	je .p
	mov si, notwp
.p:	call puts
	xor ah, ah
	int 0x16
	jmp $
puts:	lodsb
	or al, al
	jz .r
	mov ah, 0x0E
	int 0x10
	jmp puts
.r:	ret
ok	db "stage2 ok", 13, 10, 0
wp	db " wp", 0
notwp	db " w?", 0
	times 0x8000-0x7C00-($-$$) db 0
sector3	db "sector3 ", 0
	times 0xA000-0x7C00-($-$$) db 0
head1	db "head1 ", 0
	times 0xC400-0x7C00-($-$$) db 0
cyl1	db "cyl1", 0
	times 0xC600-0x7C00-($-$$) db 0
