/*
 * strlen_avx2.c — strlen 32 bytes per compare, 128 per turn. Built with
 * -mavx2 (this file only); called only when sp_cpu_has(SP_CPU_AVX2).
 *
 * The shape of strlen_sse2.c with 32-byte vectors: aligned loads only (the
 * first one masked for the bytes before s), single vectors up to a 128-byte
 * boundary, then aligned 128-byte blocks folded with vpminub. No load
 * crosses a page: a 128-byte aligned block never straddles one, and a block
 * is only read once the string is known to reach its first byte.
 */
#include "internal.h"

#include <immintrin.h>

static inline uint32_t zmask(__m256i v, __m256i z)
{
    return (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, z));
}

SP_NO_ASAN size_t sp_strlen_avx2(const char *s)
{
    const __m256i z = _mm256_setzero_si256();
    uintptr_t off = (uintptr_t)s & 31;
    const char *p = s - off;
    uint32_t m = zmask(_mm256_load_si256((const __m256i *)p), z) >> off;
    if (m)
        return __builtin_ctz(m);
    for (p += 32; (uintptr_t)p & 127; p += 32) {
        m = zmask(_mm256_load_si256((const __m256i *)p), z);
        if (m)
            return (uintptr_t)p - (uintptr_t)s + __builtin_ctz(m);
    }
    for (;; p += 128) {
        __m256i a = _mm256_load_si256((const __m256i *)p);
        __m256i b = _mm256_load_si256((const __m256i *)(p + 32));
        __m256i c = _mm256_load_si256((const __m256i *)(p + 64));
        __m256i d = _mm256_load_si256((const __m256i *)(p + 96));
        __m256i mn = _mm256_min_epu8(_mm256_min_epu8(a, b), _mm256_min_epu8(c, d));
        if (zmask(mn, z)) {
            uint64_t lo = (uint64_t)zmask(a, z) | (uint64_t)zmask(b, z) << 32;
            if (lo)
                return (uintptr_t)p - (uintptr_t)s + (size_t)__builtin_ctzll(lo);
            uint64_t hi = (uint64_t)zmask(c, z) | (uint64_t)zmask(d, z) << 32;
            return (uintptr_t)p - (uintptr_t)s + 64 + (size_t)__builtin_ctzll(hi);
        }
    }
}
