add_entry: dw prev_cmd_head, add_name, add_run, add_help
add_name: db "add", 0
add_help: db "add A B prints A+B", 0
add_run:
        call parse_dec
        jc .usage
        mov bx, ax
        call parse_dec
        jc .usage
        add ax, bx
        call print_dec
        jmp newline
.usage: mov si, add_usage
        call print_string
        jmp newline
add_usage: db "usage: add A B", 0
