; hooks: {"hook_line": "missing_label"}   ; ERROR "missing_label"
bad_line:
        jmp prev_hook_line
