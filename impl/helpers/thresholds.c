/*
 * thresholds.c — the size classes of memset/auto and memcpy/auto (helpers.h,
 * struct sp_auto_thresholds): from the environment that `syspath-calibrate
 * --env` prints, else from this CPU's cache sizes. Never a figure typed in
 * for one CPU model.
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct sp_auto_thresholds th;
struct sp_auto_cfg sp_auto_cfg;
static pthread_once_t th_once = PTHREAD_ONCE_INIT;

/* "12345", "64K", "2M", "1G" (binary multiples) or "never". 0 on success. */
static int parse_size(const char *s, size_t *out)
{
    if (strcmp(s, "never") == 0) {
        *out = SP_THRESHOLD_NEVER;
        return 0;
    }
    if (!isdigit((unsigned char)s[0]))
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE)
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 'K': case 'k': shift = 10; end++; break;
    case 'M': case 'm': shift = 20; end++; break;
    case 'G': case 'g': shift = 30; end++; break;
    }
    if (*end != '\0' || v > (SP_THRESHOLD_NEVER >> shift))
        return -1;
    *out = (size_t)(v << shift);
    return 0;
}

const struct sp_threshold_var sp_threshold_vars[4] = {
    { "SYSPATH_MEMSET_REP_THRESHOLD", "SYSPATH_REP_THRESHOLD" },
    { "SYSPATH_MEMSET_NT_THRESHOLD",  "SYSPATH_NT_THRESHOLD" },
    { "SYSPATH_MEMCPY_REP_THRESHOLD", NULL },
    { "SYSPATH_MEMCPY_NT_THRESHOLD",  NULL },
};

/* sp_threshold_vars[i]'s value: its name, else its alias, else fallback */
static size_t pick(int i, size_t fallback, const char **source)
{
    const char *var = sp_threshold_vars[i].name;
    const char *s = getenv(var);
    if (!s && sp_threshold_vars[i].alias)
        s = getenv(var = sp_threshold_vars[i].alias);
    size_t v;
    *source = "cache";
    if (!s)
        return fallback;
    if (parse_size(s, &v) != 0) {
        fprintf(stderr, "syspath: %s='%s' is not a size (bytes, K/M/G, or never); "
                "using the cache-derived default\n", var, s);
        return fallback;
    }
    *source = "env";
    return v;
}

static void init(void)
{
    struct sp_cpu_caches c;
    sp_cpu_caches(&c);
    /* rep stosb/movsb only pays where the CPU advertises the fast microcode
     * (ERMS); once a buffer outgrows L2 the vector loop's advantage in
     * start-up cost no longer matters, so L2 is where rep takes over. */
    size_t rep = (sp_cpu_has(SP_CPU_ERMS) && c.l2) ? c.l2 : SP_THRESHOLD_NEVER;
    /* Streaming stores pay once the buffer cannot stay in the last-level
     * cache anyway; 3/4 of it leaves room for everything else (glibc's own
     * non-temporal threshold uses the same fraction of the shared cache). */
    size_t llc = c.l3 ? c.l3 : c.l2;
    size_t nt = llc ? llc / 4 * 3 : SP_THRESHOLD_NEVER;
    th.memset_rep = pick(0, rep, &th.memset_rep_source);
    th.memset_nt = pick(1, nt, &th.memset_nt_source);
    th.memcpy_rep = pick(2, rep, &th.memcpy_rep_source);
    th.memcpy_nt = pick(3, nt, &th.memcpy_nt_source);
    /* open the auto variants' fast paths (internal.h, struct sp_auto_cfg) */
    size_t set_lim = th.memset_rep < th.memset_nt ? th.memset_rep : th.memset_nt;
    size_t cpy_lim = th.memcpy_rep < th.memcpy_nt ? th.memcpy_rep : th.memcpy_nt;
    int avx2 = sp_cpu_has(SP_CPU_AVX2);
    int avx512 = sp_cpu_has(SP_CPU_AVX512F | SP_CPU_AVX512BW | SP_CPU_BMI2);
    __atomic_store_n(&sp_auto_cfg.set_lim_sse2, set_lim, __ATOMIC_RELAXED);
    __atomic_store_n(&sp_auto_cfg.cpy_lim_sse2, cpy_lim, __ATOMIC_RELAXED);
    __atomic_store_n(&sp_auto_cfg.set_lim_avx2, avx2 ? set_lim : 0, __ATOMIC_RELAXED);
    __atomic_store_n(&sp_auto_cfg.set_lim_avx512, avx512 ? set_lim : 0, __ATOMIC_RELAXED);
    __atomic_store_n(&sp_auto_cfg.set_rep_end_avx512,
                     avx512 && th.memset_rep < th.memset_nt ? th.memset_nt : 0, __ATOMIC_RELAXED);
    __atomic_store_n(&sp_auto_cfg.cpy_lim_avx2, avx2 ? cpy_lim : 0, __ATOMIC_RELAXED);
    __atomic_store_n(&sp_auto_cfg.cpy_lim_avx512, avx512 ? cpy_lim : 0, __ATOMIC_RELAXED);
    __atomic_store_n(&sp_auto_cfg.cpy_rep_end_avx512,
                     avx512 && th.memcpy_rep < th.memcpy_nt ? th.memcpy_nt : 0, __ATOMIC_RELAXED);
}

const struct sp_auto_thresholds *sp_auto_thresholds(void)
{
    pthread_once(&th_once, init);
    return &th;
}
