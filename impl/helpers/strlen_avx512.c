/*
 * strlen_avx512.c — strlen 64 bytes per compare, 256 per turn. Built with
 * -mavx512f -mavx512bw (this file only); called only when
 * sp_cpu_has(SP_CPU_AVX512F | SP_CPU_AVX512BW).
 *
 * Aligned loads only, so it cannot fault across a page: the first load is the
 * aligned 64 B holding s (its compare mask shifted right past the bytes before
 * s), then single vectors up to a 256-byte boundary, then aligned 256-byte
 * blocks folded with vpminub; vpcmpeqb writes a 64-bit mask register, so no
 * movemask step is needed.
 */
#include "internal.h"

#include <immintrin.h>

static inline uint64_t zmask(__m512i v, __m512i z)
{
    return (uint64_t)_mm512_cmpeq_epi8_mask(v, z);
}

SP_NO_ASAN size_t sp_strlen_avx512(const char *s)
{
    const __m512i z = _mm512_setzero_si512();
    uintptr_t off = (uintptr_t)s & 63;
    const char *p = s - off;
    uint64_t m = zmask(_mm512_load_si512(p), z) >> off;
    if (m)
        return (size_t)__builtin_ctzll(m);
    for (p += 64; (uintptr_t)p & 255; p += 64) {
        m = zmask(_mm512_load_si512(p), z);
        if (m)
            return (uintptr_t)p - (uintptr_t)s + (size_t)__builtin_ctzll(m);
    }
    for (;; p += 256) {
        __m512i a = _mm512_load_si512(p);
        __m512i b = _mm512_load_si512(p + 64);
        __m512i c = _mm512_load_si512(p + 128);
        __m512i d = _mm512_load_si512(p + 192);
        __m512i mn = _mm512_min_epu8(_mm512_min_epu8(a, b), _mm512_min_epu8(c, d));
        if (zmask(mn, z)) {
            size_t base = (uintptr_t)p - (uintptr_t)s;
            if ((m = zmask(a, z))) return base + (size_t)__builtin_ctzll(m);
            if ((m = zmask(b, z))) return base + 64 + (size_t)__builtin_ctzll(m);
            if ((m = zmask(c, z))) return base + 128 + (size_t)__builtin_ctzll(m);
            return base + 192 + (size_t)__builtin_ctzll(zmask(d, z));
        }
    }
}
