date_entry: dw prev_cmd_head, date_name, date_run, date_help
date_name: db "date", 0
date_help: db "print the date", 0
date_run:
        mov ah, 0x04
        int 0x1a                ; CH CL DH DL = century, year, month, day in BCD
        mov al, ch
        call print_bcd
        mov al, cl
        call print_bcd
        mov al, '-'
        call print_char
        mov al, dh
        call print_bcd
        mov al, '-'
        call print_char
        mov al, dl
        call print_bcd
        jmp newline
