/*
 * memset_auto_avx2.c — memset/auto's AVX2 build (see memset_auto.c): the AVX2
 * vector code inlined below min(rep, nt), sp_memset_auto_big beyond. Built
 * with -mavx2; the ifunc picks it only when the CPU and OS support AVX2.
 */
#include "memset_avx2.h"

void *sp_memset_auto_avx2(void *dst, int c, size_t n)
{
    if (__builtin_expect(n < SP_LIM(set_lim_avx2), 1))
        return sp_memset_avx2_body(dst, c, n);
    return sp_memset_auto_big(dst, c, n);
}
