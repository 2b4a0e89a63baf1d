; A long silent computation (about 70 million instructions) runs to its
; end under the default budget: a busy guest is not a runaway.
; (repro r_long.asm)
; qemu
; wait "K"
; settle
; row 0 "K"
        org 0x7c00
        mov ax,0x0003
        int 0x10
        mov dx,1000
.o:     mov cx,0xffff
.i:     loop .i
        dec dx
        jnz .o
        mov ax,0x0e4b       ; 'K'
        int 0x10
.k:     mov ah,0
        int 0x16
        jmp .k
        times 510-($-$$) db 0
        dw 0xaa55
