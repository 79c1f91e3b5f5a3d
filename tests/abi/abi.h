/*
 * tests/abi/abi.h — call any function and check it kept the SysV x86_64 ABI.
 *
 * The NASM in impl/ promises what a C compiler promises: rbx, rbp, r12-r15
 * come back unchanged, rsp comes back where it was, the direction flag is
 * clear on return, and the MXCSR / x87 control bits (rounding, exception
 * masks) are left alone. A routine that breaks one of these works in a
 * small test and corrupts its caller later, far from the cause; this
 * harness makes the break visible at the call.
 *
 *   struct sp_abi_call c = { .fn = sp_asm_close, .args = { -1 } };
 *   if (sp_abi_check(&c) != 0) fail("%s", c.why);
 *   // c.ret is what the routine left in rax
 *
 * The call is made from tests/abi/abi_harness.asm with a fresh set of canaries in
 * rbx, rbp, r12-r15, DF clear and rsp 16-byte aligned at the `call` (so the
 * callee sees rsp % 16 == 8 on entry, as SysV requires). All six argument
 * registers are loaded from args[] (unused ones are harmless), al is 0 (the
 * vector-register count a variadic callee reads).
 *
 * Not thread-safe: the harness keeps its own stack pointer in a static while
 * every callee-saved register holds a canary. Link target: sp_abi_harness.
 */
#ifndef SYSPATH_TESTS_ABI_H
#define SYSPATH_TESTS_ABI_H

#ifdef __cplusplus
extern "C" {
#endif

struct sp_abi_call {
    const void *fn;     /* the routine to call */
    long args[6];       /* rdi, rsi, rdx, rcx, r8, r9 */
    long ret;           /* out: rax after the call */
    char why[200];      /* out: "" when 0 is returned, else what broke, e.g.
                           "rbx: expected 0x..., got 0x..." ("; "-separated) */
};

/* 0 if the callee kept the ABI; -1 otherwise, with c->why saying how. */
int sp_abi_check(struct sp_abi_call *c);

#ifdef __cplusplus
}
#endif
#endif /* SYSPATH_TESTS_ABI_H */
