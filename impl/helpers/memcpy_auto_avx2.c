/*
 * memcpy_auto_avx2.c — memcpy/auto's AVX2 build (see memcpy_auto.c): the AVX2
 * copy inlined below the first window and past one, sp_memcpy_auto_big
 * for the windows. Built with
 * -mavx2; the ifunc picks it only when the CPU and OS support AVX2.
 */
#include "memcpy_avx2.h"

/* Past a window (or at rep's cliff) the vector code; else
 * sp_memcpy_auto_big. Apart and reached by a tail jump, so the fast path
 * has no prologue (memset_auto_avx512.c says why). */
__attribute__((noinline)) static void *past_window(void *dst, const void *src, size_t n)
{
    if (SP_LIM(cpy_lim_avx2) && sp_memcpy_auto_path(dst, src, n) == SP_AUTO_VECTOR)
        return sp_memcpy_avx2_body(dst, src, n);
    return sp_memcpy_auto_big(dst, src, n);
}

void *sp_memcpy_auto_avx2(void *dst, const void *src, size_t n)
{
    if (__builtin_expect(n < SP_LIM(cpy_lim_avx2), 1))
        return sp_memcpy_avx2_body(dst, src, n);
    return past_window(dst, src, n);
}
