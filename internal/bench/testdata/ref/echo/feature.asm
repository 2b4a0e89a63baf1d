echo_entry: dw prev_cmd_head, echo_name, echo_run, echo_help
echo_name: db "echo", 0
echo_help: db "print the arguments", 0
echo_run:
        call print_string
        jmp newline
