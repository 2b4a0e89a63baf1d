; Single-line %define, as NASM's preprocessor expands it.
%define VIDEO 0x10
%define COLOR 0x07
%define ATTR (COLOR << 4) | 1
%define PRINT mov ah, 0x0e
bits 16
org 0x7e00
	mov ax, VIDEO                          ; => b8 10 00
	mov bl, ATTR                           ; => b3 71
	PRINT                                  ; => b4 0e
	int VIDEO                              ; => cd 10
%define VIDEO 0x13
	int VIDEO                              ; => cd 13
