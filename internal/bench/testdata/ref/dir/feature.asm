dir_entry: dw prev_cmd_head, dir_name, dir_run, dir_help
dir_name: db "dir", 0
dir_help: db "list the files of the FAT12 volume at sector 100", 0
dir_run:
        mov ax, 100
        call dir_read
        jc .novol
        cmp word [dir_buf+510], 0xAA55
        jne .novol
        mov ax, [dir_buf+22]    ; BPB_FATSz16
        mov bl, [dir_buf+16]    ; BPB_NumFATs
        xor bh, bh
        mul bx
        add ax, [dir_buf+14]    ; BPB_RsvdSecCnt
        add ax, 100
        mov [dir_lba], ax
        mov ax, [dir_buf+17]    ; BPB_RootEntCnt
        mov [dir_left], ax
.sector:
        mov ax, [dir_lba]
        call dir_read
        jc .novol
        inc word [dir_lba]
        mov bx, dir_buf
.entry: cmp word [dir_left], 0
        je .done
        dec word [dir_left]
        mov al, [bx]
        test al, al
        jz .done                ; end of the directory
        cmp al, 0xE5
        je .skip                ; deleted
        test byte [bx+11], 0x08
        jnz .skip               ; volume label (or a long name part)
        call dir_print
.skip:  add bx, 32
        cmp bx, dir_buf+512
        jb .entry
        jmp .sector
.done:  ret
.novol: mov si, dir_novol
        call print_string
        jmp newline
dir_print:                      ; the entry at BX as NAME.EXT
        mov si, bx
        mov cx, 8
.n:     lodsb
        cmp al, ' '
        je .e
        call print_char
        loop .n
.e:     cmp byte [bx+8], ' '
        je .nl
        mov al, '.'
        call print_char
        lea si, [bx+8]
        mov cx, 3
.x:     lodsb
        cmp al, ' '
        je .nl
        call print_char
        loop .x
.nl:    jmp newline
dir_read:                       ; read sector AX (LBA) of drive A: into dir_buf
        push bx
        xor dx, dx
        mov bx, 18
        div bx                  ; AX = track, DX = sector - 1
        mov cl, dl
        inc cl
        xor dx, dx
        mov bx, 2
        div bx                  ; AX = cylinder, DX = head
        mov ch, al
        mov dh, dl
        mov dl, 0
        mov bx, dir_buf
        mov ax, 0x0201
        int 0x13
        pop bx
        ret
dir_novol: db "No volume", 0
dir_lba:  dw 0
dir_left: dw 0
dir_buf:  times 512 db 0
