; The CPU behaves as the 386 that QEMU emulates where it differs from the
; 8086 (see sstDifferences in package cpu): each case prints a word in hex,
; flags masked with 08D5h (CF PF AF ZF SF OF). The expected rows were
; checked against QEMU 7.2 (TestProgramsOnQEMU), which must keep agreeing.
; qemu
; wait "end"
; settle
; row 0 "7C00 0002 0001 8000 0000 0055 00FD 0091"
; row 1 "0200 FF0D 0080 0881 01FF 0000 0004 0007"
; row 2 "0005 234A D123 0845 FFD0 0080 FF80 0080"
; row 3 "0001 0001 0002 0001 0000 0107 0803 00FF"
; row 4 "7FD7 0002 end"
	org 0x7C00
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7C00
	mov ax, 0x0202		; load the rest: sectors 2-3 to 7E00
	mov cx, 0x0002
	xor dh, dh
	mov bx, 0x7E00
	int 0x13
	jmp main
	times 510-($-$$) db 0
	dw 0xAA55

main:	mov ax, 0x0003
	int 0x10
	; row 0
	push sp			; 286+: the value before the push
	pop ax
	call show
	mov ax, 1		; shift count masked to 5 bits: 33 -> 1
	mov cl, 33
	shl ax, cl
	call show
	mov al, 0x81		; rol by 8: value unchanged, CF = bit 0
	mov cl, 8
	rol al, cl
	call flags
	mov al, 0x80		; rcl by 9 through CF (clear): 9-bit rotation is identity
	clc
	mov cl, 9
	rcl al, cl
	mov ah, 0
	rcl ah, 1		; AH = CF
	xchg al, ah		; shows AL=80h then CF=0
	call show
	mov ax, 0x1000		; DAA with AF set and AL=9Ah: 386 adds 66h -> 00, CF
	sahf
	mov al, 0x9A
	daa
	mov ah, 0
	call show
	call flags
	mov ax, 0x1000		; DAS with AF set and AL=03h: borrow sets CF on 386
	sahf
	mov al, 0x03
	das
	mov ah, 0
	call show
	call flags
	; row 1
	mov ax, 0x10FA		; AAA with AL=FAh: AX += 106h -> AH carries
	sahf
	mov ax, 0x00FA
	aaa
	call show
	mov ax, 0x1000		; AAS with AF set, AL=03h: AX -= 6 borrows from AH
	sahf
	mov ax, 0x0103
	aas
	call show
	mov ax, 0xFF00		; IDIV: -256 / 2 = -128 is a valid quotient on a 386
	mov bl, 2
	idiv bl
	call show
	mov ax, 0xFF00		; MUL flags: FFh * 2 = 1FEh sets CF and OF
	mov al, 0xFF
	mov bl, 2
	mul bl
	call flags
	mov al, 0x80		; SALC
	stc
	salc
	call show
	xor ax, ax
	clc
	salc
	call show
	; row 2
	mov bx, 0x0090		; BSF, BSR
	bsf ax, bx
	call show
	bsr ax, bx
	call show
	mov ax, 8		; BT sets CF from bit 3
	mov bx, 3
	bt ax, bx
	call flags
	mov ax, 0x1234		; SHLD / SHRD by 4
	mov bx, 0xABCD
	shld ax, bx, 4
	call show
	mov ax, 0x1234
	shrd ax, bx, 4
	call show
	mov bx, 0x0200		; IMUL r, r/m, imm overflow flags
	imul ax, bx, 0x100
	call flags
	; row 3
	mov bx, 0x10		; IMUL by -3
	imul ax, bx, -3
	call show
	call flags
	mov bl, 0x80		; MOVSX, MOVZX
	movsx ax, bl
	call show
	movzx ax, bl
	call show
	stc			; SETC, SETNZ
	setc al
	mov ah, 0
	call show
	; row 3 continued: 32-bit arithmetic
	mov eax, 0x0000FFFF
	mov ebx, 0x00000001
	add eax, ebx
	shr eax, 16
	call show
	mov ecx, 0x80000000	; SAR by 31 keeps the sign: FFFFFFFF; high word
	sar ecx, 31
	mov ax, cx
	and ax, 0x0001
	inc ax
	call show
	; CDQ
	mov eax, 0x80000000
	cdq
	mov ax, dx
	and ax, 1
	call show
	; row 4
	mov eax, 0x12345678	; rotate a dword by 16
	rol eax, 16
	cmp ax, 0x1234
	setne al
	xor ah, ah
	call show
	mov al, 0x17		; AAM 16: AH = 1, AL = 7
	aam 16
	and ax, 0x0F0F
	xchg al, ah
	call show_b
	mov ax, 0x0803		; AAD: 8*10 + 3 = 83 = 53h; shows AX before
	call show
	aad
	xor ah, ah
	add al, 0xAC		; 53h + ACh = FFh
	call show
	push word 0xFFFF	; POPF of FFFFh in real mode on a 386
	popf
	pushf
	pop ax
	call show
	push word 0		; and back
	popf
	pushf
	pop ax
	call show
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

; flags prints FLAGS masked to CF PF AF ZF SF OF
flags:	pushf
	push ax
	pushf
	pop ax
	and ax, 0x08D5
	call show
	pop ax
	popf
	ret
show_b:	; AX with the bytes swapped back
	xchg al, ah
; show prints AX as four hex digits and a space, eight per row
show:	pusha
	pushf
	mov cx, 4
	mov dx, ax
.d:	rol dx, 4
	mov al, dl
	and al, 0x0F
	add al, '0'
	cmp al, '9'
	jbe .o
	add al, 7
.o:	mov ah, 0x0E
	int 0x10
	loop .d
	inc byte [count]
	cmp byte [count], 8
	jne .sp
	mov byte [count], 0
	mov ax, 0x0E0D
	int 0x10
	mov al, 0x0A
	int 0x10
	jmp .r
.sp:	mov ax, 0x0E20
	int 0x10
.r:	popf
	popa
	ret
count	db 0
done	db "end", 0
	times 2048-($-$$) db 0
