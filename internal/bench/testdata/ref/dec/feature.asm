dec_entry: dw prev_cmd_head, dec_name, dec_run, dec_help
dec_name: db "dec", 0
dec_help: db "print a hex number in decimal", 0
dec_run:
        call parse_hex
        jc .usage
        call print_dec
        jmp newline
.usage: mov si, dec_usage
        call print_string
        jmp newline
dec_usage: db "usage: dec HEX", 0
