; =============================================================================
; htons_bswap.asm -- htons with the 32-bit byte swap
;
; bswap has no 16-bit form (its result on a 16-bit register is undefined), so
; the value is swapped as 32 bits and the two bytes brought back down.
; =============================================================================
%include "platform.inc"

section .text

global sp_htons_bswap

; -----------------------------------------------------------------------------
; sp_htons_bswap -- swap the two bytes of a 16-bit value (host -> network)
;  IN:  di = host-order value (bits 16..63 of rdi are ignored)
;  OUT: rax = network-order value, zero-extended (bits 16..63 are 0)
;  CLOBBERS: nothing beyond rax and flags
; -----------------------------------------------------------------------------
sp_htons_bswap:
    movzx eax, di               ; 0x0000HHLL
    bswap eax                   ; 0xLLHH0000
    shr eax, 16                 ; 0x0000LLHH, bits 16..63 zero
    ret
