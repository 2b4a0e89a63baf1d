color_entry: dw prev_cmd_head, color_name, color_run, color_help
color_name: db "color", 0
color_help: db "set the text colour", 0
color_run:
        call parse_hex
        jc .usage
        mov [text_attr], al
        ret
.usage: mov si, color_usage
        call print_string
        jmp newline
color_usage: db "usage: color HEX", 0
