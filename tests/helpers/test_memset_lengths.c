/*
 * test_memset_lengths.c — every memset variant this CPU has, at every length
 * 0..1024 and every destination alignment 0..63, then powers of two (and
 * their neighbours) up to 1 MiB; fill values 0, 0x41, 0x80, 0xFF.
 *
 * Each case: 64 guard bytes on both sides (a value different from the fill)
 * must be untouched, every byte of dst[0..n) must be the fill, the return
 * value must be dst. The fill is passed with junk above the low byte (memset
 * converts c to unsigned char, so only the low byte may be stored).
 */
#include "helpers_test.h"

#define GUARD 64

static const int fills[] = { 0x00, 0x41, 0x80, 0xff };

static void one(sp_memset_fn fn, unsigned char *win, size_t n, size_t align, int c)
{
    unsigned char g = (unsigned char)~c;
    unsigned char *dst = win + GUARD + align;
    int c_arg = c + 256 * ((int)(n % 7) - 3);     /* same low byte, junk above */
    sp_t.n = n;
    sp_t.align = align;
    sp_t.value = c;
    sp_t.cases++;
    memset(win, g, GUARD + align + n + GUARD);
    void *r = fn(dst, c_arg, n);
    size_t i;
    if (r != dst)
        sp_t_fail("n=%zu align=%zu c=0x%02x: returned %p, expected dst %p", n, align, c, r, (void *)dst);
    if ((i = sp_t_first_not(win, g, GUARD + align)) != GUARD + align)
        sp_t_fail("n=%zu align=%zu c=0x%02x: wrote before dst (byte dst-%zu is 0x%02x, guard 0x%02x)",
                  n, align, c, GUARD + align - i, win[i], g);
    if ((i = sp_t_first_not(dst, (unsigned char)c, n)) != n)
        sp_t_fail("n=%zu align=%zu c=0x%02x: dst[%zu] is 0x%02x, expected 0x%02x",
                  n, align, c, i, dst[i], c);
    if ((i = sp_t_first_not(dst + n, g, GUARD)) != GUARD)
        sp_t_fail("n=%zu align=%zu c=0x%02x: wrote past the end (dst[n+%zu] is 0x%02x, guard 0x%02x)",
                  n, align, c, i, dst[n + i], g);
}

int main(int argc, char **argv)
{
    sp_t_init(argc, argv, "Every memset variant: lengths 0..1024 x alignments 0..63, powers of two to 1 MiB.");
    size_t max_len = sp_t.quick ? 128 : 1024, max_align = sp_t.quick ? 16 : 64;
    size_t nfills = sp_t.quick ? 2 : 4;
    size_t big = sp_t.quick ? 0 : (size_t)1 << 20;
    struct sp_t_map m = sp_t_guarded(2 * GUARD + 64 + big + 1 + (1 << 12));
    unsigned char *win = m.lo;

    for (const struct sp_memset_variant *v = sp_memset_variants; v->name; v++) {
        if (!sp_t_begin("memset", v->name, v->requires))
            continue;
        for (size_t f = 0; f < nfills; f++)
            for (size_t n = 0; n <= max_len; n++)
                for (size_t a = 0; a < max_align; a++)
                    one(v->fn, win, n, a, fills[f]);
        for (size_t p = 2048; p <= big; p *= 2) {
            for (size_t n = p - 1; n <= p + 1; n++) {
                for (size_t a = 0; a < 64; a++) {
                    /* every alignment up to 64 KiB; beyond, a spread of them */
                    if (p > 65536 && a != 0 && a != 1 && a != 15 && a != 32 && a != 63)
                        continue;
                    for (size_t f = 0; f < nfills; f++)
                        one(v->fn, win, n, a, fills[f]);
                }
            }
        }
        sp_t_end();
    }
    return sp_t_exit();
}
