; =============================================================================
; htons_tutorial.asm -- the tutorial's shift-based htons, fixed to zero-extend
;
; The tutorial built the swapped value in ax with 16-bit shifts and `mov al, dl`
; and returned. 16-bit writes leave bits 16..63 of rax as they were, so a
; caller that used the whole register (or eax, as a C compiler may when it
; widens a uint16_t result it believes clean) saw garbage above the port. The
; fix is the `movzx eax, ax` at the end: bits 16..63 become zero.
; =============================================================================
%include "platform.inc"

section .text

global sp_htons_tutorial

; -----------------------------------------------------------------------------
; sp_htons_tutorial -- swap the two bytes of a 16-bit value (host -> network)
;  IN:  di = host-order value (bits 16..63 of rdi are ignored: SysV leaves them
;       undefined for a uint16_t argument)
;  OUT: rax = network-order value, zero-extended (bits 16..63 are 0)
;  CLOBBERS: rdx (SysV caller-saved); everything else preserved
; -----------------------------------------------------------------------------
sp_htons_tutorial:
    mov dx, di
    mov ax, dx
    shl ax, 8                   ; low byte -> high byte
    shr dx, 8                   ; high byte -> low byte of dx
    mov al, dl                  ; combine
    movzx eax, ax               ; the fix: clear bits 16..63 (eax writes zero 32..63)
    ret
