/*
 * test_abi_selftest.c — sp_abi_check catches every kind of ABI break it claims
 * to, names the right register, and passes a routine that keeps the rules.
 * The misbehaving routines are in shim_abi_selftest_fns.asm.
 */
#include <stdio.h>
#include <string.h>
#include <xmmintrin.h>

#include "abi.h"
#include "check.h"

long abi_good_sum(long, long, long, long, long, long);
long abi_entry_rsp_mod16(void);
void abi_bad_rbx(void), abi_bad_rbp(void), abi_bad_r12(void), abi_bad_r13(void);
void abi_bad_r14(void), abi_bad_r15(void), abi_bad_swap(void), abi_bad_df(void);
void abi_bad_rsp(void), abi_bad_mxcsr(void), abi_bad_fpucw(void);

/* A break must be reported, and `why` must start with (or contain) `expect`. */
static void expect_break(const char *name, const void *fn, const char *expect)
{
    struct sp_abi_call c = { .fn = fn };
    int rc = sp_abi_check(&c);
    if (rc != -1)
        FAIL("%s: sp_abi_check returned %d, expected -1 (why: '%s')", name, rc, c.why);
    else if (!strstr(c.why, expect))
        FAIL("%s: why is '%s', expected it to mention '%s'", name, c.why, expect);
    else
        printf("ok: %s caught: %s\n", name, c.why);
}

int main(void)
{
    struct sp_abi_call c = { .fn = abi_good_sum, .args = { 1, 20, 300, 4000, 50000, 600000 } };
    int rc = sp_abi_check(&c);
    if (rc != 0 || c.ret != 654321 || c.why[0] != '\0')
        FAIL("good routine: rc %d ret %ld why '%s', expected rc 0 ret 654321 why ''",
             rc, c.ret, c.why);
    else
        printf("ok: well-behaved routine passes, all six arguments arrive\n");

    /* Negative arguments arrive sign-intact (the harness loads full 64-bit registers). */
    struct sp_abi_call neg = { .fn = abi_good_sum, .args = { -1, -2, -3, -4, -5, -6 } };
    if (sp_abi_check(&neg) != 0 || neg.ret != -21)
        FAIL("negative arguments: ret %ld, expected -21 (why '%s')", neg.ret, neg.why);

    struct sp_abi_call al = { .fn = abi_entry_rsp_mod16 };
    if (sp_abi_check(&al) != 0 || al.ret != 8)
        FAIL("callee saw rsp %% 16 == %ld on entry, expected 8 (SysV)", al.ret);
    else
        printf("ok: callee sees rsp %% 16 == 8 on entry\n");

    expect_break("abi_bad_rbx", abi_bad_rbx, "rbx: expected 0x");
    expect_break("abi_bad_rbp", abi_bad_rbp, "rbp: expected 0x");
    expect_break("abi_bad_r12", abi_bad_r12, "r12: expected 0x");
    expect_break("abi_bad_r13", abi_bad_r13, "r13: expected 0x");
    expect_break("abi_bad_r14", abi_bad_r14, "r14: expected 0x");
    expect_break("abi_bad_r15", abi_bad_r15, "r15: expected 0x");
    expect_break("abi_bad_rbx (value)", abi_bad_rbx, "got 0x0000000000001234");
    expect_break("abi_bad_swap (r12)", abi_bad_swap, "r12: expected");
    expect_break("abi_bad_swap (r13)", abi_bad_swap, "r13: expected");
    expect_break("abi_bad_df", abi_bad_df, "DF: set on return");
    expect_break("abi_bad_rsp", abi_bad_rsp, "rsp: expected");
    expect_break("abi_bad_rsp (offset)", abi_bad_rsp, "off by 8");

    unsigned mxcsr = _mm_getcsr();
    expect_break("abi_bad_mxcsr", abi_bad_mxcsr, "mxcsr: control bits");
    if ((_mm_getcsr() & ~0x3fu) != (mxcsr & ~0x3fu))
        FAIL("harness left MXCSR control 0x%x, expected it restored to 0x%x",
             _mm_getcsr() & ~0x3fu, mxcsr & ~0x3fu);
    expect_break("abi_bad_fpucw", abi_bad_fpucw, "x87 control word");

    /* After all that, a good call still passes: the harness restored itself. */
    struct sp_abi_call again = { .fn = abi_good_sum, .args = { 1, 1, 1, 1, 1, 1 } };
    if (sp_abi_check(&again) != 0 || again.ret != 6)
        FAIL("good routine after the bad ones: rc != 0 or ret %ld != 6 (why '%s')",
             again.ret, again.why);

    if (failures)
        printf("%d failure(s)\n", failures);
    else
        printf("all ABI breaks caught\n");
    return failures ? 1 : 0;
}
