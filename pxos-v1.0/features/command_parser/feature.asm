; Feature: command_parser - "Implement command parser for basic commands".
; hook_line handler: splits the line into a command word and its arguments,
; looks the word up in the command table (cmd_head list) and calls the
; entry's handler with SI = the arguments. An unknown word goes to the
; previous hook_line handler first; if that does not handle it either, it
; prints "Unknown command: WORD". An empty line goes to the previous handler.

parser_line:
        push si
        push cx
.skip:
        cmp byte [si], ' '
        jne .word
        inc si
        jmp .skip
.word:
        cmp byte [si], 0
        je .pass                ; empty line: not ours
        mov [parser_word], si
        mov di, si
.word_end:
        mov al, [di]
        test al, al
        jz .word_done
        cmp al, ' '
        je .word_done
        inc di
        jmp .word_end
.word_done:
        mov cx, di
        sub cx, si
        mov [parser_word_len], cx
.arg_skip:
        cmp byte [di], ' '
        jne .args
        inc di
        jmp .arg_skip
.args:
        mov [parser_args], di
        mov bx, [cmd_head]
.entry:
        test bx, bx
        jz .unknown
        mov si, [parser_word]
        mov di, [bx+2]          ; entry name
        mov cx, [parser_word_len]
        repe cmpsb
        jne .next_entry
        cmp byte [di], 0        ; the name ends with the word
        je .found
.next_entry:
        mov bx, [bx]
        jmp .entry
.found:
        pop cx
        pop si
        mov si, [parser_args]
        call [bx+4]
        stc
        ret
.unknown:
        pop cx
        pop si
        call prev_hook_line     ; an earlier handler may know the line
        jc .handled
        mov si, parser_msg_unknown
        call print_string
        mov si, [parser_word]
        mov cx, [parser_word_len]
.print_word:
        lodsb
        call print_char
        loop .print_word
        call newline
.handled:
        stc
        ret
.pass:
        pop cx
        pop si
        jmp prev_hook_line

parser_word:            dw 0
parser_word_len:        dw 0
parser_args:            dw 0
parser_msg_unknown:     db "Unknown command: ", 0
