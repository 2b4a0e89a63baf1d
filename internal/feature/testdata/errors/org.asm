; hooks: {"hook_key": "bad_key"}
        org 0x9000              ; ERROR "no org line"
bad_key:
        jmp prev_hook_key
