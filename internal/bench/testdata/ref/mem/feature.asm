mem_entry: dw prev_cmd_head, mem_name, mem_run, mem_help
mem_name: db "mem", 0
mem_help: db "print the conventional memory size", 0
mem_run:
        int 0x12                ; AX = KB below 640 KB
        call print_dec
        mov si, mem_kb
        call print_string
        jmp newline
mem_kb: db " KB", 0
