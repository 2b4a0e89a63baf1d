; hooks: {"hook_line": "bad_line"}
bad_line:
        mov ax, bx, cx          ; ERROR ""
        frobnicate ax           ; ERROR ""
        jmp prev_hook_line
