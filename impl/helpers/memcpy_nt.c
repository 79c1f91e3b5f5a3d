/*
 * memcpy_nt.c — memcpy with non-temporal (streaming) stores: ordinary loads,
 * movntdq stores, sfence. memcpy/auto's class beyond the cache and
 * syspath-calibrate's candidate; not a table row of its own. Why streaming
 * stores and why the sfence: see memset_nt.c. Below 256 B: the SSE2 copy.
 */
#include "internal.h"

#include <emmintrin.h>

void *sp_memcpy_nt(void *dst, const void *src, size_t n)
{
    if (n < 256)
        return sp_memcpy_sse2(dst, src, n);
    unsigned char *d = dst, *end = d + n;
    const unsigned char *s = src, *se = s + n;
    /* head: the first 64 B with ordinary stores (covers up to the first line boundary) */
    __m128i h0 = _mm_loadu_si128((const __m128i *)s);
    __m128i h1 = _mm_loadu_si128((const __m128i *)(s + 16));
    __m128i h2 = _mm_loadu_si128((const __m128i *)(s + 32));
    __m128i h3 = _mm_loadu_si128((const __m128i *)(s + 48));
    _mm_storeu_si128((__m128i *)d, h0);
    _mm_storeu_si128((__m128i *)(d + 16), h1);
    _mm_storeu_si128((__m128i *)(d + 32), h2);
    _mm_storeu_si128((__m128i *)(d + 48), h3);
    unsigned char *p = (unsigned char *)(((uintptr_t)d + 64) & ~(uintptr_t)63);
    const unsigned char *q = s + (p - d);
    for (; p + 64 <= end; p += 64, q += 64) {
        __m128i a = _mm_loadu_si128((const __m128i *)q);
        __m128i b = _mm_loadu_si128((const __m128i *)(q + 16));
        __m128i e = _mm_loadu_si128((const __m128i *)(q + 32));
        __m128i f = _mm_loadu_si128((const __m128i *)(q + 48));
        _mm_stream_si128((__m128i *)p, a);
        _mm_stream_si128((__m128i *)(p + 16), b);
        _mm_stream_si128((__m128i *)(p + 32), e);
        _mm_stream_si128((__m128i *)(p + 48), f);
    }
    _mm_sfence();
    /* tail: the last 64 B, ordinary stores over the last partial line */
    __m128i t0 = _mm_loadu_si128((const __m128i *)(se - 64));
    __m128i t1 = _mm_loadu_si128((const __m128i *)(se - 48));
    __m128i t2 = _mm_loadu_si128((const __m128i *)(se - 32));
    __m128i t3 = _mm_loadu_si128((const __m128i *)(se - 16));
    _mm_storeu_si128((__m128i *)(end - 64), t0);
    _mm_storeu_si128((__m128i *)(end - 48), t1);
    _mm_storeu_si128((__m128i *)(end - 32), t2);
    _mm_storeu_si128((__m128i *)(end - 16), t3);
    return dst;
}
