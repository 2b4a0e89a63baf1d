; hooks: {"hook_key": "bad_key"}
bad_key:
        call print_strin        ; ERROR "print_strin"
        jmp prev_hook_key
