; jmp $ at the end of a program, interrupts on: the guest idles (timer
; ticks pass, nothing else happens); Settle returns, no crash.
; (repro r_jmpself.asm)
; qemu
; wait "hi"
; settle
; idle
; row 0 "hi"
        org 0x7c00
        mov ax,0x0003
        int 0x10
        mov ax,0x0e68       ; 'h'
        int 0x10
        mov al,0x69         ; 'i'
        int 0x10
        jmp $
        times 510-($-$$) db 0
        dw 0xaa55
