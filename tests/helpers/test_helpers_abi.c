/*
 * test_helpers_abi.c — every helper through sp_abi_check (tests/abi/abi.h):
 * callee-saved registers (rbx, rbp, r12-r15) intact, rsp back where it was,
 * DF clear on return, MXCSR / x87 control untouched — and the result right,
 * with the arguments loaded straight into the registers (junk above the
 * 32-bit int / 16-bit uint16_t arguments, which the ABI leaves undefined).
 *
 * The NASM helpers are the point (a compiler keeps the ABI for C); every
 * other variant the CPU has goes through the same check because it costs
 * nothing. The NASM ones are named here so the test fails if one goes missing
 * from its table.
 */
#include "helpers_test.h"

#include <arpa/inet.h>

#include "abi.h"

static const void *const nasm[] = {
    (const void *)sp_memset_rep_stosb, (const void *)sp_memcpy_rep_movsb,
    (const void *)sp_strlen_repne_scasb, (const void *)sp_htons_tutorial,
    (const void *)sp_htons_rol, (const void *)sp_htons_bswap,
};
static int nasm_checked[6];

static void note_nasm(const void *fn)
{
    for (size_t i = 0; i < sizeof nasm / sizeof nasm[0]; i++)
        if (nasm[i] == fn)
            nasm_checked[i] = 1;
}

static int call(const void *fn, long a0, long a1, long a2, long *ret)
{
    struct sp_abi_call c = { .fn = fn, .args = { a0, a1, a2, 0x5151515151515151l,
                                                 0x6161616161616161l, 0x7171717171717171l } };
    sp_t.cases++;
    if (sp_abi_check(&c) != 0) {
        sp_t_fail("args (%#lx, %#lx, %#lx): ABI broken: %s", a0, a1, a2, c.why);
        return -1;
    }
    *ret = c.ret;
    return 0;
}

static const size_t lens[] = { 0, 1, 7, 15, 16, 31, 33, 64, 100, 255, 256, 257, 1000, 4096, 65537 };
#define NLENS (sizeof lens / sizeof lens[0])

int main(int argc, char **argv)
{
    sp_t_init(argc, argv, "Every helper (NASM ones above all) keeps the SysV ABI.");
    static unsigned char buf[70000 + 128], src[70000 + 128];
    long r;

    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (unsigned char)(i * 167 + 13);

    for (const struct sp_memset_variant *v = sp_memset_variants; v->name; v++) {
        if (!sp_t_begin("memset", v->name, v->requires))
            continue;
        note_nasm((const void *)v->fn);
        for (size_t k = 0; k < NLENS; k++) {
            unsigned char *d = buf + 3;
            memset(buf, 0, sizeof buf);
            /* c = 0x41 with junk in bits 8..63: memset stores (unsigned char)c */
            if (call((const void *)v->fn, (long)d, (long)0x7a7a7a7a00000141l, (long)lens[k], &r) != 0)
                continue;
            if (r != (long)d)
                sp_t_fail("n=%zu: rax = %#lx, expected dst %p", lens[k], r, (void *)d);
            if (sp_t_first_not(d, 0x41, lens[k]) != lens[k] || d[lens[k]] != 0 || d[-1] != 0)
                sp_t_fail("n=%zu: wrong bytes written", lens[k]);
        }
        sp_t_end();
    }
    for (const struct sp_memcpy_variant *v = sp_memcpy_variants; v->name; v++) {
        if (!sp_t_begin("memcpy", v->name, v->requires))
            continue;
        note_nasm((const void *)v->fn);
        for (size_t k = 0; k < NLENS; k++) {
            unsigned char *d = buf + 5;
            memset(buf, 0, sizeof buf);
            if (call((const void *)v->fn, (long)d, (long)(src + 9), (long)lens[k], &r) != 0)
                continue;
            if (r != (long)d)
                sp_t_fail("n=%zu: rax = %#lx, expected dst %p", lens[k], r, (void *)d);
            if (memcmp(d, src + 9, lens[k]) != 0 || d[lens[k]] != 0 || d[-1] != 0)
                sp_t_fail("n=%zu: wrong bytes copied", lens[k]);
        }
        sp_t_end();
    }
    for (const struct sp_strlen_variant *v = sp_strlen_variants; v->name; v++) {
        if (!sp_t_begin("strlen", v->name, v->requires))
            continue;
        note_nasm((const void *)v->fn);
        for (size_t k = 0; k < NLENS; k++) {
            char *s = (char *)buf + 11;
            memset(buf, 0, sizeof buf);
            memset(s, 0xc3, lens[k]);
            if (call((const void *)v->fn, (long)s, 0, 0, &r) != 0)
                continue;
            if (r != (long)lens[k])
                sp_t_fail("length %zu: rax = %ld", lens[k], r);
        }
        sp_t_end();
    }
    for (const struct sp_htons_variant *v = sp_htons_variants; v->name; v++) {
        if (!sp_t_begin("htons", v->name, v->requires))
            continue;
        note_nasm((const void *)v->fn);
        static const unsigned xs[] = { 0, 1, 0x00ff, 0x1234, 0x8000, 0xabcd, 0xffff };
        for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++) {
            if (call((const void *)v->fn, (long)(0x5a5a5a5a5a5a0000ul | xs[k]), 0, 0, &r) != 0)
                continue;
            if ((uint16_t)r != htons((uint16_t)xs[k]))
                sp_t_fail("htons(0x%04x): ax = 0x%04x", xs[k], (unsigned)(uint16_t)r);
        }
        sp_t_end();
    }
    if (!sp_t.only) {
        for (size_t i = 0; i < sizeof nasm / sizeof nasm[0]; i++)
            if (!nasm_checked[i]) {
                printf("FAIL: NASM helper #%zu is in no table, so it was not checked\n", i);
                return 1;
            }
    }
    return sp_t_exit();
}
