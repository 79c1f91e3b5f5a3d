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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct sp_auto_thresholds th;
/* page-aligned: its fields at SP_AUTO_CFG_OFFSET into a page (internal.h) */
struct sp_auto_cfg sp_auto_cfg __attribute__((aligned(4096)));
_Static_assert(offsetof(struct sp_auto_cfg, set_lim_avx512) == SP_AUTO_CFG_OFFSET,
               "the lims must start SP_AUTO_CFG_OFFSET into sp_auto_cfg's page");
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

const struct sp_threshold_var sp_threshold_vars[SP_THRESHOLD_VARS] = {
    { "SYSPATH_MEMSET_REP_THRESHOLD" },
    { "SYSPATH_MEMSET_NT_THRESHOLD" },
    { "SYSPATH_MEMCPY_REP_THRESHOLD" },
    { "SYSPATH_MEMCPY_NT_THRESHOLD" },
    { "SYSPATH_MEMSET_REP_END" },
    { "SYSPATH_MEMSET_NT_END" },
    { "SYSPATH_MEMCPY_REP_END" },
    { "SYSPATH_MEMCPY_NT_END" },
    { "SYSPATH_MEMSET_REP2_THRESHOLD" },
    { "SYSPATH_MEMSET_REP2_END" },
    { "SYSPATH_MEMCPY_REP2_THRESHOLD" },
    { "SYSPATH_MEMCPY_REP2_END" },
};

/* sp_threshold_vars[i]'s value, else fallback */
static size_t pick(int i, size_t fallback, const char **source)
{
    const char *var = sp_threshold_vars[i].name;
    const char *s = getenv(var);
    size_t v;
    *source = "cache";
    if (!s)
        return fallback;
    if (parse_size(s, &v) != 0) {
        fprintf(stderr, "syspath: %s='%s' is not a size (bytes, K/M/G, or never); "
                "using the built-in default\n", var, s);
        return fallback;
    }
    *source = "env";
    return v;
}

/* The defaults, when no SYSPATH_*_THRESHOLD is set. Each is argued from
 * what the CPU reports at run time, never from its model. */
static void defaults(size_t *set_rep, size_t *cpy_rep, size_t *nt)
{
    struct sp_cpu_caches c;
    sp_cpu_caches(&c);
    int intel = sp_cpu_is_intel();
    /* rep movsb/stosb only pays where the CPU advertises the fast microcode
     * (ERMS). On Intel parts with ERMS the string move overtakes the vector
     * loop within a few KiB: it moves whole lines and does not care about
     * the source's alignment, where a misaligned vector copy splits every
     * other load (glibc, too, starts rep movsb at a few KiB there: 2 KiB
     * times the vector width in 16-B units). A copy takes rep from 4 KiB,
     * a fill (stores only, which a misaligned vector loop suffers less
     * from) from 8 KiB.
     * On AMD (Zen 3 on has ERMS and FSRM) the vector copy keeps up with rep
     * movsb while source and destination both fit in L1D, where loads and
     * stores never leave the core, and falls behind once they do not: the
     * string move streams whole lines past L1D with fewer instructions in
     * flight. So a copy takes rep from the first power of two whose two
     * buffers outgrow L1D.
     * A fill there keeps the vector loop: rep stosb has two speeds on some
     * of these parts (a guest may see it switch between them within a
     * run), and in its slow one falls behind the vector loop, while in its
     * fast one it only draws level with it past L2 (glibc never takes rep
     * stosb on AMD either). Only syspath-calibrate, which samples rep stosb
     * through its run and sees which modes occur, moves memset to rep there.
     * (glibc stops rep movsb at L2 on AMD, where AMD found it slow on Zen 3;
     * auto has no class above rep but nt, so that part is left to
     * calibration.) */
    if (!sp_cpu_has(SP_CPU_ERMS)) {
        *set_rep = *cpy_rep = SP_THRESHOLD_NEVER;
    } else if (intel) {
        *cpy_rep = 4096;
        *set_rep = 8192;
    } else {
        *set_rep = SP_THRESHOLD_NEVER;
        *cpy_rep = SP_THRESHOLD_NEVER;
        if (c.l1d) {
            size_t p2 = 64;
            while (p2 * 2 <= c.l1d)          /* stops at the first p2 with 2 * p2 > L1D */
                p2 *= 2;
            *cpy_rep = p2;
        } else if (c.l2) {
            *cpy_rep = c.l2;
        }
    }
    /* Streaming stores pay once the buffer cannot stay in the cache anyway:
     * 3/4 of the last-level cache leaves room for everything else (the
     * fraction glibc uses). On Intel the L3 a guest sees can be the host's
     * whole (a 2-vCPU guest may report the host's full L3: machine.json's
     * caches record what each run's machine reported), and even on bare
     * metal the cores share it; what one core may count on is bounded by
     * its own L2: those server parts give each core 1 to 2 times its L2 in
     * L3, so 16 x L2 is past any one core's share (2 MiB-L2 Intel servers:
     * 32 MiB). Not on AMD: a core there may fill its CCD's whole L3, 32x
     * its L2, and a buffer that still fits there loses by being streamed
     * past it to memory; beyond L3 ordinary stores and rep already run at
     * memory's speed, so where a guest reports the host's L3 and the
     * threshold lands beyond any size measured, nothing is lost. */
    size_t llc = c.l3 ? c.l3 : c.l2;
    *nt = llc ? llc / 4 * 3 : SP_THRESHOLD_NEVER;
    if (intel && c.l2 && c.l2 <= SP_THRESHOLD_NEVER / 16 && c.l2 * 16 < *nt)
        *nt = c.l2 * 16;
}

/* A window's start, or never when the window is empty (end <= start). */
static size_t start_of(size_t start, size_t end)
{
    return start < end ? start : SP_THRESHOLD_NEVER;
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* The build's fast path below lim = the lowest window start, and the
 * AVX-512 build's inline rep class [lim, rep_end): only when rep's first
 * window starts first, and up to where it ends or the nt window begins. */
static void open_paths(size_t rep, size_t rep_end, size_t nt, size_t nt_end, size_t rep2,
                       size_t rep2_end, size_t *lim, size_t *inline_rep_end)
{
    rep = start_of(rep, rep_end);
    nt = start_of(nt, nt_end);
    rep2 = start_of(rep2, rep2_end);
    *lim = min_size(min_size(rep, nt), rep2);
    *inline_rep_end = rep < nt && rep <= rep2 ? min_size(rep_end, nt) : 0;
}

/* memset/auto adapts from SP_ADAPT_FROM (memset_adapt.c) unless
 * SYSPATH_MEMSET_ADAPT=0: then every size from there leaves the fast path,
 * and the inline rep class stops there. */
static int adapt_memset(size_t *lim, size_t *inline_rep_end)
{
    const char *v = getenv("SYSPATH_MEMSET_ADAPT");
    if (v && strcmp(v, "0") == 0)
        return 0;
    if (*lim > SP_ADAPT_FROM)
        *lim = SP_ADAPT_FROM;
    if (*inline_rep_end > SP_ADAPT_FROM)
        *inline_rep_end = *lim < SP_ADAPT_FROM ? SP_ADAPT_FROM : 0;
    return 1;
}

/* each variable's field, in sp_threshold_vars' order */
static const struct { size_t *value; const char **source; } field[SP_THRESHOLD_VARS] = {
    { &th.memset_rep, &th.memset_rep_source },
    { &th.memset_nt, &th.memset_nt_source },
    { &th.memcpy_rep, &th.memcpy_rep_source },
    { &th.memcpy_nt, &th.memcpy_nt_source },
    { &th.memset_rep_end, &th.memset_rep_end_source },
    { &th.memset_nt_end, &th.memset_nt_end_source },
    { &th.memcpy_rep_end, &th.memcpy_rep_end_source },
    { &th.memcpy_nt_end, &th.memcpy_nt_end_source },
    { &th.memset_rep2, &th.memset_rep2_source },
    { &th.memset_rep2_end, &th.memset_rep2_end_source },
    { &th.memcpy_rep2, &th.memcpy_rep2_source },
    { &th.memcpy_rep2_end, &th.memcpy_rep2_end_source },
};

static void init(void)
{
    size_t set_rep, cpy_rep, nt;
    defaults(&set_rep, &cpy_rep, &nt);
    /* the four starts default from the caches; no default ends and no
     * second rep window: only calibration, which measures past the caches,
     * closes a window or opens another */
    const size_t fallback[SP_THRESHOLD_VARS] = {
        set_rep, nt, cpy_rep, nt, SP_THRESHOLD_NEVER, SP_THRESHOLD_NEVER, SP_THRESHOLD_NEVER,
        SP_THRESHOLD_NEVER, SP_THRESHOLD_NEVER, SP_THRESHOLD_NEVER, SP_THRESHOLD_NEVER,
        SP_THRESHOLD_NEVER };
    for (int i = 0; i < SP_THRESHOLD_VARS; i++)
        *field[i].value = pick(i, fallback[i], field[i].source);
    /* open the auto variants' fast paths (internal.h, struct sp_auto_cfg);
     * release: a build that reads a lim other than 0 then sees th whole */
    size_t set_lim, set_rep_end, cpy_lim, cpy_rep_end;
    open_paths(th.memset_rep, th.memset_rep_end, th.memset_nt, th.memset_nt_end,
               th.memset_rep2, th.memset_rep2_end, &set_lim, &set_rep_end);
    int adapt = adapt_memset(&set_lim, &set_rep_end);
    open_paths(th.memcpy_rep, th.memcpy_rep_end, th.memcpy_nt, th.memcpy_nt_end,
               th.memcpy_rep2, th.memcpy_rep2_end, &cpy_lim, &cpy_rep_end);
    int avx2 = sp_cpu_has(SP_CPU_AVX2);
    int avx512 = sp_cpu_has(SP_CPU_AVX512);
    __atomic_store_n(&sp_auto_cfg.set_rep_end_avx512, avx512 ? set_rep_end : 0, __ATOMIC_RELAXED);
    __atomic_store_n(&sp_auto_cfg.set_adapt, (size_t)adapt, __ATOMIC_RELAXED);
    __atomic_store_n(&sp_auto_cfg.cpy_rep_end_avx512, avx512 ? cpy_rep_end : 0, __ATOMIC_RELAXED);
    __atomic_store_n(&sp_auto_cfg.set_lim_sse2, set_lim, __ATOMIC_RELEASE);
    __atomic_store_n(&sp_auto_cfg.cpy_lim_sse2, cpy_lim, __ATOMIC_RELEASE);
    __atomic_store_n(&sp_auto_cfg.set_lim_avx2, avx2 ? set_lim : 0, __ATOMIC_RELEASE);
    __atomic_store_n(&sp_auto_cfg.set_lim_avx512, avx512 ? set_lim : 0, __ATOMIC_RELEASE);
    __atomic_store_n(&sp_auto_cfg.cpy_lim_avx2, avx2 ? cpy_lim : 0, __ATOMIC_RELEASE);
    __atomic_store_n(&sp_auto_cfg.cpy_lim_avx512, avx512 ? cpy_lim : 0, __ATOMIC_RELEASE);
}

size_t sp_auto_threshold(int i, const char **source)
{
    sp_auto_thresholds();
    *source = *field[i].source;
    return *field[i].value;
}

const struct sp_auto_thresholds *sp_auto_thresholds(void)
{
    pthread_once(&th_once, init);
    return &th;
}
