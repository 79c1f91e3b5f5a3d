/*
 * variants.c — the four tables of helpers.h, in benchmark and plot order.
 *
 * The libc rows point at glibc's own functions (this file is built with
 * -fno-builtin, so `memset` here is the real symbol, resolved through glibc's
 * ifunc to the variant glibc picked for this CPU), not at wrappers: the row
 * measures exactly what a program calling memset gets.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <string.h>

#define AVX512 SP_CPU_AVX512

const struct sp_memset_variant sp_memset_variants[] = {
    { "rep_stosb", sp_memset_rep_stosb, 0 },
    { "loop",      sp_memset_loop,      0 },
    { "word",      sp_memset_word,      0 },
    { "sse2",      sp_memset_sse2,      SP_CPU_SSE2 },
    { "avx2",      sp_memset_avx2,      SP_CPU_AVX2 },
    { "avx512",    sp_memset_avx512,    AVX512 },
    { "nt",        sp_memset_nt,        SP_CPU_SSE2 },
    { "auto",      sp_memset_auto,      SP_CPU_SSE2 },
    { "libc",      memset,              0 },
    /* glibc's memset again, measured in a process started with
     * GLIBC_TUNABLES=SP_LIBC_ERMS_TUNABLES: see helpers.h */
    { "libc_erms", memset,              SP_CPU_ERMS | SP_CPU_LIBC_ERMS_ENV },
    { NULL, NULL, 0 },
};

const struct sp_strlen_variant sp_strlen_variants[] = {
    { "repne_scasb", sp_strlen_repne_scasb, 0 },
    { "loop",        sp_strlen_loop,        0 },
    { "swar",        sp_strlen_swar,        0 },
    { "sse2",        sp_strlen_sse2,        SP_CPU_SSE2 },
    { "avx2",        sp_strlen_avx2,        SP_CPU_AVX2 },
    { "avx512",      sp_strlen_avx512,      AVX512 },
    { "libc",        strlen,                0 },
    { NULL, NULL, 0 },
};

const struct sp_htons_variant sp_htons_variants[] = {
    { "tutorial", sp_htons_tutorial, 0 },
    { "rol",      sp_htons_rol,      0 },
    { "bswap",    sp_htons_bswap,    0 },
    { "builtin",  sp_htons_builtin,  0 },
    { "libc",     htons,             0 },
    { NULL, NULL, 0 },
};

const struct sp_memcpy_variant sp_memcpy_variants[] = {
    { "rep_movsb", sp_memcpy_rep_movsb, 0 },
    { "loop",      sp_memcpy_loop,      0 },
    { "avx2",      sp_memcpy_avx2,      SP_CPU_AVX2 },
    { "avx512",    sp_memcpy_avx512,    AVX512 },
    { "auto",      sp_memcpy_auto,      SP_CPU_SSE2 },
    { "libc",      memcpy,              0 },
    { NULL, NULL, 0 },
};
