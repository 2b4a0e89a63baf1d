clock_idle:
        mov ah, 0x02
        int 0x1a                ; CH:CL:DH = hh:mm:ss in BCD
        mov di, clock_text
        mov al, ch
        call clock_bcd
        mov al, cl
        call clock_bcd
        mov al, dh
        call clock_bcd
        mov byte [di-1], 0      ; no colon after the seconds
        mov si, clock_text
        mov dx, 0x0048          ; row 0, column 72
        mov bl, 0x70
        call print_at
        jmp prev_hook_idle
clock_bcd:                      ; AL in BCD to "dd:" at DI
        mov ah, al
        shr al, 4
        add al, '0'
        stosb
        mov al, ah
        and al, 0x0f
        add al, '0'
        stosb
        mov al, ':'
        stosb
        ret
clock_text: times 10 db 0
