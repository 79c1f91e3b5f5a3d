/*
 * memcpy_auto.c — memcpy by size class, boundaries from syspath-calibrate;
 * the scheme and the ifunc dispatch are memset_auto.c's:
 *
 *   n <  rep, nt     the vector code (AVX-512 when the CPU has it, else
 *                    AVX2, else SSE2), inlined
 *   rep <= n < nt    rep movsb
 *   n >= nt          ordinary loads, non-temporal stores + sfence
 */
#include "memcpy_sse2.h"

/* n >= this build's lim: set-up on the first call, then rep / nt, or the
 * SSE2 vector code when the AVX2 build had to step aside (masked AVX2). */
void *sp_memcpy_auto_big(void *dst, const void *src, size_t n)
{
    const struct sp_auto_thresholds *t = sp_auto_thresholds();
    if (n >= t->memcpy_nt)
        return sp_memcpy_nt(dst, src, n);
    if (n >= t->memcpy_rep)
        return sp_memcpy_rep_movsb(dst, src, n);
    return sp_memcpy_sse2_body(dst, src, n);
}

static void *auto_sse2(void *dst, const void *src, size_t n)
{
    if (__builtin_expect(n < SP_LIM(cpy_lim_sse2), 1))
        return sp_memcpy_sse2_body(dst, src, n);
    return sp_memcpy_auto_big(dst, src, n);
}

__attribute__((used)) SP_RAW_FN static sp_memcpy_fn resolve_memcpy_auto(void)
{
    unsigned hw = sp_cpu_detect_hw();
    const unsigned avx512 = SP_CPU_AVX512;
    if ((hw & avx512) == avx512)
        return sp_memcpy_auto_avx512;
    return (hw & SP_CPU_AVX2) ? sp_memcpy_auto_avx2 : auto_sse2;
}

void *sp_memcpy_auto(void *dst, const void *src, size_t n) __attribute__((ifunc("resolve_memcpy_auto")));
