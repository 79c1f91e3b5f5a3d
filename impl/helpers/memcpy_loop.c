/*
 * memcpy_loop.c — memcpy as a byte loop (built like memset_loop.c, so it stays
 * a loop: no call to libc memcpy, no vectorisation).
 */
#include "internal.h"

void *sp_memcpy_loop(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
    return dst;
}
