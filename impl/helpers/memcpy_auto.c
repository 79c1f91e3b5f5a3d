/*
 * memcpy_auto.c — memcpy by size class, boundaries from syspath-calibrate
 * (see memset_auto.c for the scheme):
 *
 *   n <= 32          inline: general-purpose or two overlapping xmm copies
 *   n <  rep, nt     the vector loop (AVX2 when the CPU has it, else SSE2)
 *   rep <= n < nt    rep movsb
 *   n >= nt          ordinary loads, non-temporal stores + sfence
 */
#include "internal.h"

#include <emmintrin.h>

static struct {
    size_t rep, nt;
    sp_memcpy_fn vec;
    int ready;
} cfg;

static void load_cfg(void)
{
    const struct sp_auto_thresholds *t = sp_auto_thresholds();
    cfg.rep = t->memcpy_rep;
    cfg.nt = t->memcpy_nt;
    cfg.vec = sp_cpu_has(SP_CPU_AVX2) ? sp_memcpy_avx2 : sp_memcpy_sse2;
    __atomic_store_n(&cfg.ready, 1, __ATOMIC_RELEASE);
}

void *sp_memcpy_auto(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (n < 16) {
        sp_copy_small(d, s, n);
        return dst;
    }
    if (n <= 32) {
        __m128i a = _mm_loadu_si128((const __m128i *)s);
        __m128i b = _mm_loadu_si128((const __m128i *)(s + n - 16));
        _mm_storeu_si128((__m128i *)d, a);
        _mm_storeu_si128((__m128i *)(d + n - 16), b);
        return dst;
    }
    if (__builtin_expect(!__atomic_load_n(&cfg.ready, __ATOMIC_ACQUIRE), 0))
        load_cfg();
    if (n >= cfg.nt)
        return sp_memcpy_nt(dst, src, n);
    if (n >= cfg.rep)
        return sp_memcpy_rep_movsb(dst, src, n);
    return cfg.vec(dst, src, n);
}
