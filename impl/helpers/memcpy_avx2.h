/*
 * memcpy_avx2.h — memcpy with 32-byte AVX2 loads/stores. Only for files built
 * with -mavx2, and run only when sp_cpu_has(SP_CPU_AVX2).
 *
 * Up to 64 B internal.h's sp_copy_upto64 (16-B moves and smaller, three
 * size tests: random sizes mispredict each test they straddle), 65..128 B
 * four overlapping 32-B vectors (every load before any store), and beyond
 * 128 B the first 64 B and the
 * last 128 B loaded first, the body copied with the destination 64-byte
 * aligned (4 x 32 B per turn, unaligned loads), head and tail stored last.
 *
 * A static inline body, so memcpy/auto can inline it behind one
 * threshold compare; memcpy_avx2.c wraps it as a function.
 */
#ifndef SYSPATH_HELPERS_MEMCPY_AVX2_H
#define SYSPATH_HELPERS_MEMCPY_AVX2_H

#include "internal.h"
#include <immintrin.h>

static inline void *sp_memcpy_avx2_body(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (n <= 64) {
        sp_copy_upto64(d, s, n);
        return dst;
    }
    if (n <= 128) {
        __m256i a = _mm256_loadu_si256((const __m256i *)s);
        __m256i b = _mm256_loadu_si256((const __m256i *)(s + 32));
        __m256i y = _mm256_loadu_si256((const __m256i *)(s + n - 64));
        __m256i z = _mm256_loadu_si256((const __m256i *)(s + n - 32));
        _mm256_storeu_si256((__m256i *)d, a);
        _mm256_storeu_si256((__m256i *)(d + 32), b);
        _mm256_storeu_si256((__m256i *)(d + n - 64), y);
        _mm256_storeu_si256((__m256i *)(d + n - 32), z);
        return dst;
    }
    const unsigned char *se = s + n;
    unsigned char *end = d + n;
    __m256i head = _mm256_loadu_si256((const __m256i *)s);
    __m256i head1 = _mm256_loadu_si256((const __m256i *)(s + 32));
    __m256i t0 = _mm256_loadu_si256((const __m256i *)(se - 128));
    __m256i t1 = _mm256_loadu_si256((const __m256i *)(se - 96));
    __m256i t2 = _mm256_loadu_si256((const __m256i *)(se - 64));
    __m256i t3 = _mm256_loadu_si256((const __m256i *)(se - 32));
    /* from dst's next 64-B line, so the loop's stores go in pairs to one
     * line (glibc aligns its loop to two vectors the same way) */
    unsigned char *p = (unsigned char *)(((uintptr_t)d + 64) & ~(uintptr_t)63);
    const unsigned char *q = s + (p - d);
    for (; p + 128 <= end; p += 128, q += 128) {
        __m256i a = _mm256_loadu_si256((const __m256i *)q);
        __m256i b = _mm256_loadu_si256((const __m256i *)(q + 32));
        __m256i e = _mm256_loadu_si256((const __m256i *)(q + 64));
        __m256i f = _mm256_loadu_si256((const __m256i *)(q + 96));
        _mm256_store_si256((__m256i *)p, a);
        _mm256_store_si256((__m256i *)(p + 32), b);
        _mm256_store_si256((__m256i *)(p + 64), e);
        _mm256_store_si256((__m256i *)(p + 96), f);
    }
    _mm256_storeu_si256((__m256i *)d, head);
    _mm256_storeu_si256((__m256i *)(d + 32), head1);
    _mm256_storeu_si256((__m256i *)(end - 128), t0);
    _mm256_storeu_si256((__m256i *)(end - 96), t1);
    _mm256_storeu_si256((__m256i *)(end - 64), t2);
    _mm256_storeu_si256((__m256i *)(end - 32), t3);
    return dst;
}

#endif /* SYSPATH_HELPERS_MEMCPY_AVX2_H */
