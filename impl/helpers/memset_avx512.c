/*
 * memset_avx512.c — memset with 64-byte AVX-512 stores. Built with
 * -mavx512f -mavx512bw (this file only) and called only when
 * sp_cpu_has(SP_CPU_AVX512F | SP_CPU_AVX512BW).
 *
 * Up to 64 B: one byte-masked store (AVX512BW vmovdqu8 with a mask of n ones):
 * masked-off bytes are neither written nor faulted on, so no size classes
 * are needed below one vector. 64..256 B: two or four overlapping vectors.
 * Beyond: unaligned head, aligned loop of 4 x 64 B, last 256 B as four
 * unaligned vectors overlapping the loop's end.
 */
#include "internal.h"

#include <immintrin.h>

void *sp_memset_avx512(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    __m512i v = _mm512_set1_epi8((char)c);
    if (n <= 64) {
        __mmask64 k = n == 64 ? ~0ull : (1ull << n) - 1;
        _mm512_mask_storeu_epi8(d, k, v);
        return dst;
    }
    unsigned char *end = d + n;
    if (n <= 128) {
        _mm512_storeu_si512(d, v);
        _mm512_storeu_si512(end - 64, v);
        return dst;
    }
    if (n <= 256) {
        _mm512_storeu_si512(d, v);
        _mm512_storeu_si512(d + 64, v);
        _mm512_storeu_si512(end - 128, v);
        _mm512_storeu_si512(end - 64, v);
        return dst;
    }
    _mm512_storeu_si512(d, v);
    unsigned char *p = (unsigned char *)(((uintptr_t)d + 64) & ~(uintptr_t)63);
    for (; p + 256 <= end; p += 256) {
        _mm512_store_si512(p, v);
        _mm512_store_si512(p + 64, v);
        _mm512_store_si512(p + 128, v);
        _mm512_store_si512(p + 192, v);
    }
    _mm512_storeu_si512(end - 256, v);
    _mm512_storeu_si512(end - 192, v);
    _mm512_storeu_si512(end - 128, v);
    _mm512_storeu_si512(end - 64, v);
    return dst;
}
