/*
 * strlen_swar.c — strlen eight bytes at a time in a general-purpose register
 * ("SIMD within a register").
 *
 * Every load is an aligned 8-byte word, so it never crosses a page boundary:
 * if the terminator's page is mapped, so is the whole word holding it. The
 * first word may start before s; its bytes below s are forced non-zero so they
 * cannot be taken for the terminator.
 *
 * The zero-byte test: for a word v, (v - 0x01..01) & ~v & 0x80..80 is non-zero
 * iff some byte of v is zero, and its lowest set bit marks the FIRST zero byte
 * exactly (a borrow can only produce false marks above a true zero byte). On a
 * little-endian machine the first byte in memory is the lowest, so the index
 * is ctz / 8.
 */
#include "internal.h"

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

SP_NO_ASAN size_t sp_strlen_swar(const char *s)
{
    uintptr_t off = (uintptr_t)s & 7;
    const sp_u64a *w = (const sp_u64a *)((uintptr_t)s - off);
    uint64_t v = *w;
    /* bytes before s (the low `off` bytes of the word) -> 0xff */
    v |= off ? (~0ull >> (64 - 8 * off)) : 0;
    for (;;) {
        uint64_t z = (v - ONES) & ~v & HIGHS;
        if (z)
            return (size_t)((uintptr_t)w - (uintptr_t)s) + (size_t)(__builtin_ctzll(z) >> 3);
        v = *++w;
    }
}
