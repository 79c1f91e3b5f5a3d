/*
 * internal.h — what the helper files share and nobody outside impl/helpers/ needs.
 */
#ifndef SYSPATH_HELPERS_INTERNAL_H
#define SYSPATH_HELPERS_INTERNAL_H

#include "syspath/helpers.h"
#include <emmintrin.h>

/* Word-sized loads and stores through any buffer: may_alias tells the compiler
 * these pointers can alias bytes of any type (strict aliasing would otherwise
 * allow it to reorder them against char accesses), aligned(1) that they may be
 * unaligned. */
typedef uint64_t __attribute__((may_alias, aligned(1))) sp_u64u;
typedef uint32_t __attribute__((may_alias, aligned(1))) sp_u32u;
typedef uint16_t __attribute__((may_alias, aligned(1))) sp_u16u;
typedef uint64_t __attribute__((may_alias)) sp_u64a;   /* 8-byte aligned */

/* The strlen variants load whole aligned words/vectors that may reach past
 * the terminator (never past the page). That is safe on the hardware but an
 * out-of-bounds access to AddressSanitizer, so those functions are not
 * instrumented. */
#define SP_NO_ASAN __attribute__((no_sanitize_address))

/* Kernels the auto variants and syspath-calibrate share but that are not
 * table rows of their own (bench-helpers' variant list names the rows). */
void *sp_memcpy_sse2(void *dst, const void *src, size_t n);
void *sp_memcpy_nt(void *dst, const void *src, size_t n);      /* SSE2 streaming stores */

/* Code that may run before the program is fully relocated (ifunc
 * resolvers): not instrumented by the sanitizers, whose runtime is not up yet. */
#define SP_RAW_FN __attribute__((no_sanitize("address", "undefined")))
/* sp_cpu_features() without SYSPATH_CPU_MASK and the libc-erms-env bit. */
unsigned sp_cpu_detect_hw(void);
/* cpuid's vendor is Intel (resolvers may call it too) */
int sp_cpu_is_intel(void);

/*
 * memset/auto and memcpy/auto (memset_auto.c): an ifunc picks the AVX-512,
 * AVX2 or SSE2 build once, while the program is loaded, so
 * the table row is the implementation itself and a call costs what a call
 * to glibc's memset costs. Each build compares n against its *_lim and runs
 * its inlined vector code below it; at or above it, it asks the family's
 * path function (sp_memset_auto_path, sp_memcpy_auto_path) and runs its own
 * vector code for a vector size past a window (helpers.h: rep and nt are
 * windows, and the vector loop may win again above one); everything else
 * goes to *_big (baseline code): the first-call set-up of the thresholds,
 * rep string, streaming stores.
 *   lim = the lower of the two windows' starts, the first size that may
 *   leave the vector class; 0 until
 *   sp_auto_thresholds() has run, so the first call always takes the big
 *   path, which sets it up. A build's lim stays 0 when SYSPATH_CPU_MASK
 *   hides its features (the resolver cannot read the environment): the
 *   AVX-512 build then passes every call to the AVX2 build, and the AVX2
 *   build every call to *_big, which then uses the SSE2 vector code.
 * The lims are written with release and read relaxed (plain loads on
 * x86): a stale 0 only costs one trip through *_big, which synchronises
 * with the set-up, and a lim other than 0 is written after every other field.
 *
 * Where the fields lie matters. Every small call loads its lim, and a load
 * whose address matches a store still in flight in its low 12 bits waits
 * for it (memory disambiguation compares only those bits): with the fields
 * where the linker put them, 0x20 into a page, every memset or memcpy of
 * 1-64 B to a page-aligned buffer (the bench's rows; page-aligned and
 * large allocations in a program) made the next call's lim load wait on its
 * stores (glibc's small paths load nothing). With every memset row of 1-64
 * B interleaved, 15 repetitions each, memset/auto read 0.82-0.95x glibc's
 * speed in 26 repetitions of 105 with the fields there, and in 1 of 105
 * with them 3 KiB into a page. So the struct starts a page and its fields
 * sit SP_AUTO_CFG_OFFSET into it, where no call of up to 3 KiB from the
 * start of a page-aligned buffer reaches. (Any offset is some buffer's: a
 * call that stores to the fields' offset still delays the next call's load
 * by a few cycles, as before, but page starts are where buffers crowd.)
 */
#define SP_AUTO_CFG_OFFSET 3072
struct sp_auto_cfg {
    unsigned char page_offset[SP_AUTO_CFG_OFFSET];   /* never used: only moves the fields */
    size_t set_lim_avx512, set_lim_avx2, set_lim_sse2;
    size_t cpy_lim_avx512, cpy_lim_avx2, cpy_lim_sse2;
    /* the AVX-512 builds run rep stosb / rep movsb themselves for
     * *_lim_avx512 <= n < this: when the rep window starts below the nt
     * window, the lower of rep's end and nt's start, else 0 (and 0 under
     * the mask) */
    size_t set_rep_end_avx512, cpy_rep_end_avx512;
    /* 1: memset/auto adapts from SP_ADAPT_FROM up (memset_adapt.c); the
     * memset lims are then at most SP_ADAPT_FROM, and the inline rep class
     * ends there */
    size_t set_adapt;
};
extern struct sp_auto_cfg sp_auto_cfg;
void *sp_memset_auto_avx512(void *dst, int c, size_t n);
void *sp_memset_auto_avx2(void *dst, int c, size_t n);
void *sp_memcpy_auto_avx512(void *dst, const void *src, size_t n);
void *sp_memcpy_auto_avx2(void *dst, const void *src, size_t n);
void *sp_memset_auto_big(void *dst, int c, size_t n);
void *sp_memcpy_auto_big(void *dst, const void *src, size_t n);
#define SP_LIM(field) __atomic_load_n(&sp_auto_cfg.field, __ATOMIC_RELAXED)

/* memset/auto's run-time choice between rep stosb and calibration's other
 * arm from 1 MiB up (memset_adapt.c): per power-of-two bucket of sizes,
 * each arm's last SP_ADAPT_WINDOW samples (TSC ticks per 4 KiB, 0 = empty),
 * the calls, and how many each arm ran. An arm's cost is a low quantile of
 * its window once it holds SP_ADAPT_MIN_SAMPLES (sp_adapt_cost; 0 before). */
#define SP_ADAPT_FROM ((size_t)1 << 20)
#define SP_ADAPT_EXPLORE 16
#define SP_ADAPT_WINDOW 8
#define SP_ADAPT_MIN_SAMPLES 3
#define SP_ADAPT_MARGIN 16                 /* the other arm must beat rep by 1/16 */
/* the arms: rep stosb, and calibration's other choice at that size (the
 * build's vector loop, or non-temporal stores in an nt window) */
enum { SP_ADAPT_OTHER = 0, SP_ADAPT_REP = 1 };
struct sp_adapt_bucket {
    uint32_t window[2][SP_ADAPT_WINDOW];
    unsigned calls, runs[2];
};
uint32_t sp_adapt_cost(const struct sp_adapt_bucket *b, int arm);
int sp_adapt_choose(struct sp_adapt_bucket *b);
void sp_adapt_record(struct sp_adapt_bucket *b, int arm, uint64_t ticks, size_t n);
/* other: the arm besides rep stosb (sp_memset_nt in an nt window, else the
 * build's vector loop) */
void *sp_memset_adapt(void *dst, int c, size_t n, sp_memset_fn other);

/* A build past its fast path (lim: its own lim field, 0 under the mask):
 * does the run-time choice take n? */
static inline int sp_memset_adapts(size_t n, size_t lim)
{
    return n >= SP_ADAPT_FROM && lim && SP_LIM(set_adapt);
}
const struct sp_adapt_bucket *sp_memset_adapt_bucket(size_t n);

/* n in the window [start, end) of struct sp_auto_thresholds (helpers.h):
 * a start of SP_THRESHOLD_NEVER is no window, an end of it an open one */
static inline int sp_in_window(size_t n, size_t start, size_t end)
{
    return n >= start && n < end;
}

/* rep movsb may run for this pair (helpers.h, SP_REP_MIN_DISTANCE): the
 * destination is not just past the source in page-offset terms. The
 * distance is the same after dst is rounded up to 64 B (src moves with it). */
static inline int sp_rep_distance_ok(const void *dst, const void *src)
{
    return (((uintptr_t)dst - (uintptr_t)src) & 0xFFF) >= SP_REP_MIN_DISTANCE;
}

/* Stores for 0 <= n < 16 bytes of the 8-byte pattern v at d, as at most two
 * overlapping stores per size class (no loop, no branch per byte). */
static inline void sp_store_small(unsigned char *d, uint64_t v, size_t n)
{
    if (n >= 8) {
        *(sp_u64u *)d = v;
        *(sp_u64u *)(d + n - 8) = v;
    } else if (n >= 4) {
        *(sp_u32u *)d = (uint32_t)v;
        *(sp_u32u *)(d + n - 4) = (uint32_t)v;
    } else if (n >= 2) {
        *(sp_u16u *)d = (uint16_t)v;
        *(sp_u16u *)(d + n - 2) = (uint16_t)v;
    } else if (n == 1) {
        *d = (unsigned char)v;
    }
}

/* Copies 0 <= n <= 64 bytes behind three size tests, every load before any
 * store, nothing read or written outside [s, s + n) and [d, d + n).
 *
 * Why so few tests: in a program's stream of calls the sizes come at
 * random (the mix rows draw them from production distributions), and
 * each test a random size can fall either side of is a branch the CPU
 * mispredicts in proportion: the usual ladder (64, 32, 16, 8, 4, 2, 1)
 * pays for up to seven. Here one class covers 16..64 and one 4..15, each
 * by four overlapping moves whose offsets are computed (cmov), not
 * branched on:
 *   16..64   16-B moves at 0, min(16, n - 16), max(0, n - 32), n - 16
 *   4..15    4-B moves at 0, min(4, n - 4), max(0, n - 8), n - 4
 *   1..3     bytes 0, n / 2 and n - 1
 * Each set covers the range for every n of its class (at n = 64 the four
 * moves tile it; at n = 16 they are one move four times). At a size the
 * CPU predicts (one size over and over) it costs a cycle more or less
 * than the ladder, by size. */
static inline void sp_copy_upto64(unsigned char *d, const unsigned char *s, size_t n)
{
    if (n >= 16) {
        size_t b = n - 16 < 16 ? n - 16 : 16;
        size_t c = n > 32 ? n - 32 : 0;
        __m128i x0 = _mm_loadu_si128((const __m128i *)s);
        __m128i x1 = _mm_loadu_si128((const __m128i *)(s + b));
        __m128i x2 = _mm_loadu_si128((const __m128i *)(s + c));
        __m128i x3 = _mm_loadu_si128((const __m128i *)(s + n - 16));
        _mm_storeu_si128((__m128i *)d, x0);
        _mm_storeu_si128((__m128i *)(d + b), x1);
        _mm_storeu_si128((__m128i *)(d + c), x2);
        _mm_storeu_si128((__m128i *)(d + n - 16), x3);
    } else if (n >= 4) {
        size_t b = n - 4 < 4 ? n - 4 : 4;
        size_t c = n > 8 ? n - 8 : 0;
        uint32_t w0 = *(const sp_u32u *)s, w1 = *(const sp_u32u *)(s + b);
        uint32_t w2 = *(const sp_u32u *)(s + c), w3 = *(const sp_u32u *)(s + n - 4);
        *(sp_u32u *)d = w0;
        *(sp_u32u *)(d + b) = w1;
        *(sp_u32u *)(d + c) = w2;
        *(sp_u32u *)(d + n - 4) = w3;
    } else if (n) {
        unsigned char b0 = s[0], b1 = s[n >> 1], b2 = s[n - 1];
        d[0] = b0;
        d[n >> 1] = b1;
        d[n - 1] = b2;
    }
}

#endif /* SYSPATH_HELPERS_INTERNAL_H */
