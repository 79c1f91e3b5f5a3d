/*
 * test_htons_all.c — every htons variant equals glibc's htons for all 65536
 * inputs; the NASM variants (tutorial, rol, bswap) also leave bits 16..63 of
 * rax zero and ignore junk in bits 16..63 of their argument register, checked
 * through an asm shim that sees the whole of rax.
 */
#include "helpers_test.h"

#include <arpa/inet.h>

unsigned long sp_test_call_u16_raw(sp_htons_fn fn, unsigned long arg);

static int is_nasm(sp_htons_fn fn)
{
    return fn == sp_htons_tutorial || fn == sp_htons_rol || fn == sp_htons_bswap;
}

int main(int argc, char **argv)
{
    sp_t_init(argc, argv, "Every htons variant: all 65536 inputs; NASM ones zero-extend.");
    static const unsigned long junk[] = { 0, 0xffffffffffff0000ul, 0xdead0000ul, 0x1234567800000000ul };
    int nasm_seen = 0;
    for (const struct sp_htons_variant *v = sp_htons_variants; v->name; v++) {
        if (!sp_t_begin("htons", v->name, v->requires))
            continue;
        for (unsigned x = 0; x <= 0xffff; x++) {
            sp_t.n = x;
            sp_t.cases++;
            uint16_t want = htons((uint16_t)x), got = v->fn((uint16_t)x);
            if (got != want)
                sp_t_fail("htons(0x%04x) = 0x%04x, expected 0x%04x", x, got, want);
            if (!is_nasm(v->fn))
                continue;
            for (size_t j = 0; j < sizeof junk / sizeof junk[0]; j++) {
                unsigned long rax = sp_test_call_u16_raw(v->fn, junk[j] | x);
                if (rax != want)
                    sp_t_fail("argument 0x%016lx: rax = 0x%016lx, expected 0x%016lx "
                              "(bits 16..63 must be zero)", junk[j] | x, rax, (unsigned long)want);
            }
        }
        nasm_seen += is_nasm(v->fn);
        sp_t_end();
    }
    if (!sp_t.only && nasm_seen != 3) {
        printf("FAIL: expected the 3 NASM variants in the table, saw %d\n", nasm_seen);
        return 1;
    }
    return sp_t_exit();
}
