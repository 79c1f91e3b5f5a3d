/*
 * memcpy_auto_avx2.c — memcpy/auto's AVX2 build (see memcpy_auto.c): the AVX2
 * copy inlined below the first window and past one, sp_memcpy_auto_big
 * for the windows. Built with
 * -mavx2; the ifunc picks it only when the CPU and OS support AVX2.
 */
#include "memcpy_avx2.h"

void *sp_memcpy_auto_avx2(void *dst, const void *src, size_t n)
{
    if (__builtin_expect(n < SP_LIM(cpy_lim_avx2), 1))
        return sp_memcpy_avx2_body(dst, src, n);
    if (SP_LIM(cpy_lim_avx2) && sp_memcpy_auto_path(dst, src, n) == SP_AUTO_VECTOR)
        return sp_memcpy_avx2_body(dst, src, n);  /* past a window, or rep's cliff */
    return sp_memcpy_auto_big(dst, src, n);
}
