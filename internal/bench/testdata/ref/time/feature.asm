time_entry: dw prev_cmd_head, time_name, time_run, time_help
time_name: db "time", 0
time_help: db "print the time", 0
time_run:
        mov ah, 0x02
        int 0x1a                ; CH:CL:DH = hh:mm:ss in BCD
        mov al, ch
        call print_bcd
        mov al, ':'
        call print_char
        mov al, cl
        call print_bcd
        mov al, ':'
        call print_char
        mov al, dh
        call print_bcd
        jmp newline
