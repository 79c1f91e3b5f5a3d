; =============================================================================
; shim_htons.asm -- call a uint16_t function and see ALL of rax
;
; C may not look at bits 16..63 of a uint16_t result (the ABI leaves them
; undefined), so a C caller cannot check that the NASM htons variants zero
; them as they promise. This shim jumps to the function with a full 64-bit
; argument and returns to the C caller, which declared the shim as returning
; unsigned long, so it sees the whole register.
; =============================================================================
%include "platform.inc"

section .text

global sp_test_call_u16_raw

; -----------------------------------------------------------------------------
; sp_test_call_u16_raw -- tail-call fn(arg) and leave its whole rax
;  IN:  rdi = fn, rsi = arg (all 64 bits passed on in rdi, junk included)
;  OUT: rax = whatever fn left in rax
;  CLOBBERS: whatever fn clobbers (a SysV function: caller-saved only), rdi
;  The `jmp` keeps rsp as the caller left it (rsp % 16 == 8 at fn's entry,
;  as after a call), so fn sees a correctly aligned stack and returns
;  straight to our caller.
; -----------------------------------------------------------------------------
sp_test_call_u16_raw:
    mov rax, rdi
    mov rdi, rsi
    jmp rax
