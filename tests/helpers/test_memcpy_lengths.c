/*
 * test_memcpy_lengths.c — every memcpy variant this CPU has, at every length
 * 0..1024 x every destination alignment 0..63 x every source alignment 0..63,
 * then powers of two (and neighbours) up to 1 MiB at a spread of alignment
 * pairs. The source holds every byte value (0x00, 0x41, 0x80, 0xFF included).
 *
 * Each case: 64 guard bytes on both sides of dst untouched, dst[0..n) equal
 * to src[0..n), the source (and its surroundings) unchanged, return value dst.
 * Guards alternate between two values so a stray copy of a source byte that
 * happens to equal one guard value is still caught by the next case.
 */
#include "helpers_test.h"

#define GUARD 64

static unsigned char *srcwin, *master;   /* source window and its pristine copy */
static size_t srclen;

static void one(sp_memcpy_fn fn, unsigned char *win, size_t n, size_t da, size_t sa)
{
    unsigned char g = (sp_t.cases & 1) ? 0xa5 : 0x5a;
    unsigned char *dst = win + GUARD + da;
    const unsigned char *src = srcwin + GUARD + sa;
    sp_t.n = n;
    sp_t.align = da;
    sp_t.align2 = sa;
    sp_t.cases++;
    memset(win, g, GUARD + da + n + GUARD);
    void *r = fn(dst, src, n);
    size_t i;
    if (r != dst)
        sp_t_fail("n=%zu dst_align=%zu src_align=%zu: returned %p, expected dst %p",
                  n, da, sa, r, (void *)dst);
    if ((i = sp_t_first_not(win, g, GUARD + da)) != GUARD + da)
        sp_t_fail("n=%zu dst_align=%zu src_align=%zu: wrote before dst (dst-%zu)",
                  n, da, sa, GUARD + da - i);
    if ((i = sp_t_first_diff(dst, src, n)) != n)
        sp_t_fail("n=%zu dst_align=%zu src_align=%zu: dst[%zu] is 0x%02x, src[%zu] is 0x%02x",
                  n, da, sa, i, dst[i], i, src[i]);
    if ((i = sp_t_first_not(dst + n, g, GUARD)) != GUARD)
        sp_t_fail("n=%zu dst_align=%zu src_align=%zu: wrote past the end (dst[n+%zu] is 0x%02x)",
                  n, da, sa, i, dst[n + i]);
    if (memcmp(srcwin + sa, master + sa, GUARD + n + GUARD) != 0)
        sp_t_fail("n=%zu dst_align=%zu src_align=%zu: the source changed", n, da, sa);
}

int main(int argc, char **argv)
{
    sp_t_init(argc, argv, "Every memcpy variant: lengths 0..1024 x dst and src alignments 0..63, powers of two to 1 MiB.");
    size_t max_len = sp_t.quick ? 128 : 1024, max_align = sp_t.quick ? 8 : 64;
    size_t big = sp_t.quick ? 0 : (size_t)1 << 20;
    srclen = 2 * GUARD + 64 + big + 1 + 4096;
    struct sp_t_map sm = sp_t_guarded(srclen), dm = sp_t_guarded(srclen);
    srcwin = sm.lo;
    master = malloc(srclen);
    if (!master)
        return 2;
    /* 167 is odd, so every 256 consecutive bytes hold every value once; the
     * >> 8 term keeps windows 256 bytes apart from being identical */
    for (size_t i = 0; i < srclen; i++)
        srcwin[i] = master[i] = (unsigned char)(i * 167 + 13 + (i >> 8));

    static const size_t pairs[][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 }, { 7, 33 }, { 63, 63 },
                                       { 32, 1 }, { 15, 16 }, { 31, 0 } };
    for (const struct sp_memcpy_variant *v = sp_memcpy_variants; v->name; v++) {
        if (!sp_t_begin("memcpy", v->name, v->requires))
            continue;
        for (size_t n = 0; n <= max_len; n++)
            for (size_t da = 0; da < max_align; da++)
                for (size_t sa = 0; sa < max_align; sa++)
                    one(v->fn, dm.lo, n, da, sa);
        for (size_t p = 2048; p <= big; p *= 2) {
            for (size_t n = p - 1; n <= p + 1; n++) {
                if (p <= 65536) {
                    for (size_t a = 0; a < 64; a++) {
                        one(v->fn, dm.lo, n, a, 0);
                        one(v->fn, dm.lo, n, 0, a);
                        one(v->fn, dm.lo, n, a, 63 - a);
                    }
                } else {
                    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++)
                        one(v->fn, dm.lo, n, pairs[k][0], pairs[k][1]);
                }
            }
        }
        sp_t_end();
    }
    free(master);
    return sp_t_exit();
}
