/*
 * memset_auto_avx512.c — memset/auto's AVX-512 build (see memset_auto.c):
 * the AVX-512 vector code (memset_avx512.h: no size test up to 128 B, no
 * vzeroupper) inlined below the first window and past one, and rep stosb
 * inlined for the rep window when it comes first (up to its end or nt's
 * start). Built with -mavx512f -mavx512bw -mavx512vl -mbmi2; the ifunc picks
 * it only when the CPU and OS support all three.
 *
 * Why rep stosb is inline here: reaching it through the AVX2 build and
 * sp_memset_auto_big (two more compares and jumps, the pthread_once of the
 * thresholds, a call) put work before every rep-class call that glibc,
 * which jumps straight to its own rep stosb, does not do, and at the sizes
 * where rep starts that work showed against glibc.
 *
 * Everything else (the nt window, or the first call, or AVX-512 hidden by
 * SYSPATH_CPU_MASK) goes to the AVX2 build, not straight to
 * sp_memset_auto_big: both fields read here stay 0 when the mask hides
 * AVX-512, and then the AVX2 build (or, with AVX2 hidden too, the SSE2 code
 * in *_big) is what the mask leaves.
 */
#include "memset_avx512.h"

/* Past a window the vector code runs again; else the AVX2 build. A
 * function of its own, reached by a tail jump: inlined, its call to the path
 * function made the compiler save registers and realign the stack on entry
 * to every call, small ones included (memset/auto fell to 0.9x glibc at
 * 1-32 B). */
__attribute__((noinline)) static void *past_window(void *dst, int c, size_t n)
{
    size_t lim = SP_LIM(set_lim_avx512);
    enum sp_auto_path p = lim ? sp_memset_auto_path(n) : SP_AUTO_VECTOR;
    if (sp_memset_adapts(n, lim))
        return sp_memset_adapt(dst, c, n, p == SP_AUTO_NT ? sp_memset_nt : sp_memset_avx512);
    if (lim && p == SP_AUTO_VECTOR)
        return sp_memset_avx512_body(dst, c, n);
    return sp_memset_auto_avx2(dst, c, n);
}

__attribute__((aligned(64))) void *sp_memset_auto_avx512(void *dst, int c, size_t n)
{
    if (__builtin_expect(n < SP_LIM(set_lim_avx512), 1))
        return sp_memset_avx512_body(dst, c, n);
    if (n < SP_LIM(set_rep_end_avx512)) {
        void *d = dst;
        /* DF = 0 at every call (SysV), so rep stosb walks upwards */
        __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
        return dst;
    }
    return past_window(dst, c, n);
}
