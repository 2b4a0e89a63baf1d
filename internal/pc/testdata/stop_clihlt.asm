; cli; hlt at the end of a program stops the guest for good: Settle
; returns (no crash), the screen is final, a key typed to it is lost.
; (repro r_clihlt.asm)
; qemu
; wait "hi"
; settle
; stopped "hlt with interrupts disabled"
; press "a"
; row 0 "hi"
        org 0x7c00
        mov ax,0x0003
        int 0x10
        mov ax,0x0e68       ; 'h'
        int 0x10
        mov al,0x69         ; 'i'
        int 0x10
        cli
        hlt
        times 510-($-$$) db 0
        dw 0xaa55
