/*
 * memcpy_avx512.c — the `avx512` memcpy row: 64-byte AVX-512 loads/stores,
 * one byte-masked load and store up to 32 B. Built with -mavx512f
 * -mavx512bw -mavx512vl -mbmi2 (this file only) and called only when
 * sp_cpu_has(SP_CPU_AVX512). The body is in
 * memcpy_avx512.h, shared with memcpy/auto's AVX-512 build.
 */
#include "memcpy_avx512.h"

__attribute__((aligned(64))) void *sp_memcpy_avx512(void *dst, const void *src, size_t n)
{
    return sp_memcpy_avx512_body(dst, src, n);
}
