/*
 * memset_avx2.h — memset with 32-byte AVX2 stores. Only for files built
 * with -mavx2, and run only when sp_cpu_has(SP_CPU_AVX2).
 *
 * Small sizes: overlapping head/tail stores, no loop (< 16 B general-purpose,
 * 16..32 two xmm, 32..64 two ymm, 64..128 four ymm). Beyond: two unaligned
 * head vectors, a loop of 4 x 32 B from dst's next 64-B line, and the last
 * 128 B as four unaligned vectors overlapping the loop's end. The compiler adds vzeroupper
 * on return (no AVX-SSE transition penalty for the caller).
 *
 * A static inline body, so memset/auto can inline it behind one
 * threshold compare; memset_avx2.c wraps it as a function.
 */
#ifndef SYSPATH_HELPERS_MEMSET_AVX2_H
#define SYSPATH_HELPERS_MEMSET_AVX2_H

#include "internal.h"
#include <immintrin.h>

static inline void *sp_memset_avx2_body(void *dst, int c, size_t n)
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
    __m256i v = _mm256_set1_epi8((char)c);
    unsigned char *end = d + n;
    if (n <= 64) {
        _mm256_storeu_si256((__m256i *)d, v);
        _mm256_storeu_si256((__m256i *)(end - 32), v);
        return dst;
    }
    if (n <= 128) {
        _mm256_storeu_si256((__m256i *)d, v);
        _mm256_storeu_si256((__m256i *)(d + 32), v);
        _mm256_storeu_si256((__m256i *)(end - 64), v);
        _mm256_storeu_si256((__m256i *)(end - 32), v);
        return dst;
    }
    /* the loop's stores go in pairs to one 64-B line (as glibc aligns its
     * loop to two vectors): 32-B alignment left every other pair split
     * across two lines, and a store split across two lines takes two
     * cache accesses */
    _mm256_storeu_si256((__m256i *)d, v);
    _mm256_storeu_si256((__m256i *)(d + 32), v);
    unsigned char *p = (unsigned char *)(((uintptr_t)d + 64) & ~(uintptr_t)63);
    for (; p + 128 <= end; p += 128) {
        _mm256_store_si256((__m256i *)p, v);
        _mm256_store_si256((__m256i *)(p + 32), v);
        _mm256_store_si256((__m256i *)(p + 64), v);
        _mm256_store_si256((__m256i *)(p + 96), v);
    }
    _mm256_storeu_si256((__m256i *)(end - 128), v);
    _mm256_storeu_si256((__m256i *)(end - 96), v);
    _mm256_storeu_si256((__m256i *)(end - 64), v);
    _mm256_storeu_si256((__m256i *)(end - 32), v);
    return dst;
}

#endif /* SYSPATH_HELPERS_MEMSET_AVX2_H */
