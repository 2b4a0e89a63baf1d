; The registers after BIOS calls, one line per call (AX BX CX DX), as
; SeaBIOS leaves them: int 10h AH=00h returns AL=30h, int 11h 0027h,
; int 12h 639 KiB, int 13h AH=15h AH=01h, int 15h AH=88h FC00h.
; (repro r_regs2.asm)
; qemu
; settle
; row 0 "0030 0000 0000 0000"
; row 3 "0027 0007 0604 0200"
; row 4 "027F 0007 0604 0200"
; row 7 "010A 0007 4F04 0000"
; row 11 "FC00 0007 0004 0000"
        org 0x7c00
        xor ax,ax
        mov ds,ax
        mov ss,ax
        mov sp,0x7c00
        mov ax,0x0003
        int 0x10            ; 1: set mode 3
        call dump
        mov ah,0x0f
        int 0x10            ; 2: get mode
        call dump
        mov ah,0x03
        xor bx,bx
        int 0x10            ; 3: cursor pos/shape
        call dump
        int 0x11            ; 4: equipment
        call dump
        int 0x12            ; 5: memory size
        call dump
        mov ah,0x02
        int 0x16            ; 6: shift flags
        call dump
        mov ah,0x08
        xor dx,dx
        int 0x13            ; 7: drive parameters (ES:DI not shown)
        call dump
        mov ah,0x15
        xor dx,dx
        int 0x13            ; 8: drive type
        call dump
        mov ax,0x0e41
        mov bx,0x0007
        int 0x10            ; 9: teletype 'A' (registers after)
        call dump
        mov ax,0x1200
        mov bl,0x10
        int 0x10            ; 11: EGA info
        call dump
        mov ax,0x1a00
        int 0x10            ; 12: display combination
        call dump
        mov ah,0x88
        int 0x15            ; 13: extended memory
        call dump
        mov ah,0x08
        xor bx,bx
        int 0x10            ; 14: read char/attr at cursor
        call dump
.k:     mov ah,0
        int 0x16
        jmp .k
dump:   push dx
        push cx
        push bx
        call hex16
        pop ax
        call hex16
        pop ax
        call hex16
        pop ax
        call hex16
nl:     mov ax,0x0e0d
        int 0x10
        mov al,0x0a
        int 0x10
        ret
hex16:  push ax
        mov al,ah
        call hex8
        pop ax
        call hex8
        mov ax,0x0e20
        int 0x10
        ret
hex8:   push ax
        mov cl,4
        shr al,cl
        call nib
        pop ax
nib:    and al,15
        add al,'0'
        cmp al,'9'
        jbe .o
        add al,7
.o:     mov ah,0x0e
        mov bx,0x0007
        int 0x10
        ret
        times 510-($-$$) db 0
        dw 0xaa55
