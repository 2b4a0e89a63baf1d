; Feature: clear - "Add 'clear' command to clear screen".
; A command table entry whose handler clears the screen; the shell then
; prints its prompt on the top row.

clear_entry:
        dw prev_cmd_head        ; next entry
        dw clear_name           ; name
        dw clear_run            ; handler
        dw clear_text           ; one-line description

clear_name:     db "clear", 0
clear_text:     db "clear the screen", 0

clear_run:
        call clear_screen
        ret
