; =============================================================================
; shim_abi_selftest_fns.asm -- routines that break the SysV ABI on purpose, one
; rule each, so tests/abi/test_abi_selftest.c can show sp_abi_check catches every
; kind of break (a checker that never fails proves nothing).
; Each is a leaf: IN as named, OUT rax as named, CLOBBERS exactly its break.
; =============================================================================
%include "platform.inc"

section .text

; -----------------------------------------------------------------------------
; abi_good_sum -- a well-behaved routine: the sum of all six arguments
;  IN:  rdi, rsi, rdx, rcx, r8, r9
;  OUT: rax = rdi + rsi + rdx + rcx + r8 + r9
;  CLOBBERS: nothing else
; -----------------------------------------------------------------------------
global abi_good_sum
abi_good_sum:
    lea rax, [rdi + rsi]
    add rax, rdx
    add rax, rcx
    add rax, r8
    add rax, r9
    ret

; -----------------------------------------------------------------------------
; abi_entry_rsp_mod16 -- what the caller's alignment looks like from inside
;  IN:  nothing
;  OUT: rax = rsp % 16 on entry (SysV: 8, the return address just pushed)
;  CLOBBERS: nothing else
; -----------------------------------------------------------------------------
global abi_entry_rsp_mod16
abi_entry_rsp_mod16:
    mov rax, rsp
    and eax, 15
    ret

; -----------------------------------------------------------------------------
; abi_bad_<reg> -- overwrite one callee-saved register and return
;  IN:  nothing   OUT: rax = 0   CLOBBERS: <reg> (the break)
; -----------------------------------------------------------------------------
%macro BAD_REG 1
global abi_bad_%1
abi_bad_%1:
    mov %1, 0x1234
    xor eax, eax
    ret
%endmacro
BAD_REG rbx
BAD_REG rbp
BAD_REG r12
BAD_REG r13
BAD_REG r14
BAD_REG r15

; -----------------------------------------------------------------------------
; abi_bad_swap -- exchange two callee-saved registers (both change)
;  IN:  nothing   OUT: rax = 0   CLOBBERS: r12, r13 (swapped)
; -----------------------------------------------------------------------------
global abi_bad_swap
abi_bad_swap:
    xchg r12, r13
    xor eax, eax
    ret

; -----------------------------------------------------------------------------
; abi_bad_df -- return with the direction flag set
;  IN:  nothing   OUT: rax = 0   CLOBBERS: DF (the break)
; -----------------------------------------------------------------------------
global abi_bad_df
abi_bad_df:
    std
    xor eax, eax
    ret

; -----------------------------------------------------------------------------
; abi_bad_rsp -- return with rsp 8 bytes higher than it should be
;  IN:  nothing   OUT: rax = 0   CLOBBERS: rcx; rsp (the break)
; -----------------------------------------------------------------------------
global abi_bad_rsp
abi_bad_rsp:
    pop rcx                     ; the return address
    add rsp, 8                  ; drop one more slot than the call pushed
    xor eax, eax
    jmp rcx

; -----------------------------------------------------------------------------
; abi_bad_mxcsr -- switch SSE rounding to round-toward-zero and leave it so
;  IN:  nothing   OUT: rax = 0   CLOBBERS: MXCSR.RC (the break)
; -----------------------------------------------------------------------------
global abi_bad_mxcsr
abi_bad_mxcsr:
    sub rsp, 8
    stmxcsr [rsp]
    or dword [rsp], 0x6000      ; RC = 11b: toward zero
    ldmxcsr [rsp]
    add rsp, 8
    xor eax, eax
    ret

; -----------------------------------------------------------------------------
; abi_bad_fpucw -- change the x87 precision control and leave it so
;  IN:  nothing   OUT: rax = 0   CLOBBERS: x87 control word (the break)
; -----------------------------------------------------------------------------
global abi_bad_fpucw
abi_bad_fpucw:
    sub rsp, 8
    fnstcw [rsp]
    xor word [rsp], 0x0300      ; flip PC: extended <-> single precision
    fldcw [rsp]
    add rsp, 8
    xor eax, eax
    ret
