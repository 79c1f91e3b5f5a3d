; =============================================================================
; memcpy_rep_movsb.asm -- memcpy as one `rep movsb`
;
; The copy twin of the tutorial's rep stosb memset. On CPUs with ERMS/FSRM the
; microcode picks wide moves itself; without them it is a slow byte loop.
; syspath-calibrate measures from which size it beats the vector loop.
; =============================================================================
%include "platform.inc"

section .text

global sp_memcpy_rep_movsb

; -----------------------------------------------------------------------------
; sp_memcpy_rep_movsb -- copy n bytes from src to dst (libc memcpy; the
;                        buffers must not overlap)
;  IN:  rdi = dst, rsi = src, rdx = n
;  OUT: rax = dst
;  CLOBBERS: rcx, rdi, rsi (SysV caller-saved); everything else preserved
;  Relies on DF = 0 at entry, which SysV guarantees at every call, so
;  rep movsb copies upwards; DF is not touched, so it is still 0 on return.
; -----------------------------------------------------------------------------
sp_memcpy_rep_movsb:
    mov rax, rdi                ; rep movsb advances rdi: return the original
    mov rcx, rdx
    rep movsb
    ret
