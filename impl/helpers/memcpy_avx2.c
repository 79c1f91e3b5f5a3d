/*
 * memcpy_avx2.c — the `avx2` memcpy row: 32-byte AVX2 loads/stores. Built
 * with -mavx2 (this file only) and called only when sp_cpu_has(SP_CPU_AVX2).
 * The body is in memcpy_avx2.h, shared with memcpy/auto.
 */
#include "memcpy_avx2.h"

void *sp_memcpy_avx2(void *dst, const void *src, size_t n)
{
    return sp_memcpy_avx2_body(dst, src, n);
}
