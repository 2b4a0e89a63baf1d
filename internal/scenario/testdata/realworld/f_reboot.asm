; a correct 'reboot' command, reduced: print "hi", and on a key print
; "rebooting" and jump to the reset vector FFFF:0000; the machine boots
; again, so the screen shows "hi" alone
        org 0x7c00
        mov ax,0x0003
        int 0x10
        mov si,hi
        call puts
        mov ah,0
        int 0x16
        mov si,bye
        call puts
        jmp 0xffff:0x0000
puts:   lodsb
        test al,al
        jz .d
        mov ah,0x0e
        int 0x10
        jmp puts
.d:     ret
hi:     db "hi", 0
bye:    db " rebooting", 0
        times 510-($-$$) db 0
        dw 0xaa55
