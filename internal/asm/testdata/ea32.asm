; 32-bit addressing (0x67 prefix): which register is base or index follows
; NASM's evaluator: the first register written is the base, unless it is
; scaled or two terms of one kind were summed (then NASM's register order).
bits 16
org 0x100
L0:
	mov ax, [eax]                          ; => 67 8b 00
	mov ax, [ebp]                          ; => 67 8b 45 00
	mov ax, [esp]                          ; => 67 8b 04 24
	mov ax, [eax+ebx]                      ; => 67 8b 04 18
	mov ax, [ebx+eax]                      ; => 67 8b 04 03
	mov ax, [ebp+eax]                      ; => 67 8b 44 05 00
	mov ax, [eax+esp]                      ; => 67 8b 04 04
	mov ax, [eax*2]                        ; => 67 8b 04 00
	mov ax, [eax*3]                        ; => 67 8b 04 40
	mov ax, [eax*4]                        ; => 67 8b 04 85 00 00 00 00
	mov ax, [eax*1]                        ; => 67 8b 00
	mov ax, [eax+eax]                      ; => 67 8b 04 00
	mov ax, [ebx+ecx*4+8]                  ; => 67 8b 44 8b 08
	mov ax, [ecx*4+ebx+0x1000]             ; => 67 8b 84 8b 00 10 00 00
	mov ax, [4*ecx+ebx]                    ; => 67 8b 04 8b
	mov ax, [ebx*1+eax]                    ; => 67 8b 04 18
	mov ax, [esi+edx+L1-L0]                ; => 67 8b 84 32 94 00 00 00
	mov ax, [esi+edx+L1]                   ; => 67 8b 84 16 94 01 00 00
	mov ax, [esi+edx+L0-L0]                ; => 67 8b 04 16
	mov ax, [1+2+ebx+eax]                  ; => 67 8b 44 18 03
	mov ax, [ebx+eax+1+2]                  ; => 67 8b 44 18 03
	mov ax, [ebx+eax+(L1-L0)/2]            ; => 67 8b 44 18 4a
	mov ax, [es:eax*4+ebp]                 ; => 26 67 8b 44 85 00
	mov ax, [eax+0xffffffff]               ; => 67 8b 40 ff
	mov ax, [byte eax+1]                   ; => 67 8b 40 01
	mov ax, [dword eax+1]                  ; => 67 8b 80 01 00 00 00
	mov eax, [ebx+esi]                     ; => 66 67 8b 04 33
	lea ecx, [ecx+ecx*2]                   ; => 66 67 8d 0c 49
	mov byte [edi+5], 1                    ; => 67 c6 47 05 01
	add [ebp-4], eax                       ; => 66 67 01 45 fc
L1:
