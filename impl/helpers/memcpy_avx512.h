/*
 * memcpy_avx512.h — memcpy with 64-byte AVX-512 loads/stores. Only for files
 * built with -mavx512f -mavx512bw -mavx512vl -mbmi2, and run only when
 * sp_cpu_has(SP_CPU_AVX512).
 *
 * The shape of glibc's __memmove_avx512_unaligned_erms, which is what glibc
 * picks where 512-bit loads and stores do not lower the clock (its
 * cpu_features.c: CPUs with AVX-VNNI, such as Sapphire Rapids). Each store
 * moves a whole 64-B line, twice the bytes of an AVX2 store, so where
 * stores are the limit it outruns the 32-byte AVX2 copy (compare the avx512
 * and avx2 memcpy rows of microbench.json):
 *   33..64      two overlapping 32-B moves in ymm16-31 (no mask
 *               register, no vzeroupper)
 *   n <= 32     ONE byte-masked load and store (k = bzhi(~0, n)), as in
 *               memset_avx512.h; when src or dst lies in the last 64 B of
 *               a page, the overlapping general-purpose / xmm / ymm copy
 *               instead, so a masked-off byte never needs fault
 *               suppression (a slow microcode assist) on a page the call
 *               does not touch
 *   65..128     two overlapping vectors; 128..256 four; 256..512 eight
 *               (every load before any store, no loop)
 *   beyond      the first vector and the last four loaded first, the body
 *               copied 4 x 64 B per turn with dst 64-B aligned (unaligned
 *               loads; an aligned store never splits a cache line), then
 *               head and tail stored over the body's ragged edges.
 * Vectors live in zmm16-31 where the compiler honours the hint (see
 * memset_avx512.h: then no vzeroupper is needed on return).
 *
 * The plain shape (sp_memcpy_avx512_shaped, plain = 1: memcpy/auto's build
 * for CPUs whose masked stores are slow, memcpy_auto_avx512_plain.c) keeps
 * the classes and changes three:
 *   n <= 32     the overlapping moves (general-purpose below 16 B, then two
 *               xmm), no mask
 *   65..128     four overlapping 32-B moves (ymm16-19), not two 64-B ones
 *   257..512    memcpy_avx2.h's copy: 32-B moves, the body's stores
 *               aligned
 *               With buffers beyond L1 at random offsets (the mix rows) the
 *               32-B moves outran the 64-B ones in the last two classes on
 *               Zen 5, over sizes drawn at random within each as well as
 *               at 304 B alone, which a third of google_a's calls copy
 *               (compare the avx2 and avx512 rows of
 *               memcpy/<variant>/mix/google_a). In L1 with dst aligned (the
 *               sized rows) the 64-B moves win at 256 B, so 129..256 keeps
 *               them; no sized row falls in either changed class.
 *
 * A static inline body, so memcpy/auto can inline it behind one threshold
 * compare; memcpy_avx512.c wraps it as a function.
 */
#ifndef SYSPATH_HELPERS_MEMCPY_AVX512_H
#define SYSPATH_HELPERS_MEMCPY_AVX512_H

#include "internal.h"
#include "memcpy_avx2.h"
#include <immintrin.h>

/* a vector held in zmm16-31 (see above): declared in that register, and
 * the empty asm makes the compiler keep it there */
#define SP_PIN(var, reg, init) \
    register __m512i var __asm__(reg) = (init); \
    __asm__("" : "+v"(var))
#define SP_PIN256(var, reg, init) \
    register __m256i var __asm__(reg) = (init); \
    __asm__("" : "+v"(var))
#define SP_LD(p) _mm512_loadu_si512((const void *)(p))
#define SP_ST(p, v) _mm512_storeu_si512((void *)(p), (v))

/* 0 <= n <= 64 near a page end: the overlapping classes of memcpy_avx2.h */
__attribute__((noinline)) static void *sp_memcpy_avx512_small_edge(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (n < 16) {
        sp_copy_small(d, s, n);
    } else if (n <= 32) {
        __m128i a = _mm_loadu_si128((const __m128i *)s);
        __m128i b = _mm_loadu_si128((const __m128i *)(s + n - 16));
        _mm_storeu_si128((__m128i *)d, a);
        _mm_storeu_si128((__m128i *)(d + n - 16), b);
    } else if (n <= 64) {
        __m256i a = _mm256_loadu_si256((const __m256i *)s);
        __m256i b = _mm256_loadu_si256((const __m256i *)(s + n - 32));
        _mm256_storeu_si256((__m256i *)d, a);
        _mm256_storeu_si256((__m256i *)(d + n - 32), b);
    }
    return dst;
}

/* plain: a constant at every call (0 the masked shape, 1 the plain one) */
static inline __attribute__((always_inline)) void *
sp_memcpy_avx512_shaped(void *dst, const void *src, size_t n, const int plain)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (plain && n <= 32) {
        if (n < 16) {
            sp_copy_small(d, s, n);
            return dst;
        }
        /* in xmm16-17, so no vzeroupper is owed */
        register __m128i a __asm__("xmm16") = _mm_loadu_si128((const __m128i *)s);
        register __m128i b __asm__("xmm17") = _mm_loadu_si128((const __m128i *)(s + n - 16));
        __asm__("" : "+v"(a), "+v"(b));
        _mm_storeu_si128((__m128i *)d, a);
        _mm_storeu_si128((__m128i *)(d + n - 16), b);
        return dst;
    }
    if (n <= 64) {
        /* 33..64: two overlapping 32-B moves, both inside the buffers, so
         * no bzhi/kmov and no page-end test: fewer instructions on the way
         * to the same bytes than the masked move (1..32 B keep theirs). In
         * ymm16-31 (EVEX, which AVX512VL allows) the moves leave no upper
         * state dirty, so no vzeroupper on the way out, as glibc's EVEX
         * copy; in ymm0-15 they needed one. Two ymm moves rather than four
         * xmm: half the loads and stores for the same bytes. */
        if (n > 32) {
            SP_PIN256(a, "xmm16", _mm256_loadu_si256((const __m256i *)s));
            SP_PIN256(b, "xmm17", _mm256_loadu_si256((const __m256i *)(s + n - 32)));
            _mm256_storeu_si256((__m256i *)d, a);
            _mm256_storeu_si256((__m256i *)(d + n - 32), b);
            return dst;
        }
        /* both offsets within a page at most 4096 - 64: the 64-B windows at
         * s and d stay in their pages */
        if (__builtin_expect(((uintptr_t)s & 4095) <= 4096 - 64
                             && ((uintptr_t)d & 4095) <= 4096 - 64, 1)) {
            __mmask64 k = _bzhi_u64(~0ull, (unsigned)n);
            SP_PIN(x, "xmm16", _mm512_maskz_loadu_epi8(k, s));
            _mm512_mask_storeu_epi8(d, k, x);
            return dst;
        }
        return sp_memcpy_avx512_small_edge(dst, src, n);
    }
    unsigned char *end = d + n;
    const unsigned char *se = s + n;
    if (plain && n <= 128) {
        SP_PIN256(a, "xmm16", _mm256_loadu_si256((const __m256i *)s));
        SP_PIN256(b, "xmm17", _mm256_loadu_si256((const __m256i *)(s + 32)));
        SP_PIN256(y, "xmm18", _mm256_loadu_si256((const __m256i *)(se - 64)));
        SP_PIN256(z, "xmm19", _mm256_loadu_si256((const __m256i *)(se - 32)));
        _mm256_storeu_si256((__m256i *)d, a);
        _mm256_storeu_si256((__m256i *)(d + 32), b);
        _mm256_storeu_si256((__m256i *)(end - 64), y);
        _mm256_storeu_si256((__m256i *)(end - 32), z);
        return dst;
    }
    if (__builtin_expect(n <= 128, 1)) {
        SP_PIN(a, "xmm16", SP_LD(s));
        SP_PIN(z, "xmm17", SP_LD(se - 64));
        SP_ST(d, a);
        SP_ST(end - 64, z);
        return dst;
    }
    if (n <= 256) {
        SP_PIN(a, "xmm16", SP_LD(s));
        SP_PIN(b, "xmm17", SP_LD(s + 64));
        SP_PIN(y, "xmm18", SP_LD(se - 128));
        SP_PIN(z, "xmm19", SP_LD(se - 64));
        SP_ST(d, a);
        SP_ST(d + 64, b);
        SP_ST(end - 128, y);
        SP_ST(end - 64, z);
        return dst;
    }
    if (n <= 512) {
        if (plain)
            return sp_memcpy_avx2_body(dst, src, n);
        SP_PIN(a, "xmm16", SP_LD(s));
        SP_PIN(b, "xmm17", SP_LD(s + 64));
        SP_PIN(c, "xmm18", SP_LD(s + 128));
        SP_PIN(e, "xmm19", SP_LD(s + 192));
        SP_PIN(w, "xmm20", SP_LD(se - 256));
        SP_PIN(x, "xmm21", SP_LD(se - 192));
        SP_PIN(y, "xmm22", SP_LD(se - 128));
        SP_PIN(z, "xmm23", SP_LD(se - 64));
        SP_ST(d, a);
        SP_ST(d + 64, b);
        SP_ST(d + 128, c);
        SP_ST(d + 192, e);
        SP_ST(end - 256, w);
        SP_ST(end - 192, x);
        SP_ST(end - 128, y);
        SP_ST(end - 64, z);
        return dst;
    }
    SP_PIN(head, "xmm16", SP_LD(s));
    SP_PIN(t0, "xmm17", SP_LD(se - 256));
    SP_PIN(t1, "xmm18", SP_LD(se - 192));
    SP_PIN(t2, "xmm19", SP_LD(se - 128));
    SP_PIN(t3, "xmm20", SP_LD(se - 64));
    unsigned char *p = (unsigned char *)(((uintptr_t)d + 64) & ~(uintptr_t)63);
    const unsigned char *q = s + (p - d);
    unsigned char *last = end - 256;
    for (; p < last; p += 256, q += 256) {
        SP_PIN(a, "xmm21", SP_LD(q));
        SP_PIN(b, "xmm22", SP_LD(q + 64));
        SP_PIN(c, "xmm23", SP_LD(q + 128));
        SP_PIN(e, "xmm24", SP_LD(q + 192));
        _mm512_store_si512(p, a);
        _mm512_store_si512(p + 64, b);
        _mm512_store_si512(p + 128, c);
        _mm512_store_si512(p + 192, e);
    }
    SP_ST(d, head);
    SP_ST(last, t0);
    SP_ST(last + 64, t1);
    SP_ST(last + 128, t2);
    SP_ST(last + 192, t3);
    return dst;
}

static inline void *sp_memcpy_avx512_body(void *dst, const void *src, size_t n)
{
    return sp_memcpy_avx512_shaped(dst, src, n, 0);
}

#undef SP_PIN
#undef SP_PIN256
#undef SP_LD
#undef SP_ST

#endif /* SYSPATH_HELPERS_MEMCPY_AVX512_H */
