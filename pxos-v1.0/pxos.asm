; pxOS v1.1 - the base system.
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
LINE_DEFAULT    equ 64          ; line_max at boot: characters a line holds
LINE_CAP        equ 255         ; the most line_max may be (line_buf holds LINE_CAP+1 bytes)

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
hook_init:      dw no_handler   ; 0x7E06: once after boot, before the first prompt
hook_prompt:    dw show_prompt  ; 0x7E08: prints the prompt
hook_idle:      dw no_handler   ; 0x7E0A: again and again while the shell waits for a key
hook_reserved:  times 2 dw 0    ; 0x7E0C-0x7E0F: reserved for future slots

; no_handler is the default handler of hook_key, hook_line, hook_init and
; hook_idle: it handles nothing.
no_handler:
        clc
        ret

; show_prompt is the default handler of hook_prompt: it prints `prompt`.
show_prompt:
        push si
        mov si, prompt
        call print_string
        pop si
        ret

; ---------------------------------------------------------------------------
; Base routines for features. Unless a routine says otherwise it preserves
; every register except the flags. They read pxOS's variables through CS
; (always 0), so they work whatever DS holds; strings are at DS:SI.
; ---------------------------------------------------------------------------

; print_char prints AL at the cursor in the colour text_attr and moves the
; cursor on; 13 (CR), 10 (LF), 8 (backspace) and 7 (bell) do what the BIOS
; teletype does with them, and the screen scrolls at the bottom. (int 10h
; AH=09h writes the character and its attribute, then AH=0Eh moves on.)
print_char:
        push ax
        push bx
        push cx
        xor bh, bh
        mov bl, [cs:text_attr]
        cmp al, 13
        je .teletype
        cmp al, 10
        je .teletype
        cmp al, 8
        je .teletype
        cmp al, 7
        je .teletype
        mov ah, 0x09
        mov cx, 1
        int 0x10
.teletype:
        mov ah, 0x0E
        int 0x10
        pop cx
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

; clear_screen blanks the screen in the colour text_attr and puts the cursor
; at row 0, column 0.
clear_screen:
        push ax
        push bx
        push cx
        push dx
        mov ax, 0x0600          ; scroll up, AL=0: clear the window
        mov bh, [cs:text_attr]
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

; print_dec prints AX as an unsigned decimal number (0-65535), without
; leading zeros.
print_dec:
        push ax
        push bx
        push cx
        push dx
        mov bx, 10
        xor cx, cx
.divide:
        xor dx, dx
        div bx                  ; AX = AX / 10, DX = the last digit
        push dx
        inc cx
        test ax, ax
        jnz .divide
.out:
        pop ax
        add al, '0'
        call print_char
        loop .out
        pop dx
        pop cx
        pop bx
        pop ax
        ret

; print_bcd prints AL as two BCD digits: 0x59 prints "59" (int 1Ah AH=02h
; returns the time this way: CH hours, CL minutes, DH seconds).
print_bcd:
        push ax
        mov ah, al
        shr al, 4
        add al, '0'
        call print_char
        mov al, ah
        and al, 0x0F
        add al, '0'
        call print_char
        pop ax
        ret

; print_at prints the zero-terminated string at DS:SI at row DH, column DL
; in attribute BL (e.g. 0x1E yellow on blue). It writes the text screen's
; memory (B800:0000, 80x25) itself: the cursor does not move, even for a
; moment, and nothing scrolls; characters are drawn as they are (13 and 10
; too), the text stops at column 79, and a row past 24 draws nothing.
print_at:
        push ax
        push dx
        push si
        push di
        push es
        cld                     ; (lodsb, stosw: forwards)
        cmp dh, 25
        jae .done
        mov ax, 0xB800
        mov es, ax
        mov al, 80
        mul dh                  ; AX = row * 80
        xor dh, dh
        add ax, dx
        shl ax, 1
        mov di, ax              ; ES:DI = the cell at row DH, column DL
        mov ah, bl
.next:
        lodsb
        test al, al
        jz .done
        cmp dl, 80
        jae .done
        stosw                   ; the character and its attribute
        inc dl
        jmp .next
.done:
        pop es
        pop di
        pop si
        pop dx
        pop ax
        ret

; read_key waits for a key and returns it in AX as int 16h AH=00h does:
; AL = ASCII (0 or 0xE0 for arrows, F-keys and other special keys), AH =
; scan code. While it waits it calls the hook_idle handler again and again,
; halting between calls until the next interrupt (a timer tick, 18.2 times
; a second, or a key). Changes AX and the flags only.
read_key:
        cmp word [cs:hook_idle], no_handler
        je .read                ; nothing to do while waiting: wait in the BIOS
.check:
        mov ah, 0x01
        int 0x16                ; ZF=0: a key is waiting
        jnz .read
        call run_idle
        sti
        hlt
        jmp .check
.read:
        xor ah, ah
        int 0x16
        ret

; run_idle calls the hook_idle handler as the calling convention says
; (DS=ES=0, DF=0) and preserves every register and the flags.
run_idle:
        pushf
        pusha
        push ds
        push es
        xor ax, ax
        mov ds, ax
        mov es, ax
        cld
        call [cs:hook_idle]
        pop es
        pop ds
        popa
        popf
        ret

; str_compare compares the zero-terminated strings at DS:SI and ES:DI.
; Out: ZF=1 when they are equal; else ZF=0, and CF=1 when the string at SI
; sorts first (byte by byte, unsigned). Preserves every register.
str_compare:
        push ax
        push si
        push di
.next:
        lodsb
        mov ah, [es:di]
        inc di
        cmp al, ah
        jne .done
        test al, al
        jnz .next
.done:
        pop di
        pop si
        pop ax
        ret

; skip_spaces moves SI past the spaces at DS:SI. Changes SI and the flags.
skip_spaces:
        cmp byte [si], ' '
        jne .done
        inc si
        jmp skip_spaces
.done:
        ret

; parse_dec reads an unsigned decimal number at DS:SI, spaces before it
; skipped. Out: CF=0, AX = the number (0-65535) and SI after its last digit;
; or CF=1 (no digit there, or a number above 65535), AX = 0 and SI after the
; spaces. Changes AX, SI and the flags.
parse_dec:
        push bx
        push cx
        push dx
        call skip_spaces
        push si
        xor ax, ax
        xor cx, cx              ; digits read
.next:
        mov bl, [si]
        sub bl, '0'
        cmp bl, 9
        ja .end
        mov dx, 10
        mul dx                  ; DX:AX = AX * 10
        jc .bad
        xor bh, bh
        add ax, bx
        jc .bad
        inc si
        inc cx
        jmp .next
.end:
        test cx, cx
        jz .bad
        add sp, 2               ; drop the saved SI
        clc
        jmp .out
.bad:
        pop si
        xor ax, ax
        stc
.out:
        pop dx
        pop cx
        pop bx
        ret

; parse_hex reads a hex number of 1 to 4 digits (0-9, a-f, A-F; a 0x prefix
; is allowed) at DS:SI, spaces before it skipped. Out: CF=0, AX = the
; number and SI after its last digit; or CF=1 (no digit there, or more than
; 4 digits), AX = 0 and SI after the spaces. Changes AX, SI and the flags.
parse_hex:
        push bx
        push cx
        call skip_spaces
        push si
        cmp byte [si], '0'
        jne .digits
        mov bl, [si+1]
        or bl, 0x20             ; lower case
        cmp bl, 'x'
        jne .digits
        add si, 2
.digits:
        xor ax, ax
        xor cx, cx              ; digits read
.next:
        mov bl, [si]
        cmp bl, '0'
        jb .end
        cmp bl, '9'
        jbe .decimal
        or bl, 0x20
        cmp bl, 'a'
        jb .end
        cmp bl, 'f'
        ja .end
        sub bl, 'a' - 10
        jmp .add
.decimal:
        sub bl, '0'
.add:
        cmp cx, 4
        jae .bad                ; a fifth digit: above 0xFFFF
        shl ax, 4
        or al, bl
        inc si
        inc cx
        jmp .next
.end:
        test cx, cx
        jz .bad
        add sp, 2               ; drop the saved SI
        clc
        jmp .out
.bad:
        pop si
        xor ax, ax
        stc
.out:
        pop cx
        pop bx
        ret

; ---------------------------------------------------------------------------
; The shell.
; ---------------------------------------------------------------------------

shell_start:
        call clear_screen
        mov si, banner
        call print_string
        call [hook_init]
        call shell_segments

shell_prompt:
        call get_cursor         ; the prompt always starts a line
        test dl, dl
        jz .column0
        call newline
.column0:
        mov word [line_len], 0
        mov byte [line_buf], 0
        call [hook_prompt]
        call shell_segments

shell_loop:
        call read_key           ; AL = ASCII (0 or 0xE0 for special keys), AH = scan code
        call [hook_key]
        call shell_segments     ; keeps CF
        jc shell_loop           ; consumed by a feature
        cmp al, 13
        je shell_enter
        cmp al, ' '
        jb shell_loop           ; control and special keys (arrows, F-keys) print nothing
        cmp al, '~'
        ja shell_loop
        mov bx, [line_len]
        mov cx, [line_max]
        cmp cx, LINE_CAP
        jbe .room
        mov cx, LINE_CAP        ; line_max past the buffer: the buffer's size
.room:
        cmp bx, cx
        jae shell_loop          ; line full: ignore the key
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
        call shell_segments
        jmp shell_prompt

; shell_segments restores what a handler may have changed and the shell
; relies on: DS=ES=0 and DF=0. It keeps CF (mov and cld leave it alone).
shell_segments:
        push bx
        mov bx, 0
        mov ds, bx
        mov es, bx
        pop bx
        cld
        ret

; ---------------------------------------------------------------------------
; Data. The base's strings never change; the variables from base_vars on
; may be changed by features while pxOS runs.
; ---------------------------------------------------------------------------

banner:         db "pxOS v1.1 - type a line and press Enter", 13, 10, 0
prompt:         db "pxOS> ", 0
base_vars:
text_attr:      db 0x07                 ; the colour print_char and clear_screen use (grey on black)
line_max:       dw LINE_DEFAULT         ; characters a line holds (LINE_DEFAULT; at most LINE_CAP)
line_len:       dw 0                    ; characters in line_buf (0..line_max)
line_buf:       times LINE_CAP+1 db 0   ; the typed line, zero-terminated
base_end:                               ; first free byte: features go here and above
