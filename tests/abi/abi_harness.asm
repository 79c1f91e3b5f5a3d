; =============================================================================
; abi_harness.asm -- the call half of sp_abi_check (tests/abi/abi.h)
;
; C cannot put chosen values in rbx, rbp, r12-r15 around a call, nor read the
; direction flag or rsp right after it returns, so this one routine does the
; call and records what came back; tests/abi/abi.c compares and explains.
;
; While the callee runs, every callee-saved register holds a canary, so the
; harness keeps its own stack pointer and the frame pointer in statics
; (.bss), not in registers: that is why it is not thread-safe.
; =============================================================================
%include "platform.inc"

; struct sp_abi_call (tests/abi/abi.h); tests/abi/abi.c asserts these offsets.
%define CALL_FN         0
%define CALL_ARGS       8

; struct sp_abi_frame (tests/abi/abi.c); tests/abi/abi.c asserts these offsets.
%define FR_CANARY       0           ; long[6]: rbx rbp r12 r13 r14 r15 to load
%define FR_AFTER        48          ; long[6]: the same registers after the call
%define FR_RSP_AT_CALL  96          ; rsp at the `call` instruction
%define FR_RSP_AFTER    104         ; rsp right after the callee returned
%define FR_RAX          112
%define FR_RFLAGS       120
%define FR_MXCSR_BEFORE 128
%define FR_MXCSR_AFTER  132
%define FR_FPUCW_BEFORE 136
%define FR_FPUCW_AFTER  138

section .bss align=8
own_rsp:    resq 1                  ; the harness's rsp, with its saved registers above
frame:      resq 1                  ; struct sp_abi_frame * of the call in progress

section .text
global sp_abi_invoke

; -----------------------------------------------------------------------------
; sp_abi_invoke -- call c->fn(c->args[0..5]) under canaries, record the aftermath
;  IN:  rdi = const struct sp_abi_call *, rsi = struct sp_abi_frame *
;       (canary[] filled in by the caller)
;  OUT: frame->after[], rsp_at_call, rsp_after, rax, rflags, mxcsr_*, fpucw_*;
;       rax = the callee's rax. DF is clear and MXCSR / the x87 control word
;       are restored to their values before the call, whatever the callee did.
;  CLOBBERS: rcx, rdx, rsi, rdi, r8-r11 and whatever else the callee may
;       legally clobber; rbx, rbp, r12-r15 and rsp are restored from the stack
; -----------------------------------------------------------------------------
sp_abi_invoke:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rel own_rsp], rsp
    mov [rel frame], rsi
    ; SysV: rsp is a multiple of 16 at the call instruction (so the callee
    ; sees rsp % 16 == 8 on entry). Align explicitly rather than count pushes.
    and rsp, -16
    mov [rsi + FR_RSP_AT_CALL], rsp
    stmxcsr [rsi + FR_MXCSR_BEFORE]
    fnstcw [rsi + FR_FPUCW_BEFORE]

    mov rbx, [rsi + FR_CANARY + 0*8]
    mov rbp, [rsi + FR_CANARY + 1*8]
    mov r12, [rsi + FR_CANARY + 2*8]
    mov r13, [rsi + FR_CANARY + 3*8]
    mov r14, [rsi + FR_CANARY + 4*8]
    mov r15, [rsi + FR_CANARY + 5*8]

    mov r11, rdi                    ; r11: scratch for the call struct, then fn
    mov rdi, [r11 + CALL_ARGS + 0*8]
    mov rsi, [r11 + CALL_ARGS + 1*8]
    mov rdx, [r11 + CALL_ARGS + 2*8]
    mov rcx, [r11 + CALL_ARGS + 3*8]
    mov r8,  [r11 + CALL_ARGS + 4*8]
    mov r9,  [r11 + CALL_ARGS + 5*8]
    mov r11, [r11 + CALL_FN]
    xor eax, eax                    ; al = 0 vector args, should fn be variadic
    cld                             ; SysV: DF is clear on function entry
    call r11

    ; Record before touching anything the callee may have left wrong.
    ; r11 is caller-saved, so it is ours to use now.
    mov r11, [rel frame]
    mov [r11 + FR_RSP_AFTER], rsp
    mov [r11 + FR_RAX], rax
    mov [r11 + FR_AFTER + 0*8], rbx
    mov [r11 + FR_AFTER + 1*8], rbp
    mov [r11 + FR_AFTER + 2*8], r12
    mov [r11 + FR_AFTER + 3*8], r13
    mov [r11 + FR_AFTER + 4*8], r14
    mov [r11 + FR_AFTER + 5*8], r15
    ; A callee that returned with rsp off would make pushfq write somewhere
    ; odd: go back to our own stack first (mov does not touch the flags).
    mov rsp, [rel own_rsp]
    pushfq
    pop rcx
    mov [r11 + FR_RFLAGS], rcx
    stmxcsr [r11 + FR_MXCSR_AFTER]
    fnstcw [r11 + FR_FPUCW_AFTER]

    ; Leave the C caller a sane machine even if the callee broke it.
    cld
    ldmxcsr [r11 + FR_MXCSR_BEFORE]
    fldcw [r11 + FR_FPUCW_BEFORE]
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret
