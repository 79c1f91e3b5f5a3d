/*
 * memset_adapt.c — memset/auto from SP_ADAPT_FROM (1 MiB) up: rep stosb or
 * the build's vector loop, whichever this process has lately timed faster
 * at that size, each call timed with the TSC.
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
 * Per power-of-two size bucket, one cost per arm: TSC ticks per 4 KiB, a
 * running mean giving each call 1/8 of the weight, a sample counted as at
 * most twice the mean. On the guest samples of one arm at one size spread
 * over several times, one in a few dozen 10-80 times its neighbours (an
 * interruption). Two full runs taught the rest: a mean at 1/4 weight
 * flipped between arms 20-33% apart, and a low-water mark compared the
 * arms' luckiest calls, not their usual ones (memset/auto read 0.87-0.91x
 * glibc at 16-64 MiB, rep stosb alone 0.95-1.00x). The calibrated arm
 * runs unless the other, once timed, is cheaper by more than 1/8 (two
 * arms within the noise keep calibration's), except every
 * SP_ADAPT_EXPLORE-th call, which times the other arm again so a switch of
 * mode is seen (at most 1/16 of the calls pay the slower arm). Threads
 * share the buckets with relaxed atomics: a lost update costs one sample.
 * nt windows are not adapted (calibration's choice stands there), nor the
 * SSE2-only build. SYSPATH_MEMSET_ADAPT=0 turns it off (thresholds.c): then
 * calibration's windows decide every size, as before.
 */
#include <x86intrin.h>

#include "internal.h"

static struct sp_adapt_bucket buckets[64];

static unsigned bucket_of(size_t n)
{
    return 63u - (unsigned)__builtin_clzll((unsigned long long)n);
}

int sp_adapt_choose(struct sp_adapt_bucket *b, int calibrated)
{
    unsigned calls = __atomic_add_fetch(&b->calls, 1, __ATOMIC_RELAXED);
    uint32_t cost[2] = { __atomic_load_n(&b->cost[0], __ATOMIC_RELAXED),
                         __atomic_load_n(&b->cost[1], __ATOMIC_RELAXED) };
    int other = !calibrated;
    /* the other arm only when it is cheaper by more than 1/8: two arms
     * within the noise keep calibration's */
    int best = cost[calibrated] && cost[other] && cost[other] + cost[other] / 8 < cost[calibrated]
                   ? other : calibrated;
    return calls % SP_ADAPT_EXPLORE == 0 ? !best : best;
}

void sp_adapt_record(struct sp_adapt_bucket *b, int arm, uint64_t ticks, size_t n)
{
    uint64_t per4k = ticks * 4096 / n;
    uint32_t sample = per4k > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)per4k + 1;  /* 0 is "not timed" */
    uint32_t old = __atomic_load_n(&b->cost[arm], __ATOMIC_RELAXED);
    if (old && sample / 2 > old)
        sample = old * 2;   /* an interrupted call counts as twice the mean at most */
    uint32_t est = old ? (uint32_t)(((uint64_t)old * 7 + sample) / 8) : sample;
    __atomic_store_n(&b->cost[arm], est, __ATOMIC_RELAXED);
    __atomic_add_fetch(&b->runs[arm], 1, __ATOMIC_RELAXED);
}

void *sp_memset_adapt(void *dst, int c, size_t n, enum sp_auto_path calibrated, sp_memset_fn vector)
{
    struct sp_adapt_bucket *b = &buckets[bucket_of(n)];
    int arm = sp_adapt_choose(b, calibrated == SP_AUTO_REP ? SP_ADAPT_REP : SP_ADAPT_VECTOR);
    uint64_t t0 = __rdtsc();
    if (arm == SP_ADAPT_REP)
        sp_memset_rep_stosb(dst, c, n);
    else
        vector(dst, c, n);
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
