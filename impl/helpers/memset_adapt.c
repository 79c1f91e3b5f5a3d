/*
 * memset_adapt.c — memset/auto from SP_ADAPT_FROM (1 MiB) up: rep stosb, or
 * calibration's other choice at that size (the build's vector loop, or
 * non-temporal stores in an nt window) when this process has lately timed
 * it faster by more than 1/16; each call timed with the TSC.
 *
 * Why at run time: on some machines rep stosb has two speeds and switches
 * between them on a scale of minutes (a shared guest: the Zen 5 guest's
 * rep stosb filled 4-16 MiB at about 40 GB/s in one stretch and at 90-109
 * GB/s in another, where its AVX-512 loop held 85). syspath-calibrate sees
 * one stretch and its windows bet on it; a bench ten minutes later met the
 * other, and memset/auto read 0.77x glibc at 4 MiB (vector chosen, rep now
 * fast; glibc's memset is rep stosb there). A call of 1 MiB or more takes
 * microseconds, so two TSC reads cost it nothing measurable.
 *
 * Per power-of-two bucket of sizes, each arm keeps its last 8 samples
 * (TSC ticks per 4 KiB), and its cost is a low quantile of them, the
 * third smallest of 8 (of k < 8: the (k - 1) / 3-th), once there are 3.
 * rep stosb runs unless the other arm is cheaper by more than 1/16, except
 * every SP_ADAPT_EXPLORE-th call (every 4th until the other arm has a
 * cost), which times the other arm again so a switch of mode is seen (at
 * most 1/16 of the calls pay the slower arm). Calibration only names the
 * other arm: a full run whose calibration ended rep's window just below
 * 64 MiB read 0.81x glibc there when its loop ran until rep had a cost
 * (a process makes some 45 calls of 64 MiB, rep's third sample came at
 * the 48th). Threads share the buckets with relaxed atomics: a lost
 * update costs one sample.
 * (A bucket that straddles the start of an nt window times both the loop
 * and nt as its other arm: calibration's windows start at powers of two.)
 *
 * Why rep stosb within the noise: it is what glibc's memset runs at these
 * sizes, so two arms within 1/16 of each other are a tie with glibc on one
 * side and a bet on the other. With calibration's arm kept within the
 * margin, a full run read 0.949x glibc at 64 MiB, where calibration
 * had put nt (38-41 GB/s) and rep stosb filled at 40-44.
 *
 * Why a low quantile: the arm that runs most is the one interrupted most,
 * and interruptions only ever make a call dearer. On the guest one call in
 * three or four of rep stosb at 16 MiB took 1.2-2.4x its neighbours (79-80
 * ticks per 4 KiB, with stretches of 100-190). Four estimates failed
 * before this one (memset/auto 0.87-0.94x glibc at 16-64 MiB in full
 * runs): a mean at 1/4 weight flipped between arms 20-33% apart; a
 * low-water mark compared the arms' luckiest calls, not their usual ones;
 * a mean at 1/8 weight, a sample capped at twice it, let the interruptions
 * lift the busy arm's cost past the explored one's (rep's calls at 83-85,
 * vector's explored ones at 122, the means at rep 136 and vector 125); and
 * the median of the last 8 rose with four slow calls of rep among them
 * (to 100-108, where vector's read 103-112), so in a loop paired with
 * glibc auto ran the vector loop 43 times in 400 calls, where exploring
 * alone is 25, and a window renewed only every 16th call held a wrong
 * choice for long. The third smallest of 8 moves only when six of them
 * do, and follows a switch of mode within 3 samples downward, 6 upward.
 *
 * The SSE2-only build does not adapt. SYSPATH_MEMSET_ADAPT=0 turns it off
 * (thresholds.c): then calibration's windows decide every size.
 */
#include <x86intrin.h>

#include "internal.h"

static struct sp_adapt_bucket buckets[64];

static unsigned bucket_of(size_t n)
{
    return 63u - (unsigned)__builtin_clzll((unsigned long long)n);
}

uint32_t sp_adapt_cost(const struct sp_adapt_bucket *b, int arm)
{
    uint32_t v[SP_ADAPT_WINDOW];
    int k = 0;
    for (int i = 0; i < SP_ADAPT_WINDOW; i++) {
        uint32_t x = __atomic_load_n(&b->window[arm][i], __ATOMIC_RELAXED);
        if (!x)
            continue;                           /* an empty slot */
        int j = k++;
        for (; j > 0 && v[j - 1] > x; j--)     /* insertion sort: eight at most */
            v[j] = v[j - 1];
        v[j] = x;
    }
    return k < SP_ADAPT_MIN_SAMPLES ? 0 : v[(k - 1) / 3];   /* of 8: the third smallest */
}

int sp_adapt_choose(struct sp_adapt_bucket *b)
{
    unsigned calls = __atomic_add_fetch(&b->calls, 1, __ATOMIC_RELAXED);
    uint32_t rep = sp_adapt_cost(b, SP_ADAPT_REP), other = sp_adapt_cost(b, SP_ADAPT_OTHER);
    /* rep stosb unless the other arm is cheaper by more than 1/SP_ADAPT_MARGIN */
    int best = rep && other && other + other / SP_ADAPT_MARGIN < rep ? SP_ADAPT_OTHER : SP_ADAPT_REP;
    /* the other arm every SP_ADAPT_EXPLORE-th call, every quarter of that
     * until it has a cost */
    unsigned every = other ? SP_ADAPT_EXPLORE : SP_ADAPT_EXPLORE / 4;
    return calls % every == 0 ? !best : best;
}

void sp_adapt_record(struct sp_adapt_bucket *b, int arm, uint64_t ticks, size_t n)
{
    uint64_t per4k = ticks * 4096 / n;
    uint32_t sample = per4k > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)per4k + 1;  /* 0 is "empty" */
    unsigned slot = __atomic_fetch_add(&b->runs[arm], 1, __ATOMIC_RELAXED) % SP_ADAPT_WINDOW;
    __atomic_store_n(&b->window[arm][slot], sample, __ATOMIC_RELAXED);
}

void *sp_memset_adapt(void *dst, int c, size_t n, sp_memset_fn other)
{
    struct sp_adapt_bucket *b = &buckets[bucket_of(n)];
    int arm = sp_adapt_choose(b);
    uint64_t t0 = __rdtsc();
    if (arm == SP_ADAPT_REP)
        sp_memset_rep_stosb(dst, c, n);
    else
        other(dst, c, n);
    sp_adapt_record(b, arm, __rdtsc() - t0, n);
    return dst;
}

size_t sp_memset_auto_adapt_from(void)
{
    sp_auto_thresholds();
    return SP_LIM(set_adapt) ? SP_ADAPT_FROM : SP_THRESHOLD_NEVER;
}

const struct sp_adapt_bucket *sp_memset_adapt_bucket(size_t n)
{
    return &buckets[bucket_of(n)];
}
