/*
 * strlen_avx512.c — strlen 64 bytes per compare, 256 per turn. Built with
 * -mavx512f -mavx512bw -mavx512vl -mbmi2 (this file only); called only when
 * sp_cpu_has(SP_CPU_AVX512).
 *
 * Aligned loads only, so it cannot fault across a page: an aligned 64-B
 * vector or 256-B block never straddles one, and each is only read once the
 * string is known to reach its first byte.
 *   1. the aligned 64 B holding s, its compare mask shifted right past the
 *      bytes before s;
 *   2. the next three aligned vectors, unrolled: a string shorter than
 *      256 B costs one compare and one branch per vector, no loop counter
 *      and no block set-up (glibc checks its first vectors the same way);
 *   3. aligned 256-byte blocks folded with vpminub, from the 256-B boundary
 *      at or before the end of step 2 (it may re-read up to 192 bytes
 *      already known to hold no NUL, which is harmless).
 * vpcmpeqb writes a 64-bit mask register, so no movemask step is needed.
 * The first version walked a loop of single vectors up to the 256-B
 * boundary instead of step 2, and lost to glibc on short strings, where the
 * loop's counter and backward branch per vector are a large part of a call.
 */
#include "internal.h"

#include <immintrin.h>

/* loads whole aligned vectors, so not instrumented either (internal.h) */
SP_NO_ASAN static inline uint64_t zmask(const char *p)
{
    return (uint64_t)_mm512_cmpeq_epi8_mask(_mm512_load_si512(p), _mm512_setzero_si512());
}

/* offset of the first NUL: the vector at p holds it, m is its mask */
static inline size_t at(const char *p, const char *s, uint64_t m)
{
    return (size_t)(p - s) + (unsigned)__builtin_ctzll(m);
}

SP_NO_ASAN size_t sp_strlen_avx512(const char *s)
{
    const char *p = (const char *)((uintptr_t)s & ~(uintptr_t)63);
    uint64_t m = zmask(p) >> ((uintptr_t)s & 63);
    if (m)
        return (unsigned)__builtin_ctzll(m);
    if ((m = zmask(p + 64)))
        return at(p + 64, s, m);
    if ((m = zmask(p + 128)))
        return at(p + 128, s, m);
    if ((m = zmask(p + 192)))
        return at(p + 192, s, m);
    const __m512i z = _mm512_setzero_si512();
    for (p = (const char *)((uintptr_t)(p + 256) & ~(uintptr_t)255);; p += 256) {
        __m512i a = _mm512_load_si512(p);
        __m512i b = _mm512_load_si512(p + 64);
        __m512i c = _mm512_load_si512(p + 128);
        __m512i d = _mm512_load_si512(p + 192);
        __m512i mn = _mm512_min_epu8(_mm512_min_epu8(a, b), _mm512_min_epu8(c, d));
        if (_mm512_cmpeq_epi8_mask(mn, z)) {
            if ((m = _mm512_cmpeq_epi8_mask(a, z))) return at(p, s, m);
            if ((m = _mm512_cmpeq_epi8_mask(b, z))) return at(p + 64, s, m);
            if ((m = _mm512_cmpeq_epi8_mask(c, z))) return at(p + 128, s, m);
            return at(p + 192, s, _mm512_cmpeq_epi8_mask(d, z));
        }
    }
}
