/*
 * memcpy_auto_avx512_plain.c — memcpy/auto's AVX-512 build for CPUs whose
 * masked stores are slow: the plain shape of memcpy_avx512.h inlined below
 * the first window; everything else (the windows and past them (where a
 * copy is long enough for the shape not to matter), the first call,
 * AVX-512 hidden by SYSPATH_CPU_MASK) goes to memcpy_auto_avx512.c's build,
 * whose own test of the same lim sends it on. Built with -mavx512f
 * -mavx512bw -mavx512vl -mbmi2.
 *
 * Why a build of its own rather than a flag in the other: most calls in the
 * size mixes of production programs copy 32 B or less, where a flag's load
 * and test is a share of the call (memcpy_auto.c's resolver decides once).
 */
#include "memcpy_avx512.h"

__attribute__((aligned(64))) void *sp_memcpy_auto_avx512_plain(void *dst, const void *src, size_t n)
{
    if (__builtin_expect(n < SP_LIM(cpy_lim_avx512), 1))
        return sp_memcpy_avx512_shaped(dst, src, n, 1);
    return sp_memcpy_auto_avx512(dst, src, n);
}
