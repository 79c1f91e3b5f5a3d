/*
 * memcpy_auto.c — memcpy by size class, boundaries from syspath-calibrate;
 * the scheme and the ifunc dispatch are memset_auto.c's:
 *
 *   nt window        ordinary loads, non-temporal stores + sfence
 *   rep windows      rep movsb from dst's first 64-B boundary (the bytes
 *                    before it by the vector code), unless dst sits just
 *                    past src in page-offset terms: then the vector code
 *                    (rep movsb's cliffs, helpers.h SP_REP_MIN_DISTANCE)
 *   any other n      the vector code (AVX-512 when the CPU has it, else
 *                    AVX2, else SSE2), inlined
 */
#include "memcpy_sse2.h"

/* The class of a copy of n bytes from src to dst, once the thresholds are
 * read: what sp_memcpy_auto_big and the AVX-512 build do, in one place for
 * sp_memcpy_auto_path (the AVX-512 build's own test of n >= 128 never
 * matters: rep is at least 128 wherever the ERMS default or calibration
 * sets it, and below that the vector code runs either way). */
static enum sp_auto_path path(const struct sp_auto_thresholds *t, const void *dst,
                              const void *src, size_t n)
{
    if (sp_in_window(n, t->memcpy_nt, t->memcpy_nt_end))
        return SP_AUTO_NT;
    int in_rep = sp_in_window(n, t->memcpy_rep, t->memcpy_rep_end) ||
                 sp_in_window(n, t->memcpy_rep2, t->memcpy_rep2_end);
    if (in_rep && n >= 128 && sp_rep_distance_ok(dst, src))
        return SP_AUTO_REP;
    return SP_AUTO_VECTOR;
}

enum sp_auto_path sp_memcpy_auto_path(const void *dst, const void *src, size_t n)
{
    return path(sp_auto_thresholds(), dst, src, n);
}

const char *sp_auto_path_name(enum sp_auto_path p)
{
    return p == SP_AUTO_REP ? "rep" : p == SP_AUTO_NT ? "nt" : "vector";
}

/* n >= this build's lim: set-up on the first call, then rep / nt, or the
 * SSE2 vector code (below rep, on rep's cliffs, or when the AVX2 build had
 * to step aside: masked AVX2). rep movsb starts at dst's first 64-B
 * boundary, the head copied by the vector code after it. */
void *sp_memcpy_auto_big(void *dst, const void *src, size_t n)
{
    switch (path(sp_auto_thresholds(), dst, src, n)) {
    case SP_AUTO_NT:
        return sp_memcpy_nt(dst, src, n);
    case SP_AUTO_REP: {
        size_t skip = -(uintptr_t)dst & 63;
        sp_memcpy_rep_movsb((unsigned char *)dst + skip, (const unsigned char *)src + skip, n - skip);
        sp_memcpy_sse2_body(dst, src, skip);
        return dst;
    }
    default:
        return sp_memcpy_sse2_body(dst, src, n);
    }
}

static void *auto_sse2(void *dst, const void *src, size_t n)
{
    if (__builtin_expect(n < SP_LIM(cpy_lim_sse2), 1))
        return sp_memcpy_sse2_body(dst, src, n);
    return sp_memcpy_auto_big(dst, src, n);
}

__attribute__((used)) SP_RAW_FN static sp_memcpy_fn resolve_memcpy_auto(void)
{
    unsigned hw = sp_cpu_detect_hw();
    const unsigned avx512 = SP_CPU_AVX512;
    if ((hw & avx512) == avx512)
        return sp_memcpy_auto_avx512;
    return (hw & SP_CPU_AVX2) ? sp_memcpy_auto_avx2 : auto_sse2;
}

void *sp_memcpy_auto(void *dst, const void *src, size_t n) __attribute__((ifunc("resolve_memcpy_auto")));
