/*
 * strlen_avx2.c — strlen 32 bytes per compare, 128 per turn. Built with
 * -mavx2 (this file only); called only when sp_cpu_has(SP_CPU_AVX2).
 *
 * The shape of strlen_avx512.c with 32-byte vectors, aligned loads only, so
 * it cannot fault across a page: an aligned 32-B vector or 128-B block never
 * straddles one, and each is only read once the string is known to reach
 * its first byte.
 *   1. the aligned 32 B holding s, its compare mask shifted right past the
 *      bytes before s;
 *   2. the next four aligned vectors, unrolled: a string shorter than
 *      ~160 B costs one compare and one branch per vector, no loop counter
 *      and no block set-up (glibc's AVX2 strlen checks its first vectors the
 *      same way);
 *   3. aligned 128-byte blocks folded with vpminub, from the 128-B boundary
 *      at or before the end of step 2 (it may re-read up to 96 bytes
 *      already known to hold no NUL, which is harmless).
 * The first version walked a loop of single vectors up to the 128-B
 * boundary instead of step 2, and lost to glibc on short strings, where the
 * loop's counter and backward branch per vector are a large part of a call.
 */
#include "internal.h"

#include <immintrin.h>

/* loads whole aligned vectors, so not instrumented either (internal.h) */
SP_NO_ASAN static inline uint32_t zmask(const char *p)
{
    __m256i v = _mm256_load_si256((const __m256i *)p);
    return (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_setzero_si256()));
}

/* offset of the first NUL: the vector at p holds it, m is its mask */
static inline size_t at(const char *p, const char *s, uint32_t m)
{
    return (size_t)(p - s) + (unsigned)__builtin_ctz(m);
}

SP_NO_ASAN size_t sp_strlen_avx2(const char *s)
{
    const char *p = (const char *)((uintptr_t)s & ~(uintptr_t)31);
    uint32_t m = zmask(p) >> ((uintptr_t)s & 31);
    if (m)
        return (unsigned)__builtin_ctz(m);
    if ((m = zmask(p + 32)))
        return at(p + 32, s, m);
    if ((m = zmask(p + 64)))
        return at(p + 64, s, m);
    if ((m = zmask(p + 96)))
        return at(p + 96, s, m);
    if ((m = zmask(p + 128)))
        return at(p + 128, s, m);
    const __m256i z = _mm256_setzero_si256();
    for (p = (const char *)((uintptr_t)(p + 160) & ~(uintptr_t)127);; p += 128) {
        __m256i a = _mm256_load_si256((const __m256i *)p);
        __m256i b = _mm256_load_si256((const __m256i *)(p + 32));
        __m256i c = _mm256_load_si256((const __m256i *)(p + 64));
        __m256i d = _mm256_load_si256((const __m256i *)(p + 96));
        __m256i mn = _mm256_min_epu8(_mm256_min_epu8(a, b), _mm256_min_epu8(c, d));
        if (_mm256_movemask_epi8(_mm256_cmpeq_epi8(mn, z))) {
            uint64_t lo = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, z))
                        | (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, z)) << 32;
            if (lo)
                return (size_t)(p - s) + (size_t)__builtin_ctzll(lo);
            uint64_t hi = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(c, z))
                        | (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(d, z)) << 32;
            return (size_t)(p - s) + 64 + (size_t)__builtin_ctzll(hi);
        }
    }
}
