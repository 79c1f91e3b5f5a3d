/*
 * memset_word.c — memset with 8-byte stores: byte pattern broadcast to a
 * word, unaligned head, aligned 8-byte body, overlapping tail.
 *
 * Built without the auto-vectoriser, so the body stays 8-byte stores: this row
 * measures what a general-purpose-register memset can do.
 */
#include "internal.h"

void *sp_memset_word(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    uint64_t v = (uint64_t)(unsigned char)c * 0x0101010101010101ull;
    if (n < 16) {
        sp_store_small(d, v, n);
        return dst;
    }
    /* n >= 16: the first and last 8 bytes unaligned, then aligned words in
     * between; the stores overlap at both ends, which is cheaper than a
     * byte loop for the ragged edges. */
    *(sp_u64u *)d = v;
    *(sp_u64u *)(d + n - 8) = v;
    unsigned char *p = (unsigned char *)(((uintptr_t)d + 8) & ~(uintptr_t)7);
    unsigned char *end = d + n - 8;
    for (; p < end; p += 8)
        *(sp_u64a *)p = v;
    return dst;
}
