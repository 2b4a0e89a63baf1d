; pxOS v1.0 - the base system.
;
; A boot sector that loads the rest of the image (0x7E00-0xFFFF) and a second
; stage with a small shell. Features plug in through the hook slots at
; 0x7E00 (see README.md, the API page): they never rewrite this code.
;
; Build the primitives with:   pxos asm pxos.asm --org 0x7C00 -o pxos_commands.txt
; Check against nasm with:     nasm -f bin pxos.asm -o pxos.bin
;
; Plain NASM syntax only (no macros, %define or %include) so that the
; built-in assembler and nasm produce the same bytes.

        bits 16
        org 0x7C00

LOAD_SECTORS    equ 65          ; (0x10000 - 0x7E00) / 512: the whole loadable range
LOAD_RETRIES    equ 3
LINE_MAX        equ 64          ; characters the line buffer holds (plus a 0)

; ---------------------------------------------------------------------------
; Boot sector (0x7C00-0x7DFF): segments, stack, load the second stage.
; ---------------------------------------------------------------------------

boot:
        jmp 0x0000:boot_start   ; normalise CS to 0 (some BIOSes enter at 07C0:0000)

boot_start:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7C00          ; stack grows down from 0x7C00
        sti
        cld
        mov [boot_drive], dl

        ; Disk geometry from the BIOS (int 13h AH=08h); keep the 1.44 MB
        ; floppy defaults (18 sectors, 2 heads) when it does not answer.
        mov ah, 0x08
        xor di, di
        int 0x13
        jc .geometry_done
        and cl, 0x3F
        jz .geometry_done
        mov [sectors_per_track], cl
        inc dh
        mov [heads], dh
.geometry_done:
        xor ax, ax
        mov es, ax              ; AH=08h may have changed ES:DI

        mov ax, 1               ; first LBA after the boot sector
        mov bx, 0x7E00          ; ES:BX = destination
.load:
        call boot_read_sector
        add bx, 512
        inc ax
        cmp ax, LOAD_SECTORS
        jbe .load

        jmp shell_start

; boot_read_sector reads the sector at LBA AX to ES:BX, retrying after a
; disk reset (int 13h AH=00h); on failure it prints an error and halts.
; Preserves AX, BX.
boot_read_sector:
        push ax
        push bx
        xor dx, dx
        div word [sectors_per_track]
        mov cl, dl
        inc cl                  ; CL = sector (1-based)
        xor dx, dx
        div word [heads]        ; AX = cylinder, DX = head
        mov ch, al              ; CH = cylinder bits 0-7
        shl ah, 6
        or cl, ah               ; CL bits 6-7 = cylinder bits 8-9
        mov dh, dl              ; DH = head
        mov dl, [boot_drive]
        mov si, LOAD_RETRIES
.try:
        mov ax, 0x0201          ; read 1 sector
        pop bx
        push bx
        push cx
        push dx
        int 0x13
        pop dx
        pop cx
        jnc .ok
        xor ax, ax              ; reset the disk system and retry
        push cx
        push dx
        int 0x13
        pop dx
        pop cx
        dec si
        jnz .try
        mov si, msg_disk_error
.print:
        lodsb
        test al, al
        jz .halt
        mov ah, 0x0E
        mov bx, 0x0007
        int 0x10
        jmp .print
.halt:
        sti
        hlt
        jmp .halt
.ok:
        pop bx
        pop ax
        ret

boot_drive:             db 0
sectors_per_track:      dw 18
heads:                  dw 2
msg_disk_error:         db "pxOS: disk read error", 0

        times 510-($-$$) db 0
        dw 0xAA55

; ---------------------------------------------------------------------------
; Hook slots (0x7E00-0x7E0F): words holding handler addresses. Features
; install themselves by writing these words; a handler that does not handle
; an event jumps to the previous handler (prev_<slot>).
; ---------------------------------------------------------------------------

hook_key:       dw no_handler   ; 0x7E00: every key, before the shell sees it
hook_line:      dw no_handler   ; 0x7E02: every line, on Enter
cmd_head:       dw 0            ; 0x7E04: first command entry (0 = none)
hook_reserved:  times 5 dw 0    ; 0x7E06-0x7E0F: reserved for future slots

; no_handler is the default handler of every hook: it handles nothing.
no_handler:
        clc
        ret

; ---------------------------------------------------------------------------
; Base routines for features. All preserve every register except the flags.
; ---------------------------------------------------------------------------

; print_char prints AL at the cursor (int 10h AH=0Eh teletype: 13, 10 and 8
; move the cursor; the screen scrolls at the bottom).
print_char:
        push ax
        push bx
        mov ah, 0x0E
        mov bx, 0x0007
        int 0x10
        pop bx
        pop ax
        ret

; print_string prints the zero-terminated string at DS:SI.
print_string:
        push ax
        push si
.next:
        lodsb
        test al, al
        jz .done
        call print_char
        jmp .next
.done:
        pop si
        pop ax
        ret

; newline moves the cursor to the start of the next line (CR LF).
newline:
        push ax
        mov al, 13
        call print_char
        mov al, 10
        call print_char
        pop ax
        ret

; print_hex prints AX as four hex digits.
print_hex:
        push ax
        push cx
        push dx
        mov dx, ax
        mov cx, 4
.digit:
        rol dx, 4
        mov al, dl
        and al, 0x0F
        add al, '0'
        cmp al, '9'
        jbe .out
        add al, 'A' - '9' - 1
.out:
        call print_char
        loop .digit
        pop dx
        pop cx
        pop ax
        ret

; clear_screen blanks the screen (grey on black) and puts the cursor at row 0,
; column 0.
clear_screen:
        push ax
        push bx
        push cx
        push dx
        mov ax, 0x0600          ; scroll up, AL=0: clear the window
        mov bh, 0x07
        xor cx, cx              ; top left 0,0
        mov dx, 0x184F          ; bottom right 24,79
        int 0x10
        xor dx, dx
        call set_cursor
        pop dx
        pop cx
        pop bx
        pop ax
        ret

; set_cursor moves the cursor to row DH, column DL.
set_cursor:
        push ax
        push bx
        mov ah, 0x02
        xor bh, bh
        int 0x10
        pop bx
        pop ax
        ret

; get_cursor returns the cursor row in DH and column in DL.
get_cursor:
        push ax
        push bx
        push cx
        mov ah, 0x03
        xor bh, bh
        int 0x10
        pop cx
        pop bx
        pop ax
        ret

; ---------------------------------------------------------------------------
; The shell.
; ---------------------------------------------------------------------------

shell_start:
        call clear_screen
        mov si, banner
        call print_string

shell_prompt:
        call get_cursor         ; the prompt always starts a line
        test dl, dl
        jz .column0
        call newline
.column0:
        mov word [line_len], 0
        mov byte [line_buf], 0
        mov si, prompt
        call print_string

shell_loop:
        xor ah, ah
        int 0x16                ; AL = ASCII (0 or 0xE0 for special keys), AH = scan code
        call [hook_key]
        mov bx, 0               ; mov keeps CF: restore DS=ES=0 and DF=0
        mov ds, bx
        mov es, bx
        cld
        jc shell_loop           ; consumed by a feature
        cmp al, 13
        je shell_enter
        cmp al, ' '
        jb shell_loop           ; control and special keys (arrows, F-keys) print nothing
        cmp al, '~'
        ja shell_loop
        mov bx, [line_len]
        cmp bx, LINE_MAX
        jae shell_loop          ; buffer full: ignore the key
        mov [line_buf+bx], al
        inc bx
        mov [line_len], bx
        mov byte [line_buf+bx], 0
        call print_char
        jmp shell_loop

shell_enter:
        call newline
        mov si, line_buf
        mov cx, [line_len]
        call [hook_line]
        mov bx, 0
        mov ds, bx
        mov es, bx
        cld
        jmp shell_prompt

; ---------------------------------------------------------------------------
; Data.
; ---------------------------------------------------------------------------

banner:         db "pxOS v1.0 - type a line and press Enter", 13, 10, 0
prompt:         db "pxOS> ", 0
line_len:       dw 0                    ; characters in line_buf (0..LINE_MAX)
line_buf:       times LINE_MAX+1 db 0   ; the typed line, zero-terminated
base_end:                               ; first free byte: features go here and above
