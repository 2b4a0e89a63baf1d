; hooks: {"hook_key": "bad_key"}
bad_key:
        jmp prev_hook_key
print_char:                     ; ERROR "already defined by the build"
        ret
