; int 16h AH=01h with no key waiting returns ZF=1 at once, so 200 checks
; end and DONE shows. (repro r_poll.asm)
; qemu
; wait "DONE"
; settle
; row 0 "DONE"
        org 0x7c00
        mov ax,0x0003
        int 0x10
        mov cx,200
.l:     mov ah,0x01
        int 0x16            ; key waiting? (does not block)
        loop .l
        mov si,msg
.p:     lodsb
        test al,al
        jz .k
        mov ah,0x0e
        int 0x10
        jmp .p
.k:     mov ah,0
        int 0x16
        jmp .k
msg:    db "DONE",0
        times 510-($-$$) db 0
        dw 0xaa55
