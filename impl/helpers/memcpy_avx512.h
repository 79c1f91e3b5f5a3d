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
 *   n < 64      ONE byte-masked load and store (k = bzhi(~0, n)), as
 *               memset_avx512.h stores below 64 B: no size test inside the
 *               class. Sizes drawn at random (the mix rows) mispredict
 *               every test they straddle, and a ladder of them (32, 16, 8,
 *               4, 2, 1) cost more than the masked move's microcode: on the
 *               Zen 5 guest the masked class took google_b's calls in about
 *               0.6x the time of sp_copy_upto64's three tests, and 0.5x
 *               glibc's ladder; at one size, over and over (the sized
 *               rows), it is within a cycle of both. 64 B itself goes
 *               with the next class, two plain moves: masked it was 0.89x
 *               glibc's speed there, and no more sizes straddle 63|64 than
 *               64|65. When src or dst lies in the last 64 B of a page,
 *               internal.h's sp_copy_upto64 instead, so a masked-off byte
 *               never needs fault suppression (a slow microcode assist) on
 *               a page the call does not touch
 *   64..128     two overlapping vectors; 128..256 four; 256..512 eight
 *               (every load before any store, no loop)
 *   beyond      the first vector and the last four loaded first, the body
 *               copied 4 x 64 B per turn with dst 64-B aligned (unaligned
 *               loads; an aligned store never splits a cache line), then
 *               head and tail stored over the body's ragged edges.
 * Vectors live in zmm16-31 where the compiler honours the hint (see
 * memset_avx512.h: then no vzeroupper is needed on return).
 *
 * Until the mix rows drew 32768 calls (a draw the branch predictor cannot
 * learn; 1024 before, which it did), AMD's Zen 5 had a build of its own with
 * 32-B moves at 0..32, 65..128 and 257..512 B (masked stores are slower
 * than plain ones there, AMD's optimisation guide says). On a stream of
 * random sizes the masked class and the 64-B moves won on Zen 5 as well
 * (google_a: 0.65x glibc's time against 0.72x), so one shape serves every
 * CPU with AVX-512.
 *
 * A static inline body, so memcpy/auto can inline it behind one threshold
 * compare; memcpy_avx512.c wraps it as a function.
 */
#ifndef SYSPATH_HELPERS_MEMCPY_AVX512_H
#define SYSPATH_HELPERS_MEMCPY_AVX512_H

#include "internal.h"
#include <immintrin.h>

/* a vector held in zmm16-31 (see above): declared in that register, and
 * the empty asm makes the compiler keep it there */
#define SP_PIN(var, reg, init) \
    register __m512i var __asm__(reg) = (init); \
    __asm__("" : "+v"(var))
#define SP_LD(p) _mm512_loadu_si512((const void *)(p))
#define SP_ST(p, v) _mm512_storeu_si512((void *)(p), (v))

/* 0 <= n < 64 near a page end: internal.h's moves, which stay inside the
 * buffers */
__attribute__((noinline)) static void *sp_memcpy_avx512_small_edge(void *dst, const void *src, size_t n)
{
    sp_copy_upto64(dst, src, n);
    return dst;
}

static inline void *sp_memcpy_avx512_body(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (n < 64) {
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

#undef SP_PIN
#undef SP_LD
#undef SP_ST

#endif /* SYSPATH_HELPERS_MEMCPY_AVX512_H */
