/*
 * test_auto_thresholds.c — the size classes of memset/auto and memcpy/auto
 * come from the environment syspath-calibrate --env prints, else from the
 * cache sizes, exactly as helpers.h documents (struct sp_auto_thresholds).
 *
 *   test_auto_thresholds                     no SYSPATH_*THRESHOLD/_END set: the
 *                                            cache-derived defaults, source "cache"
 *   test_auto_thresholds --expect A B C D    ctest sets the four starts: the
 *                                            values (bytes or "never"), source
 *                                            "env"; the ends never, by default
 *   test_auto_thresholds --expect A..L       ctest sets all twelve (starts, ends,
 *                                            rep's second windows): the values,
 *                                            and the paths
 *                                            memset/auto and memcpy/auto take on
 *                                            each side of every window edge
 *   test_auto_thresholds --bad               malformed values: reported on stderr
 *                                            (each variable named), defaults used
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "syspath/helpers.h"

/* the variable the library reads for field i (helpers.h, sp_threshold_vars) */
static const char *var(int i)
{
    return sp_threshold_vars[i].name;
}

static size_t parse(const char *s)
{
    return strcmp(s, "never") == 0 ? SP_THRESHOLD_NEVER : (size_t)strtoull(s, NULL, 10);
}

/* The class the windows give n (helpers.h): nt's window first, then rep's two.
 * w: rep, rep_end, nt, nt_end, rep2, rep2_end. */
static enum sp_auto_path expected(size_t n, const size_t w[6])
{
    if (n >= w[2] && n < w[3])
        return SP_AUTO_NT;
    if ((n >= w[0] && n < w[1]) || (n >= w[4] && n < w[5]))
        return SP_AUTO_REP;
    return SP_AUTO_VECTOR;
}

/* Both families' paths one byte below and at every window edge (and past
 * them): what the code runs is what the variables say. memcpy's source sits
 * half a page from its destination, clear of rep movsb's cliff. */
static void check_paths(const struct sp_auto_thresholds *t)
{
    static unsigned char buf[8192];
    const size_t set_edges[6] = { t->memset_rep, t->memset_rep_end, t->memset_nt,
                                  t->memset_nt_end, t->memset_rep2, t->memset_rep2_end };
    const size_t cpy_edges[6] = { t->memcpy_rep, t->memcpy_rep_end, t->memcpy_nt,
                                  t->memcpy_nt_end, t->memcpy_rep2, t->memcpy_rep2_end };
    for (int e = 0; e < 6; e++) {
        for (int d = -1; d <= 1; d++) {
            size_t n = set_edges[e] + (size_t)d;
            if (set_edges[e] != SP_THRESHOLD_NEVER && n >= 1) {
                enum sp_auto_path want = expected(n, set_edges);
                CHECK(sp_memset_auto_path(n) == want, "memset/auto at %zu B: %s, expected %s", n,
                      sp_auto_path_name(sp_memset_auto_path(n)), sp_auto_path_name(want));
            }
            n = cpy_edges[e] + (size_t)d;
            if (cpy_edges[e] != SP_THRESHOLD_NEVER && n >= 128) {
                enum sp_auto_path want = expected(n, cpy_edges);
                enum sp_auto_path got = sp_memcpy_auto_path(buf, buf + 2048, n);
                CHECK(got == want, "memcpy/auto at %zu B: %s, expected %s", n,
                      sp_auto_path_name(got), sp_auto_path_name(want));
            }
        }
    }
}

int main(int argc, char **argv)
{
    /* capture what the first (reading) call says on stderr */
    FILE *tmp = tmpfile();
    int saved = dup(2);
    if (tmp)
        dup2(fileno(tmp), 2);
    const struct sp_auto_thresholds *t = sp_auto_thresholds();
    fflush(stderr);
    dup2(saved, 2);
    char msg[2048] = "";
    if (tmp) {
        rewind(tmp);
        msg[fread(msg, 1, sizeof msg - 1, tmp)] = '\0';
        fputs(msg, stderr);
    }

    size_t got[SP_THRESHOLD_VARS];
    const char *src[SP_THRESHOLD_VARS];
    for (int i = 0; i < SP_THRESHOLD_VARS; i++)
        got[i] = sp_auto_threshold(i, &src[i]);
    /* the table walk and the struct are one: spot-check a field of each kind */
    CHECK(got[0] == t->memset_rep && got[7] == t->memcpy_nt_end && got[10] == t->memcpy_rep2,
          "sp_auto_threshold(i) must be sp_threshold_vars[i]'s field of the struct");
    for (int i = 0; i < SP_THRESHOLD_VARS; i++)
        printf("%s = %zu (%s)\n", var(i), got[i], src[i]);
    CHECK(sp_auto_thresholds() == t, "a second call must return the same (read-once) values");

    struct sp_cpu_caches c;
    sp_cpu_caches(&c);
    unsigned a = 0, b = 0, cx = 0, d = 0;
    __get_cpuid(0, &a, &b, &cx, &d);
    char vendor[13];
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &cx, 4);
    vendor[12] = '\0';
    int intel = strcmp(vendor, "GenuineIntel") == 0;
    size_t set_rep = SP_THRESHOLD_NEVER, cpy_rep = SP_THRESHOLD_NEVER;
    if (sp_cpu_has(SP_CPU_ERMS)) {
        /* elsewhere a fill keeps the vector loop (rep stosb's slow mode) */
        set_rep = intel ? 8192 : SP_THRESHOLD_NEVER;
        /* and a copy takes rep once its two buffers outgrow L1D: the
         * smallest power of two (>= 64) that is more than half of L1D */
        size_t half_l1d_p2 = 64;
        while (c.l1d && half_l1d_p2 <= c.l1d / 2)
            half_l1d_p2 <<= 1;
        cpy_rep = intel ? 4096 : c.l1d ? half_l1d_p2 : c.l2 ? c.l2 : SP_THRESHOLD_NEVER;
    }
    size_t llc = c.l3 ? c.l3 : c.l2;
    size_t nt = llc ? llc / 4 * 3 : SP_THRESHOLD_NEVER;
    if (intel && c.l2 && c.l2 * 16 < nt)      /* the per-core bound applies on Intel only */
        nt = c.l2 * 16;
    printf("vendor %s, l2 %zu, l3 %zu, erms %d\n", vendor, c.l2, c.l3, sp_cpu_has(SP_CPU_ERMS) != 0);
    size_t dflt[SP_THRESHOLD_VARS] = { set_rep, nt, cpy_rep, nt };
    for (int i = 4; i < SP_THRESHOLD_VARS; i++)
        dflt[i] = SP_THRESHOLD_NEVER;     /* ends and rep's second window: none by default */

    if (argc == 1) {
        for (int i = 0; i < SP_THRESHOLD_VARS; i++) {
            CHECK(getenv(var(i)) == NULL, "%s must not be set for this run", var(i));
            CHECK(got[i] == dflt[i], "%s: %zu, expected the cache-derived %zu", var(i), got[i], dflt[i]);
            CHECK(strcmp(src[i], "cache") == 0, "%s: source '%s', expected cache", var(i), src[i]);
        }
        CHECK(msg[0] == '\0', "nothing to report without variables, got: %s", msg);
    } else if ((argc == 6 || argc == 2 + SP_THRESHOLD_VARS) && strcmp(argv[1], "--expect") == 0) {
        for (int i = 0; i < SP_THRESHOLD_VARS; i++) {
            if (2 + i >= argc) {      /* not given: never, by default */
                CHECK(got[i] == SP_THRESHOLD_NEVER && strcmp(src[i], "cache") == 0,
                      "%s unset: got %zu (%s), expected never by default", var(i), got[i], src[i]);
                continue;
            }
            CHECK(got[i] == parse(argv[2 + i]), "%s=%s: got %zu, expected %s",
                  var(i), getenv(var(i)) ? getenv(var(i)) : "(unset)", got[i], argv[2 + i]);
            CHECK(strcmp(src[i], "env") == 0, "%s: source '%s', expected env", var(i), src[i]);
        }
        CHECK(msg[0] == '\0', "good values must not be reported, got: %s", msg);
        check_paths(t);
    } else if (argc == 2 && strcmp(argv[1], "--bad") == 0) {
        for (int i = 0; i < SP_THRESHOLD_VARS; i++) {
            CHECK(got[i] == dflt[i], "%s='%s': %zu, expected the default %zu",
                  var(i), getenv(var(i)) ? getenv(var(i)) : "(unset)", got[i], dflt[i]);
            CHECK(strcmp(src[i], "cache") == 0, "%s: source '%s', expected cache", var(i), src[i]);
            CHECK(strstr(msg, var(i)) != NULL, "%s's bad value not reported on stderr", var(i));
        }
    } else {
        fprintf(stderr, "usage: %s [--expect A B C D [E .. L] | --bad]\n", argv[0]);
        return 2;
    }
    if (failures)
        return 1;
    printf("ok\n");
    return 0;
}
