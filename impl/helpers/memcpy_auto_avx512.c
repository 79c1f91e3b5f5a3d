/*
 * memcpy_auto_avx512.c — memcpy/auto's AVX-512 build (see memcpy_auto.c):
 * the AVX-512 copy (memcpy_avx512.h) inlined below the first window and
 * past one, and rep movsb inlined for the rep window when it comes first,
 * as memset_auto_avx512.c does with rep stosb. Built with -mavx512f -mavx512bw -mavx512vl -mbmi2; the ifunc picks it
 * only when the CPU and OS support all three.
 *
 * rep movsb starts at the first 64-B boundary of dst: the bytes before it
 * are copied by one vector stored after the string move (the microcode
 * moves whole aligned lines faster than lines it must split; glibc aligns
 * dst before its rep movsb the same way). A destination just past its
 * source in page-offset terms (sp_rep_distance_ok) keeps the vector copy
 * in the rep class: rep movsb's cliff there (helpers.h).
 *
 * Everything else (the nt window, the first call, AVX-512 hidden by
 * SYSPATH_CPU_MASK) goes to the AVX2 build, which passes what it cannot take
 * on to sp_memcpy_auto_big.
 */
#include "memcpy_avx512.h"

/* Past a window the vector code; else the AVX2 build. Apart and reached by
 * a tail jump, so the fast path has no prologue (memset_auto_avx512.c says
 * why). */
__attribute__((noinline)) static void *past_window(void *dst, const void *src, size_t n)
{
    if (SP_LIM(cpy_lim_avx512) && sp_memcpy_auto_path(dst, src, n) == SP_AUTO_VECTOR)
        return sp_memcpy_avx512_body(dst, src, n);
    return sp_memcpy_auto_avx2(dst, src, n);
}

__attribute__((aligned(64))) void *sp_memcpy_auto_avx512(void *dst, const void *src, size_t n)
{
    if (__builtin_expect(n < SP_LIM(cpy_lim_avx512), 1))
        return sp_memcpy_avx512_body(dst, src, n);
    if (n < SP_LIM(cpy_rep_end_avx512) && n >= 128) {
        if (!sp_rep_distance_ok(dst, src))
            return sp_memcpy_avx512_body(dst, src, n);
        register __m512i head __asm__("xmm16") = _mm512_loadu_si512(src);
        __asm__("" : "+v"(head));
        /* 0..63: with dst aligned already, rep movsb does it all (a skip of
         * 1..64, which starts the string move a whole line in even then,
         * was slower in the memcpy/auto rows at 4 KiB) */
        size_t skip = -(uintptr_t)dst & 63;
        void *d = (unsigned char *)dst + skip;
        const void *s = (const unsigned char *)src + skip;
        size_t left = n - skip;
        /* DF = 0 at every call (SysV), so rep movsb walks upwards */
        __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(left) : : "memory");
        _mm512_storeu_si512(dst, head);
        return dst;
    }
    return past_window(dst, src, n);
}
