; A boot sector that prints a prompt, reads keys with int 16h and echoes
; them with int 10h: Enter starts a new prompt line, Backspace erases.
; qemu
; wait "pxOS echo"
; settle
; row 0 "pxOS echo"
; row 1 ">"
; cursor 1 2
; press "hello" enter "AB!" backspace
; wait "> AB"
; row 1 "> hello"
; row 2 "> AB"
; cursor 2 4
; press "~{|}" tab "x"
; wait "\tx"
; row 2 "> AB~{|}	x"
	org 0x7C00
	mov ax, 0x0003		; mode 3: clear the screen (and SeaBIOS's banner on QEMU)
	int 0x10
	xor ax, ax
	mov ds, ax
	mov si, banner
	call puts
.prompt:
	mov si, prompt
	call puts
.key:	xor ah, ah
	int 0x16
	cmp al, 13
	je .enter
	cmp al, 8
	je .bs
	mov ah, 0x0E
	int 0x10
	jmp .key
.enter:	mov si, crlf
	call puts
	jmp .prompt
.bs:	mov si, erase
	call puts
	jmp .key
puts:	lodsb
	or al, al
	jz .r
	mov ah, 0x0E
	int 0x10
	jmp puts
.r:	ret
banner	db "pxOS echo", 13, 10, 0
prompt	db "> ", 0
crlf	db 13, 10, 0
erase	db 8, " ", 8, 0
	times 510-($-$$) db 0
	dw 0xAA55
