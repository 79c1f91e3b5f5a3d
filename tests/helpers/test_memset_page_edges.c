/*
 * test_memset_page_edges.c — every memset variant with the buffer flush
 * against a PROT_NONE page: ending at the last byte before one (an overrun
 * faults) and starting at the first byte after one (an underrun faults), for
 * every length 0..1024 (so every alignment of dst against the page end) and
 * powers of two up to 1 MiB. A fault is reported with the case that caused it.
 */
#include "helpers_test.h"

static const int fills[] = { 0x00, 0x41, 0x80, 0xff };

static void check(sp_memset_fn fn, unsigned char *dst, size_t n, size_t align, int c)
{
    sp_t.n = n;
    sp_t.align = align;
    sp_t.value = c;
    sp_t.cases++;
    void *r = fn(dst, c, n);
    size_t i;
    if (r != dst)
        sp_t_fail("n=%zu align=%zu: returned %p, expected dst %p", n, align, r, (void *)dst);
    if ((i = sp_t_first_not(dst, (unsigned char)c, n)) != n)
        sp_t_fail("n=%zu align=%zu c=0x%02x: dst[%zu] is 0x%02x", n, align, c, i, dst[i]);
}

int main(int argc, char **argv)
{
    sp_t_init(argc, argv, "Every memset variant with dst flush against PROT_NONE pages.");
    size_t max_len = sp_t.quick ? 128 : 1024;
    size_t big = sp_t.quick ? 4096 : (size_t)1 << 20;
    struct sp_t_map m = sp_t_guarded(big + 64);

    for (const struct sp_memset_variant *v = sp_memset_variants; v->name; v++) {
        if (!sp_t_begin("memset", v->name, v->requires))
            continue;
        for (size_t f = 0; f < 4; f++) {
            int c = fills[f];
            /* end flush: the last byte written is the last mapped byte */
            for (size_t n = 0; n <= max_len; n++)
                check(v->fn, m.hi - n, n, (uintptr_t)(m.hi - n) & 63, c);
            for (size_t n = 2048; n <= big; n *= 2)
                for (size_t k = n - 1; k <= n + 1 && k <= big; k++)
                    check(v->fn, m.hi - k, k, (uintptr_t)(m.hi - k) & 63, c);
            /* start flush at every alignment 0..63 past the page start */
            for (size_t a = 0; a < 64; a++)
                for (size_t n = 0; n <= max_len; n += (a ? 7 : 1))
                    check(v->fn, m.lo + a, n, a, c);
            for (size_t n = 2048; n <= big; n *= 2)
                check(v->fn, m.lo, n, 0, c);
        }
        sp_t_end();
    }
    return sp_t_exit();
}
