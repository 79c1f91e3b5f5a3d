; =============================================================================
; memset_rep_stosb.asm -- the tutorial's h_memset, made a complete SysV function
;
; The tutorial's body was `mov rax, rsi / mov rcx, rdx / rep stosb` with no
; `ret` and no return value. memset must return dst, and rep stosb advances
; rdi, so dst is kept in r8 first.
; =============================================================================
%include "platform.inc"

section .text

global sp_memset_rep_stosb

; -----------------------------------------------------------------------------
; sp_memset_rep_stosb -- fill n bytes at dst with the byte c (libc memset)
;  IN:  rdi = dst, esi = c (only the low byte is stored), rdx = n
;  OUT: rax = dst
;  CLOBBERS: rcx, rdi, r8 (SysV caller-saved); everything else preserved
;  Relies on DF = 0 at entry, which SysV guarantees at every call, so
;  rep stosb walks upwards; DF is not touched, so it is still 0 on return.
; -----------------------------------------------------------------------------
sp_memset_rep_stosb:
    mov r8, rdi                 ; rep stosb leaves rdi at dst + n: keep dst to return
    mov eax, esi                ; stosb stores al
    mov rcx, rdx                ; count; n = 0 stores nothing
    rep stosb
    mov rax, r8
    ret
