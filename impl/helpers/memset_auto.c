/*
 * memset_auto.c — memset by size class: what a libc does, with every
 * boundary measured on this machine (syspath-calibrate) instead of assumed.
 *
 *   from 1 MiB       rep stosb, or the class below (nt or the vector loop)
 *                    where this process has lately timed it faster by more
 *                    than 1/16 (memset_adapt.c; not in the SSE2-only build)
 *   nt window        non-temporal stores + sfence
 *   rep windows      rep stosb (where not nt)
 *   any other n      the vector code (AVX-512 when the CPU has it, else
 *                    AVX2, else SSE2), inlined: small sizes are one masked
 *                    store (AVX-512) or overlapping stores, no loop
 * Thresholds: sp_auto_thresholds() (env from `syspath-calibrate --env`, else
 * built-in defaults, see thresholds.c), read at the first call.
 *
 * Dispatch is glibc's: an ifunc resolver picks the AVX-512 (+ BMI2, for
 * bzhi), AVX2 or SSE2 build once, at load time, so `sp_memset_auto` (and
 * the table row) is that build itself. A first version that jumped through
 * a function pointer paid an indirect call on every call, a large share of
 * a small memset that glibc's ifunc does not pay. The scheme, and how
 * SYSPATH_CPU_MASK still takes effect: internal.h, struct sp_auto_cfg.
 */
#include "memset_sse2.h"

/* memset/auto's class for n (helpers.h): nt's window first, then rep's two */
enum sp_auto_path sp_memset_auto_path(size_t n)
{
    const struct sp_auto_thresholds *t = sp_auto_thresholds();
    if (sp_in_window(n, t->memset_nt, t->memset_nt_end))
        return SP_AUTO_NT;
    if (sp_in_window(n, t->memset_rep, t->memset_rep_end) ||
        sp_in_window(n, t->memset_rep2, t->memset_rep2_end))
        return SP_AUTO_REP;
    return SP_AUTO_VECTOR;
}

/* n >= this build's lim: set-up on the first call, then rep / nt, or the
 * SSE2 vector code when the AVX2 build had to step aside (masked AVX2). */
void *sp_memset_auto_big(void *dst, int c, size_t n)
{
    switch (sp_memset_auto_path(n)) {
    case SP_AUTO_NT:
        return sp_memset_nt(dst, c, n);
    case SP_AUTO_REP:
        return sp_memset_rep_stosb(dst, c, n);
    default:
        return sp_memset_sse2_body(dst, c, n);
    }
}

static void *auto_sse2(void *dst, int c, size_t n)
{
    if (__builtin_expect(n < SP_LIM(set_lim_sse2), 1))
        return sp_memset_sse2_body(dst, c, n);
    return sp_memset_auto_big(dst, c, n);     /* its vector code is this build's */
}

__attribute__((used)) SP_RAW_FN static sp_memset_fn resolve_memset_auto(void)
{
    unsigned hw = sp_cpu_detect_hw();
    const unsigned avx512 = SP_CPU_AVX512;
    if ((hw & avx512) == avx512)
        return sp_memset_auto_avx512;
    return (hw & SP_CPU_AVX2) ? sp_memset_auto_avx2 : auto_sse2;
}

void *sp_memset_auto(void *dst, int c, size_t n) __attribute__((ifunc("resolve_memset_auto")));
