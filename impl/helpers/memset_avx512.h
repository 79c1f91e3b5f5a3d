/*
 * memset_avx512.h — memset with 64-byte AVX-512 stores. Only for files built
 * with -mavx512f -mavx512bw -mavx512vl -mbmi2, and run only when
 * sp_cpu_has(SP_CPU_AVX512).
 *
 * The shape of glibc's __memset_avx512_unaligned_erms, which is what glibc
 * picks where 512-bit stores do not lower the clock (its cpu_features.c:
 * CPUs with AVX-VNNI, such as Sapphire Rapids). Below 64 B it makes one
 * masked store where the AVX2 code branches to a size class, which is why
 * it wins there (compare the avx512 and avx2 memset rows):
 *   n <= 128    ONE byte-masked store (vmovdqu8 {k}, k = bzhi(~0, n), all
 *               64 bits from n = 64) at dst, and one plain 64-B store at
 *               end - 64 when n >= 64 (at 64 B the masked store's own
 *               line, as glibc's two stores there: into the sink, 64 B
 *               read 1.14x glibc's time in most repetitions), else into
 *               sp_memset_sink, a line of this thread's own that nothing
 *               reads: the address is chosen by cmov, so no size test
 *               inside the class. Sizes drawn at random (the mix rows)
 *               mispredict a test at 64 about as often as they straddle
 *               it: on the Zen 5 guest memset/auto took 0.83x glibc's
 *               time on google_d this way and 1.00x with the test. A
 *               second masked store instead of the sink costs a cycle at
 *               every size (1.08x glibc at one size over and over,
 *               1-32 B); the plain store does not (the repetitions at
 *               1-32 B that read one cycle in seven dearer came from the
 *               lim load memset/auto makes, held up by these stores:
 *               internal.h, struct sp_auto_cfg), and glibc's own shape,
 *               a test at 64 and one masked store, took 1.01x glibc's
 *               time on google_d against the sink's 0.84x: the mix, a
 *               program's sizes, decides. The masked-off bytes are
 *               neither written nor faulted on. Near a page's end (dst in
 *               its page's last 64 B) a test after all: below 64 B the
 *               64-B window is placed to END at dst + n (mask = top n
 *               bits): then every byte it covers is in dst's page or is
 *               one the call writes, so fault suppression (a slow
 *               microcode assist; glibc avoids it the same way) is never
 *               needed for a page the caller does not own; from 64 B two
 *               overlapping vectors.
 *   129..256    four overlapping vectors. Each class up to
 *               256 B takes at most one taken branch (the layout hints
 *               matter: at 64 B a call is a few cycles, and a second
 *               taken branch is a visible share of them).
 *   beyond      with dst 64-B aligned: the first 256 B, an aligned loop
 *               of 4 x 64 B up to 512 B before the end, the last 256 B.
 *               With dst not aligned, no store crosses a cache line: a
 *               masked store fills the head line from dst to its end,
 *               aligned 4 x 64 B turns follow, the three lines before the
 *               last one are stored again aligned (they cover whatever the
 *               turns left over), and a masked store ends at dst + n.
 *               Eight line-splitting stores (the head and tail of the
 *               aligned case, shifted) made a misaligned memset clearly
 *               slower than an aligned one (the /misaligned rows show the
 *               gap); glibc's loop has the same cost and hides it behind
 *               rep stosb, which it takes from its x86_rep_stosb_threshold
 *               (2 KiB by default, glibc's tunables doc).
 * The fill vector lives in zmm16: the EVEX-only registers zmm16-31 are not
 * part of the state vzeroupper clears, so no vzeroupper is needed on return
 * (gcc and clang only insert one for ymm/zmm0-15), as in glibc. Pinning is
 * a hint (a local register variable is only guaranteed at an asm operand,
 * hence the empty asm); if a compiler ignored it, the code would still be
 * correct, with a vzeroupper.
 *
 * A static inline body, so memset/auto can inline it behind one threshold
 * compare; memset_avx512.c wraps it as a function.
 */
#ifndef SYSPATH_HELPERS_MEMSET_AVX512_H
#define SYSPATH_HELPERS_MEMSET_AVX512_H

#include "internal.h"
#include <immintrin.h>

/* where the <= 128 class's second store goes when the first did it all
 * (above); per thread, so no two cores ever write one line */
static __thread unsigned char sp_memset_sink[64];

static inline void *sp_memset_avx512_body(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    register __m512i v __asm__("xmm16") = _mm512_set1_epi8((char)c);
    __asm__("" : "+v"(v));
    unsigned char *end = d + n;
    if (__builtin_expect(n <= 128, 1)) {
        if (__builtin_expect(((uintptr_t)d & 4095) <= 4096 - 64, 1)) {
            unsigned char *second = n >= 64 ? end - 64 : sp_memset_sink;
            _mm512_mask_storeu_epi8(d, _bzhi_u64(~0ull, (unsigned)n), v);
            _mm512_storeu_si512(second, v);
        } else if (n < 64) {   /* window [end - 64, end): starts inside d's page */
            _mm512_mask_storeu_epi8(end - 64, ~_bzhi_u64(~0ull, (unsigned)(64 - n)), v);
        } else {
            _mm512_storeu_si512(d, v);
            _mm512_storeu_si512(end - 64, v);
        }
        return dst;
    }
    _mm512_storeu_si512(d, v);
    _mm512_storeu_si512(d + 64, v);
    if (__builtin_expect(n <= 256, 1)) {
        _mm512_storeu_si512(end - 128, v);
        _mm512_storeu_si512(end - 64, v);
        return dst;
    }
    if ((uintptr_t)d & 63) {
        /* the two split stores above are rewritten aligned here (two
         * splits cost far less than the eight of the aligned-case tail);
         * n > 256 puts at least three whole lines between the head line
         * and the last one, so the three aligned rewrites before the last
         * line stay at or after the first whole line (never before dst) */
        unsigned char *h = (unsigned char *)((uintptr_t)d & ~(uintptr_t)63);
        unsigned char *t = (unsigned char *)((uintptr_t)(end - 1) & ~(uintptr_t)63);
        _mm512_mask_storeu_epi8(h, ~0ull << (d - h), v);
        unsigned char *p = h + 64;
        for (; p + 256 <= t; p += 256) {
            _mm512_store_si512(p, v);
            _mm512_store_si512(p + 64, v);
            _mm512_store_si512(p + 128, v);
            _mm512_store_si512(p + 192, v);
        }
        _mm512_store_si512(t - 192, v);
        _mm512_store_si512(t - 128, v);
        _mm512_store_si512(t - 64, v);
        _mm512_mask_storeu_epi8(t, _bzhi_u64(~0ull, (unsigned)(end - t)), v);
        return dst;
    }
    _mm512_storeu_si512(d + 128, v);
    _mm512_storeu_si512(d + 192, v);
    /* aligned 256-B turns from the first 64-B boundary past d + 256 - 64
     * until 512 B before the end; the unaligned last 256 B cover the rest */
    unsigned char *p = (unsigned char *)(((uintptr_t)d + 256) & ~(uintptr_t)63);
    unsigned char *last = end - 256;
    for (; p < last; p += 256) {
        _mm512_store_si512(p, v);
        _mm512_store_si512(p + 64, v);
        _mm512_store_si512(p + 128, v);
        _mm512_store_si512(p + 192, v);
    }
    _mm512_storeu_si512(last, v);
    _mm512_storeu_si512(last + 64, v);
    _mm512_storeu_si512(last + 128, v);
    _mm512_storeu_si512(last + 192, v);
    return dst;
}

#endif /* SYSPATH_HELPERS_MEMSET_AVX512_H */
