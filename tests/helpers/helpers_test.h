/*
 * tests/helpers/helpers_test.h — what the helper correctness tests share: option
 * parsing, the skip/ok/FAIL lines, guard-paged buffers, a fault report that
 * names the case, and fast "is this span all byte b" checks.
 *
 * Every test binary prints one line per variant:
 *   ok memset/avx2 (262400 cases)
 *   SKIP memset/avx512: needs avx512f avx512bw; this CPU (after SYSPATH_CPU_MASK) has: sse2 ...
 *   FAIL memset/word: 3 failing cases
 * and exits 0 (all ran variants passed), 1 (a failure), 2 (bad usage) or 77
 * (nothing could run here, e.g. --only avx512 on a CPU without it: ctest SKIP).
 * tests/helpers/test_cpu_mask.sh reads these lines. Options:
 *   --quick        small lengths and alignments only (used by the mask tests)
 *   --only NAME    just the variant NAME (e.g. auto, for the env-threshold runs)
 */
#ifndef SYSPATH_TESTS_HELPERS_TEST_H
#define SYSPATH_TESTS_HELPERS_TEST_H

#define _GNU_SOURCE
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "syspath/helpers.h"

/* every test uses a different subset of these */
#define SP_T_FN __attribute__((unused)) static

static struct {
    const char *prog;
    int quick;
    const char *only;
    int only_seen;
    int ran_variants;
    int failed_variants;
    /* the case being run, for the fault report (plain stores: cheap per case) */
    const char *family, *variant;
    volatile size_t n, align, align2;
    volatile int value;
    /* per variant */
    long cases, failures;
} sp_t;

#define SP_T_MAX_REPORTS 10   /* failing cases printed per variant */

SP_T_FN void sp_t_fault(int sig)
{
    char buf[300];
    int len = snprintf(buf, sizeof buf,
                       "FAIL %s/%s: %s during n=%zu align=%zu align2=%zu value=0x%x "
                       "(an access outside the buffer hit a PROT_NONE page)\n",
                       sp_t.family ? sp_t.family : "?", sp_t.variant ? sp_t.variant : "?",
                       sig == SIGSEGV ? "SIGSEGV" : "SIGBUS", (size_t)sp_t.n,
                       (size_t)sp_t.align, (size_t)sp_t.align2, (unsigned)sp_t.value);
    if (len > 0)
        (void)!write(2, buf, (size_t)len);
    _exit(1);
}

SP_T_FN void sp_t_init(int argc, char **argv, const char *what)
{
    sp_t.prog = argv[0];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            sp_t.quick = 1;
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            sp_t.only = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0) {
            printf("usage: %s [--quick] [--only VARIANT]\n%s\n", argv[0], what);
            exit(0);
        } else {
            fprintf(stderr, "%s: unknown argument '%s' (try --help)\n", argv[0], argv[i]);
            exit(2);
        }
    }
    struct sigaction sa = { .sa_handler = sp_t_fault };
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

/* 1 if the variant should run; prints the SKIP line when the CPU lacks it. */
SP_T_FN int sp_t_begin(const char *family, const char *variant, unsigned requires)
{
    if (sp_t.only && strcmp(sp_t.only, variant) != 0)
        return 0;
    sp_t.only_seen = 1;
    if (!sp_cpu_has(requires)) {
        char need[160], have[160];
        sp_cpu_feature_names(requires & ~sp_cpu_features(), need, sizeof need);
        sp_cpu_feature_names(sp_cpu_features(), have, sizeof have);
        if ((requires & SP_CPU_LIBC_ERMS_ENV) && !sp_libc_erms_active())
            printf("SKIP %s/%s: runs only in a process started with GLIBC_TUNABLES=%s\n",
                   family, variant, SP_LIBC_ERMS_TUNABLES);
        else
            printf("SKIP %s/%s: needs %s; this CPU (after SYSPATH_CPU_MASK) has: %s\n",
                   family, variant, need, have[0] ? have : "none");
        fflush(stdout);
        return 0;
    }
    sp_t.family = family;
    sp_t.variant = variant;
    sp_t.ran_variants++;
    sp_t.cases = 0;
    sp_t.failures = 0;
    return 1;
}

SP_T_FN void sp_t_end(void)
{
    if (sp_t.failures) {
        printf("FAIL %s/%s: %ld failing cases of %ld\n", sp_t.family, sp_t.variant,
               sp_t.failures, sp_t.cases);
        sp_t.failed_variants++;
    } else {
        printf("ok %s/%s (%ld cases)\n", sp_t.family, sp_t.variant, sp_t.cases);
    }
    fflush(stdout);
    sp_t.family = sp_t.variant = NULL;
}

/* Records a failing case; prints the first few. */
__attribute__((format(printf, 1, 2))) SP_T_FN void sp_t_fail(const char *fmt, ...)
{
    if (sp_t.failures++ >= SP_T_MAX_REPORTS)
        return;
    va_list ap;
    va_start(ap, fmt);
    printf("  %s/%s: ", sp_t.family, sp_t.variant);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

SP_T_FN int sp_t_exit(void)
{
    if (sp_t.only && !sp_t.only_seen) {
        fprintf(stderr, "%s: no variant named '%s'\n", sp_t.prog, sp_t.only);
        return 2;
    }
    if (sp_t.failed_variants)
        return 1;
    if (sp_t.ran_variants == 0) {
        printf("SKIP: no variant could run on this CPU\n");
        return 77;
    }
    return 0;
}

/* A buffer of `len` bytes (rounded up to pages) with a PROT_NONE page on each
 * side: lo is its first byte, hi one past its last. An access below lo or at
 * hi or beyond faults, and the fault handler names the case. */
struct sp_t_map { unsigned char *lo, *hi; };

SP_T_FN struct sp_t_map sp_t_guarded(size_t len)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    len = (len + pg - 1) / pg * pg;
    unsigned char *m = mmap(NULL, len + 2 * pg, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || mprotect(m, pg, PROT_NONE) != 0 ||
        mprotect(m + pg + len, pg, PROT_NONE) != 0) {
        perror("mmap/mprotect guard pages");
        exit(2);
    }
    return (struct sp_t_map){ .lo = m + pg, .hi = m + pg + len };
}

/* Index of the first byte of p[0..len) that is not b, or len if all are.
 * memcmp against a buffer of b's first (fast), then the slow search. */
SP_T_FN size_t sp_t_first_not(const unsigned char *p, unsigned char b, size_t len)
{
    static unsigned char *ref[256];
    static const size_t chunk = 1 << 16;
    if (!ref[b]) {
        ref[b] = malloc(chunk);
        if (!ref[b]) {
            perror("malloc");
            exit(2);
        }
        memset(ref[b], b, chunk);
    }
    for (size_t off = 0; off < len; off += chunk) {
        size_t k = len - off < chunk ? len - off : chunk;
        if (memcmp(p + off, ref[b], k) != 0) {
            for (size_t i = off; i < off + k; i++)
                if (p[i] != b)
                    return i;
        }
    }
    return len;
}

/* Index of the first differing byte of a and b, or len. */
SP_T_FN size_t sp_t_first_diff(const unsigned char *a, const unsigned char *b, size_t len)
{
    if (memcmp(a, b, len) == 0)
        return len;
    size_t i = 0;
    while (a[i] == b[i])
        i++;
    return i;
}

#endif /* SYSPATH_TESTS_HELPERS_TEST_H */
