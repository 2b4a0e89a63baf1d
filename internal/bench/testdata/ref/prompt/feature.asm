prompt_show:
        mov si, prompt_text
        jmp print_string
prompt_text: db "px$ ", 0
