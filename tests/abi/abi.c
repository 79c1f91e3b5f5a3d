/*
 * tests/abi/abi.c — the checking half of sp_abi_check (tests/abi/abi.h).
 *
 * tests/abi/abi_harness.asm makes the call and records the registers; this file
 * picks the canaries and turns what came back into a sentence.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "abi.h"

/* Mirrors the FR_* offsets in abi_harness.asm. */
struct sp_abi_frame {
    long canary[6];             /* rbx rbp r12 r13 r14 r15, loaded before the call */
    long after[6];              /* the same registers after it */
    long rsp_at_call;
    long rsp_after;
    long rax;
    long rflags;
    unsigned mxcsr_before, mxcsr_after;
    unsigned short fpucw_before, fpucw_after;
};

_Static_assert(offsetof(struct sp_abi_call, fn) == 0, "CALL_FN in abi_harness.asm");
_Static_assert(offsetof(struct sp_abi_call, args) == 8, "CALL_ARGS in abi_harness.asm");
_Static_assert(offsetof(struct sp_abi_frame, after) == 48, "FR_AFTER");
_Static_assert(offsetof(struct sp_abi_frame, rsp_at_call) == 96, "FR_RSP_AT_CALL");
_Static_assert(offsetof(struct sp_abi_frame, rsp_after) == 104, "FR_RSP_AFTER");
_Static_assert(offsetof(struct sp_abi_frame, rax) == 112, "FR_RAX");
_Static_assert(offsetof(struct sp_abi_frame, rflags) == 120, "FR_RFLAGS");
_Static_assert(offsetof(struct sp_abi_frame, mxcsr_before) == 128, "FR_MXCSR_BEFORE");
_Static_assert(offsetof(struct sp_abi_frame, mxcsr_after) == 132, "FR_MXCSR_AFTER");
_Static_assert(offsetof(struct sp_abi_frame, fpucw_before) == 136, "FR_FPUCW_BEFORE");
_Static_assert(offsetof(struct sp_abi_frame, fpucw_after) == 138, "FR_FPUCW_AFTER");

long sp_abi_invoke(const struct sp_abi_call *c, struct sp_abi_frame *f);

#define RFLAGS_DF (1ul << 10)
/* MXCSR: bits 0-5 are sticky exception status (the callee may set them);
 * the rest (masks, rounding, DAZ, FTZ) is control, callee-saved under SysV. */
#define MXCSR_CONTROL (~0x3fu)
/* x87 control word: all of it is control (precision, rounding, masks). */

/* Append one finding to why ("; "-separated), truncating at its size;
 * *found counts findings, so a truncated why still reports failure. */
__attribute__((format(printf, 3, 4)))
static void say(char *why, int *found, const char *fmt, ...)
{
    enum { CAP = sizeof(((struct sp_abi_call *)0)->why) };
    size_t used = strlen(why);
    va_list ap;

    if ((*found)++ > 0 && used < CAP - 1)
        used += (size_t)snprintf(why + used, CAP - used, "; ");
    if (used >= CAP - 1)
        return;
    va_start(ap, fmt);
    vsnprintf(why + used, CAP - used, fmt, ap);
    va_end(ap);
}

int sp_abi_check(struct sp_abi_call *c)
{
    static const char *const names[6] = { "rbx", "rbp", "r12", "r13", "r14", "r15" };
    static unsigned long calls;
    struct sp_abi_frame f;
    int found = 0;

    /* Fresh canaries per call and per register: a routine cannot pass by
     * restoring a constant, and a swap of two registers shows as two errors. */
    memset(&f, 0, sizeof f);
    calls++;
    for (int i = 0; i < 6; i++)
        f.canary[i] = (long)(0xc0de0000a5a50000ul ^ ((unsigned long)(i + 1) << 56) ^
                             (calls * 0x9e3779b97f4a7c15ul >> 16));

    c->why[0] = '\0';
    c->ret = sp_abi_invoke(c, &f);

    for (int i = 0; i < 6; i++)
        if (f.after[i] != f.canary[i])
            say(c->why, &found, "%s: expected 0x%016lx, got 0x%016lx",
                names[i], (unsigned long)f.canary[i], (unsigned long)f.after[i]);
    if (f.rsp_after != f.rsp_at_call)
        say(c->why, &found, "rsp: expected 0x%lx, got 0x%lx (off by %ld)",
            (unsigned long)f.rsp_at_call, (unsigned long)f.rsp_after,
            f.rsp_after - f.rsp_at_call);
    if ((unsigned long)f.rflags & RFLAGS_DF)
        say(c->why, &found, "DF: set on return (must be clear)");
    if ((f.mxcsr_after & MXCSR_CONTROL) != (f.mxcsr_before & MXCSR_CONTROL))
        say(c->why, &found, "mxcsr: control bits expected 0x%04x, got 0x%04x",
            f.mxcsr_before & MXCSR_CONTROL, f.mxcsr_after & MXCSR_CONTROL);
    if (f.fpucw_after != f.fpucw_before)
        say(c->why, &found, "x87 control word: expected 0x%04x, got 0x%04x",
            f.fpucw_before, f.fpucw_after);
    return found == 0 ? 0 : -1;
}
