; Sections as nasm -f bin lays them out: .text, then .data (aligned to 4),
; then .bss (addresses only, no bytes); $$ is the start of each section.
bits 16
org 0x7e00
section .text
start:
	mov ax, x                              ; => b8 18 7e
	mov bx, y                              ; => bb 24 7e
	mov cx, z                              ; => b9 27 7e
	mov dx, $$                             ; => ba 00 7e
section .data
x:	dw 5                                 ; => 05 00
	dw $$                                  ; => 18 7e
section .bss
y:	resb 3
z:	resw 1
section .text
t2:	ret                                 ; => c3
	mov si, msg                            ; => be 1d 7e
section .data
w:	db 1                                 ; => 01
msg:	db "hi", 0                         ; => 68 69 00
len	equ $ - msg
section .text
	mov cx, len                            ; => b9 03 00
	mov ax, [w]                            ; => a1 1c 7e
section .other align=16
o:	db 7                                 ; => 07
	dw o                                   ; => 20 7e
