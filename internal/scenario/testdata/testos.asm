; testos.asm: a tiny OS the pxos tests build themselves (NASM syntax, 16-bit).
;
; The boot sector loads a second stage from sector 2 to 0x7E00 with int 13h,
; the second stage clears the screen, prints a banner and the prompt "> ",
; echoes printable keys, erases with Backspace and runs the typed line on
; Enter: "help" prints a line, anything else prints "unknown: WORD".
	bits 16
	org 0x7C00

STAGE2_SECTORS equ 2

start:
	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7C00
	sti
	mov [boot_drive], dl
	mov ah, 0x02              ; int 13h AH=02: read sectors
	mov al, STAGE2_SECTORS
	mov ch, 0                 ; cylinder 0
	mov cl, 2                 ; from sector 2 (1-based)
	mov dh, 0                 ; head 0
	mov bx, 0x7E00
	int 0x13
	jc disk_error
	jmp stage2

disk_error:
	mov si, msg_disk
	call print
.halt:
	hlt
	jmp .halt

; print writes the NUL-terminated string at DS:SI with int 10h teletype.
print:
	lodsb
	or al, al
	jz .done
	mov ah, 0x0E
	mov bx, 0x0007
	int 0x10
	jmp print
.done:
	ret

boot_drive: db 0
msg_disk:   db "disk error", 0

	times 510-($-$$) db 0
	dw 0xAA55

; ---- second stage, loaded at 0x7E00 ----
stage2:
	mov ax, 0x0003            ; set mode 3: clears the screen, cursor 0,0
	int 0x10
	mov si, banner
	call print

prompt:
	mov si, msg_prompt
	call print
	mov di, line

read_key:
	xor ah, ah                ; int 16h AH=00: wait for a key
	int 0x16
	cmp al, 13
	je enter
	cmp al, 8
	je backspace
	cmp al, 0x20
	jb read_key               ; ignore other control keys
	cmp al, 0x7E
	ja read_key
	cmp di, line + LINE_MAX
	jae read_key              ; line full
	stosb
	mov ah, 0x0E
	mov bx, 0x0007
	int 0x10
	jmp read_key

backspace:
	cmp di, line
	je read_key
	dec di
	mov si, msg_erase
	call print
	jmp read_key

enter:
	mov byte [di], 0
	mov si, msg_crlf
	call print
	cmp di, line
	je prompt                 ; empty line
	mov si, line
	mov di, cmd_help
	mov cx, 5                 ; "help" and its NUL
	repe cmpsb
	jne .unknown
	mov si, msg_help
	call print
	jmp prompt
.unknown:
	mov si, msg_unknown
	call print
	mov si, line
	call print
	mov si, msg_crlf
	call print
	jmp prompt

banner:      db "pxOS test system 1.0", 13, 10, 0
msg_prompt:  db "> ", 0
msg_erase:   db 8, " ", 8, 0
msg_crlf:    db 13, 10, 0
msg_help:    db "commands: help", 13, 10, 0
msg_unknown: db "unknown: ", 0
cmd_help:    db "help", 0

LINE_MAX equ 60
line: times LINE_MAX+1 db 0

	times 512*(1+STAGE2_SECTORS)-($-$$) db 0
