ver_entry: dw prev_cmd_head, ver_name, ver_run, ver_help
ver_name: db "ver", 0
ver_help: db "print the version", 0
ver_run:
        mov si, ver_text
        call print_string
        jmp newline
ver_text: db "pxOS v1.1", 0
