/*
 * calibrate.c — syspath-calibrate: where, on this machine, rep stosb / rep
 * movsb start to beat the vector loop and non-temporal stores start to beat
 * ordinary ones. The answer moves a lot between CPUs (on Intel parts with
 * ERMS rep stosb overtakes the vector loop within a few KiB, near glibc's own
 * default x86_rep_stosb_threshold; on AMD parts it may only draw level well
 * past L2, if at all: thresholds.c argues both), so memset/auto and
 * memcpy/auto read it from the environment this program prints with --env
 * instead of carrying figures for CPU models.
 *
 * Method (also printed in the JSON's "method"): sizes 64 B .. --max-size in
 * x2 steps; for each size, three candidates — the vector loop auto uses
 * (AVX-512, else AVX2, else SSE2), rep stos/movs, streaming stores — each
 * timed as one sample of K calls (K*n ~ 1 MiB, at least 2) after one untimed
 * call of the same candidate (so each starts from its own steady cache
 * state, not the state the previous candidate left). Half the calls have
 * dst (and src) 64-B aligned, half one byte past it: auto serves both,
 * and a misaligned dst moves the crossover (rep stosb keeps its speed, the
 * vector loop's split stores do not). Candidates are interleaved (the order
 * rotates every round) and the rounds repeated.
 *
 * The margin. A shared VM's speed moves between runs, so a threshold taken
 * from one noisy point wandered with it from run to run (the calibrate.json
 * of one machine's runs shows how far). So each round gives, per size, the
 * ratio candidate time / baseline time of two samples taken side by side
 * (drift hits both), and the rounds give that ratio's median and an
 * interval for it (order statistics of the rounds' ratios, see
 * median_interval()). At each size the candidate
 *   wins   when the whole interval lies below 1 - MARGIN,
 *   loses  when it lies above 1 + MARGIN,
 *   ties   otherwise (the difference is within its own noise).
 * Each class is a window of sizes [start, end): the run of consecutive
 * sizes that maximises (wins - losses), a tie weighing far less than a
 * decisive size, and only when its median leans to the baseline (see
 * window()): a boundary moves only when the candidate won by more than the
 * noise, and then lands at the edge of the sizes where its median is the
 * slower one. rep is placed first (against the vector loop), then nt
 * (against rep inside rep's window and the vector loop outside it). No
 * size that helps up to --max-size: a null start in the JSON, "never" with
 * --env; a window that reaches --max-size stays open (a null end, "never").
 * Last, rep gets a second window (second_window()) where it wins outside
 * both.
 * The JSON records each size's interval and verdict.
 * Run time is bounded: rounds stop early (after at least 3) at --budget.
 *
 * rep's two speeds. On some machines rep stosb (and maybe rep movsb) runs
 * in one of two modes, and a guest may see it switch between them within
 * seconds, and in the slow one a fill past L2 falls far behind the fast
 * one (the JSON's "rep_modes", below, shows by how much on this machine).
 * The rounds are the spaced samples: each round times rep beside the
 * vector loop at every size, and the rounds spread over the whole run. A
 * round's mode index is the median over sizes from MODE_MIN_SIZE of its
 * rep/vector time ratio (paired, so drift cancels); sorted, the indices
 * split at their largest gap when it exceeds MODE_GAP, the rounds above it
 * "slow". With both modes seen rep's window is judged on each mode's
 * rounds alone, and rep is taken where the two windows overlap, only where
 * it wins in both (else never: auto keeps the vector loop). With one mode
 * seen the window is the usual one, and the JSON says that this is a bet on
 * the mode lasting. "rep_modes" in the JSON holds the indices, the modes,
 * each mode's window and the reason in words.
 */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define MIN_SIZE      64
#define MAX_SIZES     32
#define NCAND         3
#define SAMPLE_BYTES  (8u << 20)
#define MIN_ROUNDS    3
/* the candidate must beat the baseline by 3% beyond its interval */
#define MARGIN        0.03
/* each side of the interval holds at most this chance of the true median
 * lying beyond it (the interval covers ~90%; with 3 rounds, min..max: 75%) */
#define TAIL          0.05
/* rep's modes: a round's index is its median rep/vector ratio over the sizes
 * from MODE_MIN_SIZE (where the string op's mode shows); two modes when the
 * sorted indices jump by more than MODE_GAP (relative) somewhere */
#define MODE_MIN_SIZE (64u << 10)
#define MODE_GAP      0.25
#define MAX_ROUNDS    1000

enum { VEC, REP, NT };
static const char *const cand_names[NCAND] = { "vector", "rep", "nt" };

struct family {
    const char *name;
    const char *vec_name;
    sp_memset_fn set[NCAND];          /* memset family */
    sp_memcpy_fn cpy[NCAND];          /* memcpy family */
    double *samples[MAX_SIZES][NCAND];   /* ns per call, one per round */
    double median[MAX_SIZES][NCAND];
    /* candidate / baseline time ratio per size: REP against VEC, NT against
     * the class below it (lo, median, hi), and the verdict -1 win, 0 tie,
     * +1 loss */
    double ratio[MAX_SIZES][NCAND][3];
    int verdict[MAX_SIZES][NCAND];
    size_t rep_threshold, nt_threshold;  /* window starts; 0 = none found */
    size_t rep_end, nt_end;              /* window ends; 0 = open (no end up to any size) */
    size_t rep2_threshold, rep2_end;     /* rep's second window, the same way */
    /* rep's modes (see the top): per round its index and slow (1) or not */
    double mode_index[MAX_ROUNDS];
    int slow[MAX_ROUNDS];
    int nslow;                           /* 0: one mode seen */
    size_t rep_mode_threshold[2];        /* fast, slow; 0 = never (two modes only) */
    size_t rep_mode_end[2];              /* their ends; 0 = open */
    char rep_why[400];
};

static unsigned char *dst_buf, *src_buf;
static size_t sizes[MAX_SIZES];
static int nsizes;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* memcpy's source sits half a page past the destination's offset (still
 * 64-B aligned): at the same offset in a 4 KiB or 2 MiB page (the kernel
 * places these large mappings on 2 MiB boundaries) the next call's loads
 * wait on the last call's stores to the matching bytes, a cost of where the
 * buffers lie, not of the candidate (bench-helpers places them the same way) */
#define SRC_SKEW 2048

/* off 0: dst page-aligned, src SRC_SKEW past it; off 1: both one byte further */
static void call(const struct family *f, int c, size_t n, size_t off)
{
    if (f->set[c])
        f->set[c](dst_buf + off, 0x5a, n);
    else
        f->cpy[c](dst_buf + off, src_buf + SRC_SKEW + off, n);
    __asm__ volatile("" ::: "memory");
}

/* One sample: ns per call of candidate c at size n, the first half of the
 * calls aligned and the second half misaligned (in two runs, not
 * alternating call by call: alternating made the AVX-512 memset, which
 * takes a different path for each, look slower than either alone, a cost
 * of the alternation and not of either case). */
static double sample(const struct family *f, int c, size_t n)
{
    size_t k = SAMPLE_BYTES / n;
    if (k < 2)
        k = 2;
    call(f, c, n, 0);                 /* untimed: reach this candidate's steady state */
    double t0 = now_ns();
    for (size_t i = 0; i < k; i++)
        call(f, c, n, i >= k / 2);
    return (now_ns() - t0) / (double)k;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    double tmp[1024];
    memcpy(tmp, v, (size_t)n * sizeof *v);
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/* The median of v[0..n) and an interval for it from order statistics: the
 * k-th smallest and k-th largest value, k the largest for which
 * P(Binomial(n, 1/2) < k) <= TAIL (at least 1: min..max). */
static void median_interval(double *v, int n, double out[3])
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double p = pow(0.5, n), cdf = 0;  /* P(B = j), P(B < j) */
    int k = 1;
    for (int j = 0; j < n / 2; j++) {
        cdf += p;                     /* now P(B <= j) = P(B < j + 1) */
        if (cdf > TAIL)
            break;
        k = j + 1;
        p = p * (double)(n - j) / (double)(j + 1);
    }
    if (k < 1)
        k = 1;
    out[0] = v[k - 1];
    out[1] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    out[2] = v[n - k];
}

/* size in [start, end) of a window (start 0: empty; end 0: open) */
static int in_window(size_t size, size_t start, size_t end)
{
    return start && size >= start && (!end || size < end);
}

/* cand against the baseline auto would use without it: the vector loop (cand
 * = REP), or rep in its window [rep_thr, rep_end) and the vector loop
 * elsewhere (cand = NT). Per size: the rounds' paired ratios ->
 * ratio[][cand], verdict[][cand]. */
static void judge_rounds(struct family *f, int cand, size_t rep_thr, size_t rep_end,
                         const int *use, int nuse)
{
    double r[MAX_ROUNDS];
    for (int i = 0; i < nsizes; i++) {
        int base = (cand == NT && in_window(sizes[i], rep_thr, rep_end)) ? REP : VEC;
        for (int k = 0; k < nuse; k++)
            r[k] = f->samples[i][cand][use[k]] / f->samples[i][base][use[k]];
        double *iv = f->ratio[i][cand];
        median_interval(r, nuse, iv);
        f->verdict[i][cand] = iv[2] < 1 - MARGIN ? -1 : iv[0] > 1 + MARGIN ? 1 : 0;
    }
}

static void judge(struct family *f, int cand, size_t rep_thr, size_t rep_end, int rounds)
{
    int all[MAX_ROUNDS];
    for (int k = 0; k < rounds; k++)
        all[k] = k;
    judge_rounds(f, cand, rep_thr, rep_end, all, rounds);
}

/* A size's weight in crossover(): a decisive verdict counts DECISIVE; a
 * tie counts 1 when its median leans to the baseline by more than the
 * margin (the candidate looks slower, if not beyond the noise), else 0: a
 * median of 1.01 or 1.02 where the two are equal must not stop the
 * boundary (where memset's rep draws level with the vector loop over a wide
 * span of sizes, counting such medians put the boundary anywhere in that
 * span from one run to the next). All the ties of a grid together (at most
 * MAX_SIZES) never outweigh one decisive size. */
#define DECISIVE (2 * MAX_SIZES)
static int weight(const struct family *f, int i, int cand)
{
    if (f->verdict[i][cand])
        return f->verdict[i][cand] * DECISIVE;
    return f->ratio[i][cand][1] > 1 + MARGIN;
}

/* The window [start, end) of sizes in which switching to cand gains the
 * most: the run of consecutive sizes with the least summed weight, equal
 * sums keeping the SMALLER start and then the LARGER end; none (start 0)
 * unless that sum holds more decisive wins than losses. So the decisive
 * sizes say whether a boundary moves, and beyond the candidate's decisive
 * wins the window takes the ties out to the first size on each side where
 * its median is clearly the slower one. A boundary put at the first
 * decisive win wandered from run to run inside a span of near-equal sizes;
 * the size where the medians cross is steadier. Ties weigh something on the
 * baseline's side so that a candidate the noise only hides as slower does
 * not get them (a streaming memset can be slower than rep at every size
 * of a span past L2 and still tie at each one, its intervals being wide).
 * A window and not a threshold: on some machines rep stosb wins from L2's
 * size up to a few MiB and loses by half beyond (it streams past the cache
 * there, as non-temporal stores do), and the vector loop is the faster one
 * again until memory's speed sets both. end is the size after the
 * window's last (0 when the window reaches the largest size measured: it
 * stays open above it). */
static void window_except(const struct family *f, int cand, const size_t (*skip)[2], int nskip,
                          size_t *start, size_t *end)
{
    int best = 0, lo = -1, hi = -1;
    for (int i = 0; i < nsizes; i++) {
        int sum = 0;
        for (int j = i; j < nsizes; j++) {
            int taken = 0;
            for (int k = 0; k < nskip; k++)
                taken |= in_window(sizes[j], skip[k][0], skip[k][1]);
            if (taken)                /* a window never spans another */
                break;
            sum += weight(f, j, cand);
            if (sum < best || (sum == best && lo == i && j > hi)) {
                best = sum;
                lo = i;
                hi = j;
            }
        }
    }
    *start = *end = 0;
    if (best > -DECISIVE / 2)
        return;
    *start = sizes[lo];
    *end = hi + 1 < nsizes ? sizes[hi + 1] : 0;
}

static void window(const struct family *f, int cand, size_t *start, size_t *end)
{
    window_except(f, cand, NULL, 0, start, end);
}

/* rep's second window: the best run of rep's wins outside rep's first
 * window and nt's (one mode seen only: with two, rep keeps the overlap of
 * the modes' first windows and no second). The two are then put in size
 * order, so rep_threshold is always where rep starts (what the reports
 * call "rep from") and the lower window is the one the AVX-512 builds run
 * inline. On a machine whose rep stosb
 * streams past the cache above some size, the vector loop wins a span
 * above rep's first window, and rep wins again once the buffer outgrows
 * the last-level cache, where it writes lines without reading them first
 * and the vector loop's stores read each line before they write it. */
static void second_window(struct family *f)
{
    f->rep2_threshold = f->rep2_end = 0;
    if (f->nslow || !f->rep_threshold)
        return;
    const size_t skip[2][2] = { { f->rep_threshold, f->rep_end }, { f->nt_threshold, f->nt_end } };
    window_except(f, REP, skip, 2, &f->rep2_threshold, &f->rep2_end);
    if (f->rep2_threshold && f->rep2_threshold < f->rep_threshold) {
        size_t start = f->rep_threshold, end = f->rep_end;
        f->rep_threshold = f->rep2_threshold;
        f->rep_end = f->rep2_end;
        f->rep2_threshold = start;
        f->rep2_end = end;
    }
}

/* "from A B" or "from A B to B B" (a window as the reasons spell it) */
static const char *window_words(char *buf, size_t len, size_t start, size_t end)
{
    if (end)
        snprintf(buf, len, "from %zu B to %zu B", start, end);
    else
        snprintf(buf, len, "from %zu B", start);
    return buf;
}

/* rep's modes over the rounds, and the rep threshold from them (see the
 * top). Leaves ratio[][REP] and verdict[][REP] judged on all rounds. */
static void rep_modes(struct family *f, int rounds, double elapsed)
{
    double idx[MAX_ROUNDS], r[MAX_SIZES];
    for (int k = 0; k < rounds; k++) {
        int m = 0;
        for (int i = 0; i < nsizes; i++)
            if (sizes[i] >= MODE_MIN_SIZE)
                r[m++] = f->samples[i][REP][k] / f->samples[i][VEC][k];
        if (m == 0)                   /* --max-size below MODE_MIN_SIZE: the largest size */
            r[m++] = f->samples[nsizes - 1][REP][k] / f->samples[nsizes - 1][VEC][k];
        f->mode_index[k] = idx[k] = median(r, m);
    }
    qsort(idx, (size_t)rounds, sizeof *idx, cmp_double);
    double cut = 0, gap = 0;
    for (int k = 1; k < rounds; k++)
        if (idx[k] / idx[k - 1] - 1 > gap) {
            gap = idx[k] / idx[k - 1] - 1;
            cut = idx[k];
        }
    f->nslow = 0;
    for (int k = 0; k < rounds; k++) {
        f->slow[k] = gap > MODE_GAP && f->mode_index[k] >= cut;
        f->nslow += f->slow[k];
    }
    judge(f, REP, 0, 0, rounds);
    char w[3][80];
    if (!f->nslow) {
        window(f, REP, &f->rep_threshold, &f->rep_end);
        if (f->rep_threshold)
            snprintf(f->rep_why, sizeof f->rep_why,
                     "one mode seen: rep's speed beside the vector loop held in all %d rounds over "
                     "%.1f s (largest jump between rounds %.0f%%, a second mode needs %.0f%%); rep "
                     "%s is a bet that this mode lasts: a machine that switches rep to a "
                     "slow mode later makes it the slower choice", rounds, elapsed, gap * 100,
                     MODE_GAP * 100,
                     window_words(w[0], sizeof w[0], f->rep_threshold, f->rep_end));
        else
            snprintf(f->rep_why, sizeof f->rep_why,
                     "one mode seen in %d rounds over %.1f s, and rep never beat the vector loop "
                     "beyond the noise: the vector loop stays", rounds, elapsed);
        return;
    }
    int use[2][MAX_ROUNDS], n[2] = {0, 0};
    for (int k = 0; k < rounds; k++)
        use[f->slow[k]][n[f->slow[k]]++] = k;
    for (int m = 0; m < 2; m++) {
        judge_rounds(f, REP, 0, 0, use[m], n[m]);
        window(f, REP, &f->rep_mode_threshold[m], &f->rep_mode_end[m]);
    }
    /* rep where it wins in both modes: the two windows' overlap */
    size_t fast = f->rep_mode_threshold[0], slow = f->rep_mode_threshold[1];
    size_t fast_end = f->rep_mode_end[0], slow_end = f->rep_mode_end[1];
    size_t start = fast > slow ? fast : slow;
    size_t end = !fast_end ? slow_end : !slow_end ? fast_end : fast_end < slow_end ? fast_end : slow_end;
    int overlap = fast && slow && (!end || start < end);
    f->rep_threshold = overlap ? start : 0;
    f->rep_end = overlap ? end : 0;
    if (overlap)
        snprintf(f->rep_why, sizeof f->rep_why,
                 "two modes seen (fast in %d rounds, slow in %d, over %.1f s): rep wins in both, "
                 "%s in the fast one and %s in the slow one, so %s",
                 n[0], n[1], elapsed, window_words(w[0], sizeof w[0], fast, fast_end),
                 window_words(w[1], sizeof w[1], slow, slow_end),
                 window_words(w[2], sizeof w[2], start, end));
    else if (fast && slow)
        snprintf(f->rep_why, sizeof f->rep_why,
                 "two modes seen (fast in %d rounds, slow in %d, over %.1f s): rep wins %s in the "
                 "fast one and %s in the slow one, never in both, so the vector loop stays",
                 n[0], n[1], elapsed, window_words(w[0], sizeof w[0], fast, fast_end),
                 window_words(w[1], sizeof w[1], slow, slow_end));
    else
        snprintf(f->rep_why, sizeof f->rep_why,
                 "two modes seen (fast in %d rounds, slow in %d, over %.1f s): rep does not win "
                 "in the %s mode, so the vector loop stays", n[0], n[1], elapsed,
                 !fast && !slow ? "fast or the slow" : !fast ? "fast" : "slow");
    judge(f, REP, 0, 0, rounds);      /* the rows report all rounds */
}

static void print_size(FILE *out, size_t v)
{
    if (v)
        fprintf(out, "%zu", v);
    else
        fputs("null", out);
}

/* sp_threshold_vars[var]'s value as --env spells it: bytes or never (a
 * start 0 = no window, an end 0 = open); quoted for JSON */
static void print_threshold(FILE *out, const struct family *fams, int var, int json)
{
    /* the table's order (helpers.h): family and field of each variable */
    static const int fam_of[SP_THRESHOLD_VARS] = { 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1 };
    const struct family *f = &fams[fam_of[var]];
    const size_t *field[SP_THRESHOLD_VARS] = {
        &f->rep_threshold, &f->nt_threshold, &f->rep_threshold, &f->nt_threshold,
        &f->rep_end, &f->nt_end, &f->rep_end, &f->nt_end,
        &f->rep2_threshold, &f->rep2_end, &f->rep2_threshold, &f->rep2_end };
    size_t v = *field[var];
    const char *q = json ? "\"" : "";
    if (v)
        fprintf(out, "%s%zu%s", q, v, q);
    else
        fprintf(out, "%snever%s", q, q);
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || *s == '-')
        return -1;
    if (*end == 'K' || *end == 'k') v <<= 10, end++;
    else if (*end == 'M' || *end == 'm') v <<= 20, end++;
    else if (*end == 'G' || *end == 'g') v <<= 30, end++;
    if (*end != '\0')
        return -1;
    *out = (size_t)v;
    return 0;
}

/* {"l1d":N,"l2":N,"l3":N}: the sizes auto's defaults start from (0 = unknown) */
static void print_caches(void)
{
    struct sp_cpu_caches c;
    sp_cpu_caches(&c);
    printf("{\"l1d\":%zu,\"l2\":%zu,\"l3\":%zu}", c.l1d, c.l2, c.l3);
}

static void print_json(const struct family *fams, size_t max_size, int done, double elapsed)
{
    char feat[200];
    sp_cpu_feature_names(sp_cpu_features(), feat, sizeof feat);
    printf("{");
    for (int f = 0; f < 2; f++) {
        const struct family *fm = &fams[f];
        printf("\"%s\":{\"rep_threshold\":", fm->name);
        print_size(stdout, fm->rep_threshold);
        printf(",\"rep_end\":");
        print_size(stdout, fm->rep_end);
        printf(",\"nt_threshold\":");
        print_size(stdout, fm->nt_threshold);
        printf(",\"nt_end\":");
        print_size(stdout, fm->nt_end);
        printf(",\"rep2_threshold\":");
        print_size(stdout, fm->rep2_threshold);
        printf(",\"rep2_end\":");
        print_size(stdout, fm->rep2_end);
        printf(",\"vector\":\"%s\",\"rep_modes\":{\"seen\":[%s],\"rounds\":{\"fast\":%d,"
               "\"slow\":%d},\"round_index\":[", fm->vec_name,
               fm->nslow ? "\"fast\",\"slow\"" : "\"one\"", done - fm->nslow, fm->nslow);
        for (int k = 0; k < done; k++)
            printf("%s%.4f", k ? "," : "", fm->mode_index[k]);
        printf("],\"threshold_fast\":");
        print_size(stdout, fm->nslow ? fm->rep_mode_threshold[0] : fm->rep_threshold);
        printf(",\"end_fast\":");
        print_size(stdout, fm->nslow ? fm->rep_mode_end[0] : fm->rep_end);
        printf(",\"threshold_slow\":");
        print_size(stdout, fm->nslow ? fm->rep_mode_threshold[1] : 0);
        printf(",\"end_slow\":");
        print_size(stdout, fm->nslow ? fm->rep_mode_end[1] : 0);
        printf(",\"why\":\"%s\"},\"rows\":[", fm->rep_why);
        for (int i = 0; i < nsizes; i++) {
            printf("%s{\"bytes\":%zu", i ? "," : "", sizes[i]);
            for (int c = 0; c < NCAND; c++)
                printf(",\"%s_gbps\":%.3f", cand_names[c], sizes[i] / fm->median[i][c]);
            for (int c = REP; c <= NT; c++) {
                const double *iv = fm->ratio[i][c];
                printf(",\"%s_ratio\":[%.4f,%.4f,%.4f],\"%s_verdict\":\"%s\"", cand_names[c], iv[0],
                       iv[1], iv[2], cand_names[c],
                       fm->verdict[i][c] < 0 ? "win" : fm->verdict[i][c] > 0 ? "loss" : "tie");
            }
            printf("}");
        }
        printf("]},");
    }
    /* what --env prints, so a caller needs no table of names of its own */
    printf("\"env\":{");
    for (int i = 0; i < SP_THRESHOLD_VARS; i++) {
        printf("%s\"%s\":", i ? "," : "", sp_threshold_vars[i].name);
        print_threshold(stdout, fams, i, 1);
    }
    printf("},");
    printf("\"caches\":");
    print_caches();
    putchar(',');
    printf("\"features\":\"%s\",\"rounds\":%d,\"max_size\":%zu,\"seconds\":%.2f,", feat, done,
           max_size, elapsed);
    printf("\"margin\":%.2f,\"interval_tail\":%.2f,", MARGIN, TAIL);
    printf("\"method\":\"sizes %d B to %zu B in x2 steps; candidates vector loop (%s), rep string, "
           "non-temporal stores, interleaved with the order rotated each round, each sample K calls "
           "(K*n ~ 1 MiB, >= 2), the first half with dst/src aligned and the second at +1, after one "
           "untimed call; *_gbps = "
           "median over %d rounds; *_ratio = candidate/baseline time of the samples taken side by "
           "side in each round: [lo, median, hi], lo..hi the order-statistics interval of the median "
           "with at most interval_tail on each side; verdict win if hi < 1 - margin, loss if "
           "lo > 1 + margin, else tie; each class a window [threshold, end) = the run of "
           "consecutive sizes that minimises the sum of weights (win -%d, loss +%d, tie +1 if its "
           "median is above 1 + margin, else 0), equal sums keeping the smaller start, then the "
           "larger end; end = the size after the run's last, null when the run reaches max_size "
           "(open above it); rep against the vector loop, then nt against rep inside rep's "
           "window and the vector loop outside it, then rep2 = rep's best run outside both "
           "windows (one mode seen only); a null threshold = that minimum is above "
           "-%d (no net decisive win) up to max_size; rep_modes: each round's index is its median "
           "rep/vector time ratio over the sizes from %u B, two modes when the sorted indices jump "
           "by more than %.2f (relative), the rounds above the jump slow; with two modes rep's "
           "window is judged on each mode's rounds alone and rep taken where the two overlap, "
           "else null\"}\n",
           MIN_SIZE, max_size, fams[0].vec_name, done, DECISIVE, DECISIVE, DECISIVE / 2,
           MODE_MIN_SIZE, MODE_GAP);
}

static void usage(FILE *to)
{
    fprintf(to,
        "usage: syspath-calibrate [--env] [--rounds N] [--max-size BYTES] [--budget SECONDS] [--verbose]\n"
        "       syspath-calibrate --caches\n"
        "Measures on this machine the window of sizes in which rep stosb / rep movsb\n"
        "beat the vector loop, and the one in which non-temporal stores beat ordinary\n"
        "stores, for memset and memcpy. Prints JSON (thresholds, per-size medians in GB/s, caches,\n"
        "method) on stdout; with --env prints instead the lines memset/auto and\n"
        "memcpy/auto read (the JSON's \"env\" holds the same):\n"
        "  SYSPATH_MEMSET_REP_THRESHOLD=N  SYSPATH_MEMSET_NT_THRESHOLD=N\n"
        "  SYSPATH_MEMCPY_REP_THRESHOLD=N  SYSPATH_MEMCPY_NT_THRESHOLD=N\n"
        "  SYSPATH_MEMSET_REP_END=N        SYSPATH_MEMSET_NT_END=N\n"
        "  SYSPATH_MEMCPY_REP_END=N        SYSPATH_MEMCPY_NT_END=N\n"
        "  SYSPATH_MEMSET_REP2_THRESHOLD=N SYSPATH_MEMSET_REP2_END=N (rep's second window)\n"
        "  SYSPATH_MEMCPY_REP2_THRESHOLD=N SYSPATH_MEMCPY_REP2_END=N\n"
        "(N in bytes, or never), e.g.  export $(syspath-calibrate --env)\n"
        "  --rounds N        interleaved rounds, median taken (default 9, 3..1000)\n"
        "  --max-size BYTES  largest size measured, K/M/G allowed (default 64M, 4K..1G)\n"
        "  --budget SECONDS  stop adding rounds after this long, once 3 are done (default 8)\n"
        "  --verbose         a table of the medians, intervals and verdicts on stderr\n"
        "  --caches          print the cache sizes auto's defaults start from, as JSON\n"
        "                    (bytes, 0 = unknown), and measure nothing\n");
}

int main(int argc, char **argv)
{
    int rounds = 9, env = 0, verbose = 0;
    size_t max_size = (size_t)64 << 20;
    double budget_s = 8;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--caches") == 0) {
            /* where /sys has no cache directory (some guests), this is how
             * the machine fingerprint learns what cpuid says */
            print_caches();
            putchar('\n');
            return 0;
        } else if (strcmp(a, "--env") == 0) {
            env = 1;
        } else if (strcmp(a, "--verbose") == 0) {
            verbose = 1;
        } else if (strcmp(a, "--rounds") == 0 && val) {
            char *end;
            long r = strtol(val, &end, 10);
            if (*val == '\0' || *end != '\0' || r < MIN_ROUNDS || r > MAX_ROUNDS) {
                fprintf(stderr, "syspath-calibrate: --rounds wants a number from %d to %d, got '%s'\n",
                        MIN_ROUNDS, MAX_ROUNDS, val);
                return 2;
            }
            rounds = (int)r;
            i++;
        } else if (strcmp(a, "--max-size") == 0 && val) {
            if (parse_size(val, &max_size) != 0 || max_size < 4096 || max_size > ((size_t)1 << 30)) {
                fprintf(stderr, "syspath-calibrate: --max-size wants a size from 4K to 1G, got '%s'\n", val);
                return 2;
            }
            i++;
        } else if (strcmp(a, "--budget") == 0 && val) {
            char *end;
            budget_s = strtod(val, &end);
            if (*val == '\0' || *end != '\0' || !(budget_s > 0 && budget_s <= 3600)) {
                fprintf(stderr, "syspath-calibrate: --budget wants seconds (0 < s <= 3600), got '%s'\n", val);
                return 2;
            }
            i++;
        } else {
            fprintf(stderr, "syspath-calibrate: unknown or incomplete argument '%s' (try --help)\n", a);
            return 2;
        }
    }
    if (!sp_cpu_has(SP_CPU_SSE2)) {
        fprintf(stderr, "syspath-calibrate: needs SSE2 (SYSPATH_CPU_MASK hides it?)\n");
        return 2;
    }

    for (size_t s = MIN_SIZE; s <= max_size && nsizes < MAX_SIZES; s *= 2)
        sizes[nsizes++] = s;
    max_size = sizes[nsizes - 1];     /* rounded down to the last power of two */

    /* mmap + a first touch: page faults happen here, not in a timed sample */
    size_t map = max_size + 4096;     /* room for the +1 offset and SRC_SKEW */
    dst_buf = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    src_buf = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (dst_buf == MAP_FAILED || src_buf == MAP_FAILED) {
        fprintf(stderr, "syspath-calibrate: cannot map 2 x %zu bytes: %s\n", max_size, strerror(errno));
        return 2;
    }
    memset(dst_buf, 1, map);
    memset(src_buf, 2, map);

    int avx2 = sp_cpu_has(SP_CPU_AVX2);
    /* memset/auto's vector class is AVX-512 where it can be (memset_auto.c) */
    int avx512 = sp_cpu_has(SP_CPU_AVX512);
    struct family fams[2] = {
        { .name = "memset", .vec_name = avx512 ? "avx512" : avx2 ? "avx2" : "sse2",
          .set = { avx512 ? sp_memset_avx512 : avx2 ? sp_memset_avx2 : sp_memset_sse2,
                   sp_memset_rep_stosb, sp_memset_nt } },
        { .name = "memcpy", .vec_name = avx512 ? "avx512" : avx2 ? "avx2" : "sse2",
          .cpy = { avx512 ? sp_memcpy_avx512 : avx2 ? sp_memcpy_avx2 : sp_memcpy_sse2, sp_memcpy_rep_movsb, sp_memcpy_nt } },
    };
    double *pool = calloc((size_t)2 * (size_t)nsizes * NCAND * (size_t)rounds, sizeof(double));
    if (!pool) {
        fprintf(stderr, "syspath-calibrate: out of memory\n");
        return 2;
    }
    for (int f = 0, k = 0; f < 2; f++)
        for (int i = 0; i < nsizes; i++)
            for (int c = 0; c < NCAND; c++, k++)
                fams[f].samples[i][c] = pool + (size_t)k * (size_t)rounds;

    /* one untimed round: frequency ramp, TLB, caches */
    for (int f = 0; f < 2; f++)
        for (int i = 0; i < nsizes; i++)
            for (int c = 0; c < NCAND; c++)
                sample(&fams[f], c, sizes[i]);

    double start = now_ns();
    int done = 0;
    for (int r = 0; r < rounds; r++) {
        if (r >= MIN_ROUNDS && (now_ns() - start) / 1e9 > budget_s)
            break;
        for (int i = 0; i < nsizes; i++)
            for (int f = 0; f < 2; f++)
                for (int k = 0; k < NCAND; k++) {
                    int c = (k + r + i) % NCAND;     /* rotate the order */
                    fams[f].samples[i][c][r] = sample(&fams[f], c, sizes[i]);
                }
        done = r + 1;
    }
    double elapsed = (now_ns() - start) / 1e9;

    for (int f = 0; f < 2; f++) {
        for (int i = 0; i < nsizes; i++)
            for (int c = 0; c < NCAND; c++)
                fams[f].median[i][c] = median(fams[f].samples[i][c], done);
        rep_modes(&fams[f], done, elapsed);
        judge(&fams[f], NT, fams[f].rep_threshold, fams[f].rep_end, done);
        window(&fams[f], NT, &fams[f].nt_threshold, &fams[f].nt_end);
        second_window(&fams[f]);
    }

    if (verbose) {
        for (int f = 0; f < 2; f++) {
            fprintf(stderr, "%s rep modes: %s\n", fams[f].name, fams[f].rep_why);
            fprintf(stderr, "%s (GB/s, median of %d rounds; rep and nt: time ratio to the baseline, "
                    "interval, verdict)\n%12s %8s %8s %8s  %-24s %-24s\n", fams[f].name, done, "bytes",
                    fams[f].vec_name, "rep", "nt", "rep/vector", "nt/below");
            for (int i = 0; i < nsizes; i++) {
                char iv[2][40];
                for (int c = REP; c <= NT; c++) {
                    const double *r = fams[f].ratio[i][c];
                    snprintf(iv[c - REP], sizeof iv[0], "%.2f [%.2f,%.2f] %s", r[1], r[0], r[2],
                             fams[f].verdict[i][c] < 0 ? "win" : fams[f].verdict[i][c] > 0 ? "loss" : "tie");
                }
                fprintf(stderr, "%12zu %8.2f %8.2f %8.2f  %-24s %-24s\n", sizes[i],
                        sizes[i] / fams[f].median[i][VEC], sizes[i] / fams[f].median[i][REP],
                        sizes[i] / fams[f].median[i][NT], iv[0], iv[1]);
            }
        }
    }

    if (env) {
        for (int i = 0; i < SP_THRESHOLD_VARS; i++) {
            printf("%s=", sp_threshold_vars[i].name);
            print_threshold(stdout, fams, i, 0);
            putchar('\n');
        }
    } else {
        print_json(fams, max_size, done, elapsed);
    }
    free(pool);
    munmap(dst_buf, map);
    munmap(src_buf, map);
    return 0;
}


