/*
 * memset_auto.c — memset by size class: what a libc does, with every
 * boundary measured on this machine (syspath-calibrate) instead of assumed.
 *
 *   n <= 32          inline: general-purpose or two overlapping xmm stores
 *   n <  rep, nt     the vector loop (AVX2 when the CPU has it, else SSE2)
 *   rep <= n < nt    rep stosb
 *   n >= nt          non-temporal stores + sfence
 * Thresholds: sp_auto_thresholds() (env from `syspath-calibrate --env`, else
 * cache-derived defaults), fetched once; the small class needs none of them,
 * so the sizes where call overhead matters most pay no lookup.
 */
#include "internal.h"

#include <emmintrin.h>

static struct {
    size_t rep, nt;
    sp_memset_fn vec;
    int ready;
} cfg;

static void load_cfg(void)
{
    const struct sp_auto_thresholds *t = sp_auto_thresholds();
    cfg.rep = t->memset_rep;
    cfg.nt = t->memset_nt;
    cfg.vec = sp_cpu_has(SP_CPU_AVX2) ? sp_memset_avx2 : sp_memset_sse2;
    __atomic_store_n(&cfg.ready, 1, __ATOMIC_RELEASE);
}

void *sp_memset_auto(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    if (n < 16) {
        sp_store_small(d, (uint64_t)(unsigned char)c * 0x0101010101010101ull, n);
        return dst;
    }
    if (n <= 32) {
        __m128i x = _mm_set1_epi8((char)c);
        _mm_storeu_si128((__m128i *)d, x);
        _mm_storeu_si128((__m128i *)(d + n - 16), x);
        return dst;
    }
    if (__builtin_expect(!__atomic_load_n(&cfg.ready, __ATOMIC_ACQUIRE), 0))
        load_cfg();
    if (n >= cfg.nt)
        return sp_memset_nt(dst, c, n);
    if (n >= cfg.rep)
        return sp_memset_rep_stosb(dst, c, n);
    return cfg.vec(dst, c, n);
}
