/*
 * memset_auto_avx2.c — memset/auto's AVX2 build (see memset_auto.c): the AVX2
 * vector code inlined below the first window and past one,
 * sp_memset_auto_big for the windows. Built
 * with -mavx2; the ifunc picks it only when the CPU and OS support AVX2.
 */
#include "memset_avx2.h"

/* Past a window the vector code runs again; else sp_memset_auto_big. Apart
 * and reached by a tail jump, so the fast path has no prologue
 * (memset_auto_avx512.c says why). */
__attribute__((noinline)) static void *past_window(void *dst, int c, size_t n)
{
    size_t lim = SP_LIM(set_lim_avx2);
    enum sp_auto_path p = lim ? sp_memset_auto_path(n) : SP_AUTO_VECTOR;
    if (sp_memset_adapts(n, lim))
        return sp_memset_adapt(dst, c, n, p == SP_AUTO_NT ? sp_memset_nt : sp_memset_avx2);
    if (lim && p == SP_AUTO_VECTOR)
        return sp_memset_avx2_body(dst, c, n);
    return sp_memset_auto_big(dst, c, n);
}

void *sp_memset_auto_avx2(void *dst, int c, size_t n)
{
    if (__builtin_expect(n < SP_LIM(set_lim_avx2), 1))
        return sp_memset_avx2_body(dst, c, n);
    return past_window(dst, c, n);
}
