/*
 * memset_avx2.c — the `avx2` memset row: 32-byte AVX2 stores. Built with
 * -mavx2 (this file only) and called only when sp_cpu_has(SP_CPU_AVX2). The
 * body is in memset_avx2.h, shared with memset/auto.
 */
#include "memset_avx2.h"

void *sp_memset_avx2(void *dst, int c, size_t n)
{
    return sp_memset_avx2_body(dst, c, n);
}
