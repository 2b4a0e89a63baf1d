; hooks: {"hook_key": "bad_key"}
bad_key:
        jmp prev_hook_key
feature_bad:                    ; ERROR "reserved prefix"
        ret
