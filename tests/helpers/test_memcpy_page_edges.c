/*
 * test_memcpy_page_edges.c — every memcpy variant with dst, then src, flush
 * against a PROT_NONE page: ending at the last mapped byte (an over-write or
 * over-read faults) and starting at the first one (an under-run faults), for
 * every length 0..1024 and powers of two up to 1 MiB.
 */
#include "helpers_test.h"

static void check(sp_memcpy_fn fn, unsigned char *dst, const unsigned char *src, size_t n)
{
    sp_t.n = n;
    sp_t.align = (uintptr_t)dst & 63;
    sp_t.align2 = (uintptr_t)src & 63;
    sp_t.cases++;
    memset(dst, 0xa5, n);
    void *r = fn(dst, src, n);
    size_t i;
    if (r != dst)
        sp_t_fail("n=%zu: returned %p, expected dst %p", n, r, (void *)dst);
    if ((i = sp_t_first_diff(dst, src, n)) != n)
        sp_t_fail("n=%zu dst_align=%zu src_align=%zu: dst[%zu] is 0x%02x, src[%zu] is 0x%02x",
                  n, (size_t)sp_t.align, (size_t)sp_t.align2, i, dst[i], i, src[i]);
}

int main(int argc, char **argv)
{
    sp_t_init(argc, argv, "Every memcpy variant with dst or src flush against PROT_NONE pages.");
    size_t max_len = sp_t.quick ? 128 : 1024;
    size_t big = sp_t.quick ? 4096 : (size_t)1 << 20;
    struct sp_t_map d = sp_t_guarded(big + 128), s = sp_t_guarded(big + 128);
    for (unsigned char *p = s.lo; p < s.hi; p++)
        *p = (unsigned char)((p - s.lo) * 167 + 13);
    unsigned char *dmid = d.lo + 64 + 5, *smid = s.lo + 64 + 3;   /* away from both edges */

    for (const struct sp_memcpy_variant *v = sp_memcpy_variants; v->name; v++) {
        if (!sp_t_begin("memcpy", v->name, v->requires))
            continue;
        for (size_t n = 0; n <= max_len; n++) {
            check(v->fn, d.hi - n, smid, n);          /* dst ends at the guard page */
            check(v->fn, dmid, s.hi - n, n);          /* src ends at the guard page */
            check(v->fn, d.hi - n, s.hi - n, n);      /* both */
            check(v->fn, d.lo + (n & 63), s.lo + ((n * 7) & 63), n);   /* both start near one */
            check(v->fn, d.lo, s.lo, n);
        }
        for (size_t p = 2048; p <= big; p *= 2)
            for (size_t n = p - 1; n <= p + 1 && n <= big; n++) {
                check(v->fn, d.hi - n, s.hi - n, n);
                check(v->fn, d.hi - n, s.lo + 1, n);
                check(v->fn, d.lo + 1, s.hi - n, n);
                check(v->fn, d.lo, s.lo, n);
            }
        sp_t_end();
    }
    return sp_t_exit();
}
