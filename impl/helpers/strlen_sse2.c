/*
 * strlen_sse2.c — strlen 16 bytes per compare, 64 per turn (SSE2, baseline).
 *
 * Aligned loads only, so no load crosses a page: the first load is the
 * aligned 16 B holding s (bits for bytes before s shifted out of the mask),
 * then single vectors up to a 64-byte boundary, then aligned 64-byte blocks
 * whose four vectors are folded with pminub (a zero byte anywhere makes the
 * minimum's byte zero) so each turn costs one test. A block is only read once
 * the string is known to reach its first byte, and a 64-byte block never
 * straddles a page.
 */
#include "internal.h"

#include <emmintrin.h>

static inline unsigned zmask(const char *p, __m128i z)
{
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_load_si128((const __m128i *)p), z));
}

SP_NO_ASAN size_t sp_strlen_sse2(const char *s)
{
    const __m128i z = _mm_setzero_si128();
    uintptr_t off = (uintptr_t)s & 15;
    const char *p = s - off;
    unsigned m = zmask(p, z) >> off;
    if (m)
        return __builtin_ctz(m);
    for (p += 16; (uintptr_t)p & 63; p += 16) {
        m = zmask(p, z);
        if (m)
            return (uintptr_t)p - (uintptr_t)s + __builtin_ctz(m);
    }
    for (;; p += 64) {
        __m128i a = _mm_load_si128((const __m128i *)p);
        __m128i b = _mm_load_si128((const __m128i *)(p + 16));
        __m128i c = _mm_load_si128((const __m128i *)(p + 32));
        __m128i d = _mm_load_si128((const __m128i *)(p + 48));
        __m128i mn = _mm_min_epu8(_mm_min_epu8(a, b), _mm_min_epu8(c, d));
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(mn, z))) {
            uint64_t all = (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, z)) |
                           (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, z)) << 16 |
                           (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(c, z)) << 32 |
                           (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(d, z)) << 48;
            return (uintptr_t)p - (uintptr_t)s + (size_t)__builtin_ctzll(all);
        }
    }
}
