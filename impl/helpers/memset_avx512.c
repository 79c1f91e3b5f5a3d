/*
 * memset_avx512.c — the `avx512` memset row: 64-byte AVX-512 stores, no size test up to
 * 128 B (one masked store, one plain). Built with -mavx512f -mavx512bw -mavx512vl -mbmi2 (this
 * file only) and called only when
 * sp_cpu_has(SP_CPU_AVX512). The body is in
 * memset_avx512.h, shared with memset/auto's AVX-512 build.
 */
#include "memset_avx512.h"

__attribute__((aligned(64))) void *sp_memset_avx512(void *dst, int c, size_t n)
{
    return sp_memset_avx512_body(dst, c, n);
}
