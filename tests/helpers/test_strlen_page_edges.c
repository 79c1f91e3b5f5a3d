/*
 * test_strlen_page_edges.c — every strlen variant on strings whose
 * terminator is the last byte before a PROT_NONE page, for every length
 * 0..1024 (so every alignment 0..63 of the start against the page end) and
 * powers of two up to 64 KiB: a variant that loads past the terminator into
 * the next page faults, and the fault is reported with the case. Also strings
 * that start right after a PROT_NONE page, at every alignment 0..63.
 */
#include "helpers_test.h"

static void fill(unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s[i] = (unsigned char)(0x80 + i % 128);   /* high bytes: never 0 */
    s[n] = 0;
}

static void check(sp_strlen_fn fn, const unsigned char *s, size_t n)
{
    sp_t.n = n;
    sp_t.align = (uintptr_t)s & 63;
    sp_t.cases++;
    size_t got = fn((const char *)s);
    if (got != n)
        sp_t_fail("length %zu at alignment %zu: returned %zu", n, (size_t)sp_t.align, got);
}

int main(int argc, char **argv)
{
    sp_t_init(argc, argv, "Every strlen variant on strings ending at / starting after a PROT_NONE page.");
    size_t max_len = sp_t.quick ? 128 : 1024;
    size_t big = sp_t.quick ? 4096 : 65536;
    struct sp_t_map m = sp_t_guarded(big + 128);

    for (const struct sp_strlen_variant *v = sp_strlen_variants; v->name; v++) {
        if (!sp_t_begin("strlen", v->name, v->requires))
            continue;
        for (size_t n = 0; n <= max_len; n++) {
            unsigned char *s = m.hi - 1 - n;     /* terminator = last mapped byte */
            memset(m.lo, 0, (size_t)(s - m.lo));
            fill(s, n);
            check(v->fn, s, n);
        }
        for (size_t p = 2048; p <= big; p *= 2)
            for (size_t n = p - 1; n <= p + 1 && n + 1 <= big; n++) {
                unsigned char *s = m.hi - 1 - n;
                fill(s, n);
                check(v->fn, s, n);
            }
        for (size_t a = 0; a < 64; a++)
            for (size_t n = 0; n <= max_len; n += 13) {
                fill(m.lo + a, n);
                check(v->fn, m.lo + a, n);
            }
        sp_t_end();
    }
    return sp_t_exit();
}
