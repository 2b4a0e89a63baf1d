; Test feature for the pxOS v1.1 routine library (routines_test.go): one
; command per routine, printing what the routine returned, and rtregs,
; which checks that the routines keep the registers they promise to keep.

rt_dec_entry:   dw prev_cmd_head, rt_dec_name, rt_dec_run, 0
rt_dec_name:    db "rtdec", 0
rt_hex_entry:   dw rt_dec_entry, rt_hex_name, rt_hex_run, 0
rt_hex_name:    db "rthex", 0
rt_sum_entry:   dw rt_hex_entry, rt_sum_name, rt_sum_run, 0
rt_sum_name:    db "rtsum", 0
rt_bcd_entry:   dw rt_sum_entry, rt_bcd_name, rt_bcd_run, 0
rt_bcd_name:    db "rtbcd", 0
rt_cmp_entry:   dw rt_bcd_entry, rt_cmp_name, rt_cmp_run, 0
rt_cmp_name:    db "rtcmp", 0
rt_at_entry:    dw rt_cmp_entry, rt_at_name, rt_at_run, 0
rt_at_name:     db "rtat", 0
rt_key_entry:   dw rt_at_entry, rt_key_name, rt_key_run, 0
rt_key_name:    db "rtkey", 0
rt_regs_entry:  dw rt_key_entry, rt_regs_name, rt_regs_run, 0
rt_regs_name:   db "rtregs", 0

; rtdec N: parse_dec, then "= N hex HHHH rest [...]" or "error rest [...]".
rt_dec_run:
        call parse_dec
        jmp rt_result
rt_hex_run:
        call parse_hex
rt_result:
        jc .error
        push si
        mov si, rt_eq
        call print_string
        call print_dec
        mov si, rt_hexw
        call print_string
        call print_hex
        pop si
        jmp .rest
.error:
        push si
        mov si, rt_err
        call print_string
        pop si
.rest:
        push si
        mov si, rt_rest
        call print_string
        pop si
        call print_string
        mov al, ']'
        call print_char
        jmp newline

; rtsum A B: two parse_dec calls (the second skips the spaces between).
rt_sum_run:
        call parse_dec
        jc .bad
        mov bx, ax
        call parse_dec
        jc .bad
        add ax, bx
        mov si, rt_eq
        call print_string
        call print_dec
        jmp newline
.bad:   mov si, rt_err
        call print_string
        jmp newline

; rtbcd: print_bcd of 0x59, 0x07, 0x23.
rt_bcd_run:
        mov al, 0x59
        call print_bcd
        mov al, ' '
        call print_char
        mov al, 0x07
        call print_bcd
        mov al, ' '
        call print_char
        mov al, 0x23
        call print_bcd
        jmp newline

; rtcmp A B: str_compare of the two words: eq, lt or gt.
rt_cmp_run:
        mov di, si
.find:  mov al, [di]
        test al, al
        jz .go                  ; one word: compare it with ""
        inc di
        cmp al, ' '
        jne .find
        mov byte [di-1], 0      ; end the first word
.go:    call str_compare
        mov si, rt_eqw
        je .out
        mov si, rt_lt
        jc .out
        mov si, rt_gt
.out:   call print_string
        jmp newline

; rtat: print_at "AT" at row 5, column 70 in 0x1E and "XYZ" at row 6,
; column 78 (cut at column 79), then "after" at the cursor, which
; print_at left alone.
rt_at_run:
        mov si, rt_at_text
        mov dx, 0x0546
        mov bl, 0x1E
        call print_at
        mov si, rt_xyz
        mov dx, 0x064E
        call print_at
        mov si, rt_after
        call print_string
        jmp newline

; rtkey: read_key, then "key HHHH" (AH scan code, AL ASCII).
rt_key_run:
        call read_key
        push ax
        mov si, rt_keyw
        call print_string
        pop ax
        call print_hex
        jmp newline

; rtregs: every routine that keeps the registers keeps them.
rt_regs_run:
        mov byte [rt_which], '0'
        mov ax, 0x1111
        mov bx, 0x2E22
        mov cx, 0x0003
        mov dx, 0x1400          ; row 20, column 0
        mov si, rt_sample
        mov di, rt_sample
        mov bp, 0x5555
        call clear_screen
        call rt_check
        call print_char
        call rt_check
        call print_string
        call rt_check
        call newline
        call rt_check
        call print_hex
        call rt_check
        call print_dec
        call rt_check
        call print_bcd
        call rt_check
        call print_at
        call rt_check
        call set_cursor
        call rt_check
        call str_compare
        call rt_check
        mov si, rt_ok
        call print_string
        jmp newline

; rt_check stops with "regs BAD N" (N: the routine's number) when a
; register lost its value; else it counts the routine and returns.
rt_check:
        cmp ax, 0x1111
        jne .bad
        cmp bx, 0x2E22
        jne .bad
        cmp cx, 0x0003
        jne .bad
        cmp dx, 0x1400
        jne .bad
        cmp si, rt_sample
        jne .bad
        cmp di, rt_sample
        jne .bad
        cmp bp, 0x5555
        jne .bad
        inc byte [rt_which]
        ret
.bad:   add sp, 2               ; return to the shell, not to rt_regs_run
        mov si, rt_bad
        call print_string
        mov al, [rt_which]
        call print_char
        jmp newline

rt_eq:      db "= ", 0
rt_hexw:    db " hex ", 0
rt_err:     db "error", 0
rt_rest:    db " rest [", 0
rt_eqw:     db "eq", 0
rt_lt:      db "lt", 0
rt_gt:      db "gt", 0
rt_at_text: db "AT", 0
rt_xyz:     db "XYZ", 0
rt_after:   db "after", 0
rt_keyw:    db "key ", 0
rt_ok:      db "regs ok", 0
rt_bad:     db "regs BAD ", 0
rt_sample:  db "s", 0
rt_which:   db 0
