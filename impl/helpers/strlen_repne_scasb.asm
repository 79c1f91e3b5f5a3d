; =============================================================================
; strlen_repne_scasb.asm -- the tutorial's h_strlen, made a complete SysV function
;
; Fixed against the tutorial: it had no `ret`; it pushed rdi and rbx "to keep
; them" though rdi is caller-saved and rbx was only copied into, never needed
; (dropped: no stack use at all, so no alignment question either); its
; `sub rax, 2 / sub rax, rcx` arithmetic was right and is kept, explained.
; repne scasb reads one byte at a time and stops at the terminator, so it can
; never read past the string (no page-crossing over-read).
; =============================================================================
%include "platform.inc"

section .text

global sp_strlen_repne_scasb

; -----------------------------------------------------------------------------
; sp_strlen_repne_scasb -- length of the NUL-terminated string at s (libc strlen)
;  IN:  rdi = s
;  OUT: rax = number of bytes before the first NUL
;  CLOBBERS: rcx, rdi (SysV caller-saved); everything else preserved
;  Relies on DF = 0 at entry, which SysV guarantees at every call, so
;  scasb walks upwards; DF is not touched, so it is still 0 on return.
; -----------------------------------------------------------------------------
sp_strlen_repne_scasb:
    xor eax, eax                ; al = 0: the byte scasb compares against
    mov rcx, -1                 ; "unlimited" count: stop only at the NUL
    repne scasb                 ; rcx is decremented once per byte read, NUL included
    ; rcx = -1 - (len + 1), so len = -2 - rcx (the tutorial's two subtractions)
    sub rax, 2
    sub rax, rcx
    ret
