; Test feature: an "echo" command that prints its arguments. It shows that a
; later feature adds a command without touching the others, and that the
; parser passes SI = the arguments.

echo_entry:
        dw prev_cmd_head
        dw echo_name
        dw echo_run
        dw echo_help
echo_name:      db "echo", 0
echo_help:      db "print the arguments", 0
echo_run:
        call print_string
        call newline
        ret
