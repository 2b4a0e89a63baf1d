; a correct 'time' command, reduced to a boot sector: int 1Ah AH=02h (RTC
; time, BCD) printed as HH:MM:SS; issue 17 "done when"
        org 0x7c00
        mov ax,0x0003
        int 0x10
        mov ah,2
        int 0x1a            ; CH hours, CL minutes, DH seconds (BCD)
        mov al,ch
        call hex
        mov al,':'
        call out
        mov al,cl
        call hex
        mov al,':'
        call out
        mov al,dh
        call hex
.k:     mov ah,0
        int 0x16
        jmp .k
hex:    push cx
        push ax
        mov cl,4
        shr al,cl
        call nib
        pop ax
        pop cx
nib:    and al,15
        add al,'0'
        cmp al,'9'
        jbe out
        add al,7
out:    mov ah,0x0e
        int 0x10
        ret
        times 510-($-$$) db 0
        dw 0xaa55
