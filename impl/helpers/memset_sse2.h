/*
 * memset_sse2.h — memset with 16-byte SSE2 stores (baseline x86-64).
 *
 * Size classes: < 16 B general-purpose stores; 16..64 B two or four
 * overlapping unaligned vectors (no loop, no per-byte tail); beyond, one
 * unaligned head vector, an aligned loop of 4 x 16 B, and the last 64 B as four
 * unaligned vectors that may overlap the loop's last stores.
 *
 * A static inline body, so memset/auto can inline it behind one
 * threshold compare; memset_sse2.c wraps it as a function.
 */
#ifndef SYSPATH_HELPERS_MEMSET_SSE2_H
#define SYSPATH_HELPERS_MEMSET_SSE2_H

#include "internal.h"
#include <emmintrin.h>

static inline void *sp_memset_sse2_body(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    if (n < 16) {
        sp_store_small(d, (uint64_t)(unsigned char)c * 0x0101010101010101ull, n);
        return dst;
    }
    __m128i v = _mm_set1_epi8((char)c);
    if (n <= 32) {
        _mm_storeu_si128((__m128i *)d, v);
        _mm_storeu_si128((__m128i *)(d + n - 16), v);
        return dst;
    }
    unsigned char *end = d + n;
    if (n <= 64) {
        _mm_storeu_si128((__m128i *)d, v);
        _mm_storeu_si128((__m128i *)(d + 16), v);
        _mm_storeu_si128((__m128i *)(end - 32), v);
        _mm_storeu_si128((__m128i *)(end - 16), v);
        return dst;
    }
    _mm_storeu_si128((__m128i *)d, v);
    unsigned char *p = (unsigned char *)(((uintptr_t)d + 16) & ~(uintptr_t)15);
    for (; p + 64 <= end; p += 64) {
        _mm_store_si128((__m128i *)p, v);
        _mm_store_si128((__m128i *)(p + 16), v);
        _mm_store_si128((__m128i *)(p + 32), v);
        _mm_store_si128((__m128i *)(p + 48), v);
    }
    _mm_storeu_si128((__m128i *)(end - 64), v);
    _mm_storeu_si128((__m128i *)(end - 48), v);
    _mm_storeu_si128((__m128i *)(end - 32), v);
    _mm_storeu_si128((__m128i *)(end - 16), v);
    return dst;
}

#endif /* SYSPATH_HELPERS_MEMSET_SSE2_H */
