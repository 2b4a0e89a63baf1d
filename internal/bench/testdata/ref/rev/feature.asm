rev_entry: dw prev_cmd_head, rev_name, rev_run, rev_help
rev_name: db "rev", 0
rev_help: db "print the arguments reversed", 0
rev_run:
        mov bx, si
.find:  cmp byte [bx], 0
        je .back
        inc bx
        jmp .find
.back:  cmp bx, si
        je .done
        dec bx
        mov al, [bx]
        call print_char
        jmp .back
.done:  jmp newline
