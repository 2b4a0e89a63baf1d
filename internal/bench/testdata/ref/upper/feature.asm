upper_entry: dw prev_cmd_head, upper_name, upper_run, upper_help
upper_name: db "upper", 0
upper_help: db "print the arguments in upper case", 0
upper_run:
.next:  lodsb
        test al, al
        jz .done
        cmp al, 'a'
        jb .out
        cmp al, 'z'
        ja .out
        sub al, 'a' - 'A'
.out:   call print_char
        jmp .next
.done:  jmp newline
