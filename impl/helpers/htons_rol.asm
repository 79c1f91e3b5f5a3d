; =============================================================================
; htons_rol.asm -- htons as one 16-bit rotate
; =============================================================================
%include "platform.inc"

section .text

global sp_htons_rol

; -----------------------------------------------------------------------------
; sp_htons_rol -- swap the two bytes of a 16-bit value (host -> network)
;  IN:  di = host-order value (bits 16..63 of rdi are ignored)
;  OUT: rax = network-order value, zero-extended (bits 16..63 are 0)
;  CLOBBERS: nothing beyond rax and flags
; -----------------------------------------------------------------------------
sp_htons_rol:
    movzx eax, di               ; zero bits 16..63 first: rol ax leaves them alone
    rol ax, 8                   ; rotating 16 bits by 8 swaps the two bytes
    ret
