; =============================================================================
; shim_freestanding_misaligned.asm -- proof that an ABI-check build traps.
; Assembled with -DSP_ABI_CHECK (tests/freestanding/CMakeLists.txt), like
; syspath_freestanding_abicheck: one routine calls with rsp misaligned and
; must die of SIGILL (ud2); its twin calls correctly aligned and returns.
; =============================================================================
%include "platform.inc"

section .text
global sp_fs_test_misaligned_call
global sp_fs_test_aligned_call

; -----------------------------------------------------------------------------
; do_nothing -- the callee; returns 7 so the caller can see it ran
;  IN: nothing  OUT: rax = 7  CLOBBERS: nothing else
; -----------------------------------------------------------------------------
do_nothing:
    mov eax, 7
    ret

; -----------------------------------------------------------------------------
; sp_fs_test_misaligned_call -- ACALL straight from entry, where rsp % 16 == 8:
;                               the mistake the tutorial made
;  IN: nothing  OUT: never returns in an ABI-check build (ud2 -> SIGILL);
;  rax = 7 otherwise  CLOBBERS: nothing else
; -----------------------------------------------------------------------------
sp_fs_test_misaligned_call:
    ACALL do_nothing            ; misaligned on purpose
    ret

; -----------------------------------------------------------------------------
; sp_fs_test_aligned_call -- the same call made correctly
;  IN: nothing  OUT: rax = 7  CLOBBERS: nothing else
; -----------------------------------------------------------------------------
sp_fs_test_aligned_call:
    sub rsp, 8                  ; entry's 8 + 8 = 16: aligned at the call
    ACALL do_nothing
    add rsp, 8
    ret
