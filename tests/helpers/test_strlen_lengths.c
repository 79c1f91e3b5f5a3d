/*
 * test_strlen_lengths.c — every strlen variant this CPU has, at every length
 * 0..1024 and every start alignment 0..63, then powers of two (and
 * neighbours) up to 1 MiB.
 *
 * The string's bytes cycle through every non-zero value (0x80..0xFF
 * included: a signed-char bug shows). The bytes before the string, which the
 * aligned-load variants read and must ignore, are zeros; the bytes after the
 * terminator are non-zero, so a variant that misses the terminator finds no
 * other one nearby and returns a visibly wrong length.
 */
#include "helpers_test.h"

#define BEFORE 128    /* zeros before the string: more than one 64-byte load */
#define AFTER  320    /* non-zero bytes after the terminator: more than one 256-byte block */

static void one(sp_strlen_fn fn, unsigned char *win, size_t n, size_t align)
{
    unsigned char *s = win + BEFORE + align;
    sp_t.n = n;
    sp_t.align = align;
    sp_t.cases++;
    memset(win, 0, BEFORE + align);
    for (size_t i = 0; i < n; i++)
        s[i] = (unsigned char)(1 + (i * 37 + align * 11) % 255);
    s[n] = 0;
    memset(s + n + 1, 0xff, AFTER);
    size_t got = fn((const char *)s);
    if (got != n)
        sp_t_fail("length %zu at alignment %zu: returned %zu", n, align, got);
}

int main(int argc, char **argv)
{
    sp_t_init(argc, argv, "Every strlen variant: lengths 0..1024 x alignments 0..63, powers of two to 1 MiB.");
    size_t max_len = sp_t.quick ? 128 : 1024, max_align = sp_t.quick ? 16 : 64;
    size_t big = sp_t.quick ? 0 : (size_t)1 << 20;
    struct sp_t_map m = sp_t_guarded(BEFORE + 64 + big + 2 + AFTER + 4096);

    for (const struct sp_strlen_variant *v = sp_strlen_variants; v->name; v++) {
        if (!sp_t_begin("strlen", v->name, v->requires))
            continue;
        for (size_t n = 0; n <= max_len; n++)
            for (size_t a = 0; a < max_align; a++)
                one(v->fn, m.lo, n, a);
        for (size_t p = 2048; p <= big; p *= 2)
            for (size_t n = p - 1; n <= p + 1; n++)
                for (size_t a = 0; a < 64; a += (p > 65536 ? 21 : 1))
                    one(v->fn, m.lo, n, a);
        sp_t_end();
    }
    return sp_t_exit();
}
