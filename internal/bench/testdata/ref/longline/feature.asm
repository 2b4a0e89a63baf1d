longline_init:
        call prev_hook_init
        mov word [line_max], 128
        ret
