/*
 * memcpy_sse2.h — memcpy with 16-byte SSE2 loads/stores. Not a table row of
 * its own (the memcpy rows are rep_movsb, loop, avx2, auto, libc): it is memcpy/auto's
 * vector class on a CPU without AVX2, and syspath-calibrate's baseline there.
 *
 * 0..64 B internal.h's sp_copy_upto64 (four overlapping moves, three size
 * tests); beyond: the head vector and the last 64 B are loaded
 * first, the body is copied with the destination aligned (4 x 16 B per turn,
 * unaligned loads), then head and tail are stored over the body's ragged edges.
 *
 * A static inline body, so memcpy/auto can inline it behind one
 * threshold compare; memcpy_sse2.c wraps it as a function.
 */
#ifndef SYSPATH_HELPERS_MEMCPY_SSE2_H
#define SYSPATH_HELPERS_MEMCPY_SSE2_H

#include "internal.h"
#include <emmintrin.h>

static inline void *sp_memcpy_sse2_body(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (n <= 64) {
        sp_copy_upto64(d, s, n);
        return dst;
    }
    const unsigned char *se = s + n;
    unsigned char *end = d + n;
    __m128i head = _mm_loadu_si128((const __m128i *)s);
    __m128i t0 = _mm_loadu_si128((const __m128i *)(se - 64));
    __m128i t1 = _mm_loadu_si128((const __m128i *)(se - 48));
    __m128i t2 = _mm_loadu_si128((const __m128i *)(se - 32));
    __m128i t3 = _mm_loadu_si128((const __m128i *)(se - 16));
    unsigned char *p = (unsigned char *)(((uintptr_t)d + 16) & ~(uintptr_t)15);
    const unsigned char *q = s + (p - d);
    for (; p + 64 <= end; p += 64, q += 64) {
        __m128i a = _mm_loadu_si128((const __m128i *)q);
        __m128i b = _mm_loadu_si128((const __m128i *)(q + 16));
        __m128i e = _mm_loadu_si128((const __m128i *)(q + 32));
        __m128i f = _mm_loadu_si128((const __m128i *)(q + 48));
        _mm_store_si128((__m128i *)p, a);
        _mm_store_si128((__m128i *)(p + 16), b);
        _mm_store_si128((__m128i *)(p + 32), e);
        _mm_store_si128((__m128i *)(p + 48), f);
    }
    _mm_storeu_si128((__m128i *)d, head);
    _mm_storeu_si128((__m128i *)(end - 64), t0);
    _mm_storeu_si128((__m128i *)(end - 48), t1);
    _mm_storeu_si128((__m128i *)(end - 32), t2);
    _mm_storeu_si128((__m128i *)(end - 16), t3);
    return dst;
}

#endif /* SYSPATH_HELPERS_MEMCPY_SSE2_H */
