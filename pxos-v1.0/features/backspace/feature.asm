; Feature: backspace - "Add backspace support to shell".
; hook_key handler: Backspace (AL=8) removes the last character of the line
; from line_buf and from the screen; at the start of the line it does
; nothing (the prompt stays). Every other key goes to the previous handler.

backspace_key:
        cmp al, 8
        jne .pass
        mov bx, [line_len]
        test bx, bx
        jz .done                ; start of line: nothing to erase
        dec bx
        mov [line_len], bx
        mov byte [line_buf+bx], 0
        push ax
        mov al, 8               ; cursor left, blank the cell, cursor left
        call print_char
        mov al, ' '
        call print_char
        mov al, 8
        call print_char
        pop ax
.done:
        stc                     ; consumed
        ret
.pass:
        jmp prev_hook_key
