history_line:                   ; keep the line entered (SI, CX as received)
        jcxz .chain
        push si
        push cx
        push di
        mov [history_len], cx
        mov di, history_buf
        rep movsb
        pop di
        pop cx
        pop si
.chain: jmp prev_hook_line
history_key:
        cmp ah, 0x48            ; Up
        jne .pass
        cmp al, 0
        je .up
        cmp al, 0xE0
        jne .pass
.up:    mov cx, [line_len]      ; erase what is typed
.erase: jcxz .copy
        mov al, 8
        call print_char
        mov al, ' '
        call print_char
        mov al, 8
        call print_char
        dec cx
        jmp .erase
.copy:  mov cx, [history_len]
        mov [line_len], cx
        mov si, history_buf
        mov di, line_buf
        rep movsb
        mov byte [di], 0
        mov si, line_buf
        call print_string
        stc
        ret
.pass:  jmp prev_hook_key
history_len: dw 0
history_buf: times 256 db 0
