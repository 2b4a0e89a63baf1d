; Feature: help - "Add 'help' command that shows available commands".
; A command table entry; its handler walks the table from cmd_head, so the
; list grows as features add commands.

help_entry:
        dw prev_cmd_head        ; next entry
        dw help_name            ; name
        dw help_run             ; handler (SI = arguments)
        dw help_text            ; one-line description

help_name:      db "help", 0
help_text:      db "list the available commands", 0
help_title:     db "Commands:", 0
help_indent:    db "  ", 0
help_dash:      db " - ", 0

help_run:
        mov si, help_title
        call print_string
        call newline
        mov bx, [cmd_head]
.entry:
        test bx, bx
        jz .done
        mov si, help_indent
        call print_string
        mov si, [bx+2]
        call print_string
        mov si, [bx+6]
        test si, si
        jz .end_line
        push si
        mov si, help_dash
        call print_string
        pop si
        call print_string
.end_line:
        call newline
        mov bx, [bx]
        jmp .entry
.done:
        ret
