/*
 * memcpy_sse2.c — memcpy with 16-byte SSE2 loads/stores: memcpy/auto's vector
 * class on a CPU without AVX2 and syspath-calibrate's baseline there; not a
 * table row of its own (the memcpy rows are rep_movsb, loop, avx2, auto, libc).
 * The body is in memcpy_sse2.h.
 */
#include "memcpy_sse2.h"

void *sp_memcpy_sse2(void *dst, const void *src, size_t n)
{
    return sp_memcpy_sse2_body(dst, src, n);
}
