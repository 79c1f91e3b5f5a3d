/*
 * test_memset_adapt.c — memset/auto's run-time choice from 1 MiB up
 * (impl/helpers/memset_adapt.c) decides by the costs it is given, sees a
 * switch of rep stosb's mode, shrugs off interrupted calls, runs rep
 * stosb when the two are within 1/16, and fills correctly whichever arm
 * runs.
 *
 *   test_memset_adapt         the choice on costs fed by hand (no clock):
 *                             rep, the other arm every 4th call until it
 *                             has 3 samples, then rep unless
 *                             the other is cheaper by 1/16, the other
 *                             every 16th call; after the
 *                             costs swap, the new cheaper arm within a few
 *                             explorations; the busier arm's interruptions
 *                             do not decide. Then sp_memset_auto at 1 and
 *                             1.5 MiB and (an nt window) 4 MiB, 48 calls:
 *                             every byte right, none past the end, and
 *                             both arms ran
 *   test_memset_adapt --off   under SYSPATH_MEMSET_ADAPT=0: the same fills
 *                             are right and the choice never ran
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../../impl/helpers/internal.h"
#include "check.h"

/* `calls` choices on b, each arm's call recorded at its ticks; how many
 * chose `arm` */
static int run(struct sp_adapt_bucket *b, int calls, uint64_t rep_ticks, uint64_t vector_ticks, int arm)
{
    int chosen = 0;
    for (int i = 0; i < calls; i++) {
        int a = sp_adapt_choose(b);
        chosen += a == arm;
        sp_adapt_record(b, a, a == SP_ADAPT_REP ? rep_ticks : vector_ticks, SP_ADAPT_FROM);
    }
    return chosen;
}

static void by_hand(void)
{
    struct sp_adapt_bucket b = { 0 };
    const size_t n = SP_ADAPT_FROM;   /* ticks below: a 1 MiB fill of tens of microseconds */
    /* rep first, the other arm every 4th call until it has a cost */
    const int quick = SP_ADAPT_EXPLORE / 4;
    int first_other = -1;
    for (int i = 1; i <= quick && first_other < 0; i++) {
        int arm = sp_adapt_choose(&b);
        if (arm != SP_ADAPT_REP)
            first_other = i;
        sp_adapt_record(&b, arm, arm == SP_ADAPT_REP ? 200000 : 100000, n);
    }
    CHECK(first_other == quick, "the other arm should first run at call %d, not %d", quick, first_other);

    /* vector costs half: once it has SP_ADAPT_MIN_SAMPLES samples it runs,
     * but for one call in SP_ADAPT_EXPLORE */
    int rep = run(&b, (SP_ADAPT_MIN_SAMPLES - 1) * quick, 200000, 100000, SP_ADAPT_REP);
    CHECK(rep == (SP_ADAPT_MIN_SAMPLES - 1) * (quick - 1),
          "rep should run until vector has %d samples: %d of %d", SP_ADAPT_MIN_SAMPLES, rep,
          (SP_ADAPT_MIN_SAMPLES - 1) * quick);
    while (b.calls % SP_ADAPT_EXPLORE)     /* to the next exploration's turn */
        run(&b, 1, 200000, 100000, SP_ADAPT_REP);
    rep = run(&b, 32 * SP_ADAPT_EXPLORE, 200000, 100000, SP_ADAPT_REP);
    CHECK(rep == 32, "rep should run once in %d calls while dearer: %d of %d", SP_ADAPT_EXPLORE, rep,
          32 * SP_ADAPT_EXPLORE);

    /* rep's mode switches: now it costs an eighth of what it did, a quarter
     * of vector. Its window's low quantile follows after three new samples:
     * within a few explorations it runs but for one call in SP_ADAPT_EXPLORE. */
    int switched_at = -1;
    for (int i = 0; i < 16 * SP_ADAPT_EXPLORE; i++) {
        int arm = sp_adapt_choose(&b);
        if (arm == SP_ADAPT_REP && switched_at < 0 && b.calls % SP_ADAPT_EXPLORE)
            switched_at = i;
        sp_adapt_record(&b, arm, arm == SP_ADAPT_REP ? 25000 : 100000, n);
    }
    CHECK(switched_at >= 0 && switched_at <= SP_ADAPT_WINDOW * SP_ADAPT_EXPLORE,
          "after rep turned cheaper it should win within %d explorations: first ordinary rep call %d",
          SP_ADAPT_WINDOW, switched_at);
    /* interrupted calls of rep (100x its cost) do not hand the choice to
     * vector: the low quantile leaves them out */
    while (b.calls % SP_ADAPT_EXPLORE == SP_ADAPT_EXPLORE - 1 || b.calls % SP_ADAPT_EXPLORE == 0)
        sp_adapt_record(&b, sp_adapt_choose(&b), 25000, n);
    CHECK(sp_adapt_choose(&b) == SP_ADAPT_REP, "rep should be the choice before the outliers");
    for (int i = 0; i < SP_ADAPT_WINDOW / 2 - 1; i++)
        sp_adapt_record(&b, SP_ADAPT_REP, 2500000, n);
    CHECK(sp_adapt_choose(&b) == SP_ADAPT_REP, "%d outliers of 100x moved the choice to vector",
          SP_ADAPT_WINDOW / 2 - 1);
    int vec = run(&b, 4 * SP_ADAPT_EXPLORE, 25000, 100000, SP_ADAPT_OTHER);
    CHECK(vec == 4, "vector should run once in %d calls once dearer: %d of %d", SP_ADAPT_EXPLORE, vec,
          4 * SP_ADAPT_EXPLORE);

    /* the arm that runs most collects the interruptions: one call in four
     * of rep at 4x its usual cost must not hand the choice to a vector loop
     * 45% dearer that runs too seldom to be interrupted (a mean did: rep's
     * mean rose past vector's on the Zen 5 guest while most of its calls
     * cost two thirds of vector's) */
    struct sp_adapt_bucket busy = { 0 };
    int rep_calls = 0, vec_calls = 0;
    for (int i = 0; i < 64 * SP_ADAPT_EXPLORE; i++) {
        int arm = sp_adapt_choose(&busy);
        if (arm == SP_ADAPT_REP)
            sp_adapt_record(&busy, arm, rep_calls++ % 4 == 3 ? 4 * 84000 : 84000, n);
        else
            vec_calls++, sp_adapt_record(&busy, arm, 122000, n);
    }
    CHECK(vec_calls == SP_ADAPT_MIN_SAMPLES + 64,
          "vector, 45%% dearer than rep's usual call, should run only to be timed: %d of %d", vec_calls,
          64 * SP_ADAPT_EXPLORE);

    /* two arms within 1/SP_ADAPT_MARGIN of each other: rep stosb (glibc's
     * own fill at these sizes) runs */
    struct sp_adapt_bucket near = { 0 };
    for (int i = 0; i < SP_ADAPT_MIN_SAMPLES; i++) {
        sp_adapt_record(&near, SP_ADAPT_OTHER, 95000, n);
        sp_adapt_record(&near, SP_ADAPT_REP, 100000, n);
    }
    int other = 0;
    for (int i = 0; i < 2 * SP_ADAPT_EXPLORE; i++)
        other += sp_adapt_choose(&near) == SP_ADAPT_OTHER;
    CHECK(other == 2, "an arm 5%% cheaper than rep should not displace it: it ran %d of %d", other,
          2 * SP_ADAPT_EXPLORE);
}

/* fills of n bytes at a page-aligned dst, 64 guard bytes after it */
static void fills(size_t n, int expect_adapt)
{
    const size_t guard = 64;
    unsigned char *p = mmap(NULL, n + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        FAIL("cannot map %zu bytes", n + 4096);
        return;
    }
    const struct sp_adapt_bucket *b = sp_memset_adapt_bucket(n);
    unsigned before = b->calls;
    for (int i = 0; i < 48; i++) {
        int c = 0x21 + i;
        memset(p + n, 0x5a, guard);
        CHECK(sp_memset_auto(p, c, n) == p, "%zu B: auto did not return dst", n);
        size_t bad = n;
        for (size_t j = 0; j < n; j += 4093)
            if (p[j] != c)
                bad = j;
        CHECK(bad == n && p[n - 1] == c, "%zu B, call %d: byte %zu not filled", n, i, bad == n ? n - 1 : bad);
        for (size_t j = 0; j < guard; j++)
            CHECK(p[n + j] == 0x5a, "%zu B: wrote past the end (+%zu)", n, j);
    }
    if (expect_adapt) {
        CHECK(b->calls - before == 48, "%zu B: the choice ran %u times, not 48", n, b->calls - before);
        CHECK(b->runs[SP_ADAPT_REP] > 0 && b->runs[SP_ADAPT_OTHER] > 0,
              "%zu B: both arms should have run (rep %u, vector %u)", n, b->runs[SP_ADAPT_REP],
              b->runs[SP_ADAPT_OTHER]);
    } else if (!expect_adapt) {
        CHECK(b->calls == before, "%zu B: SYSPATH_MEMSET_ADAPT=0, yet the choice ran", n);
    }
    munmap(p, n + 4096);
}

int main(int argc, char **argv)
{
    int off = argc > 1 && strcmp(argv[1], "--off") == 0;
    if (!off)
        by_hand();
    /* the choice lives in the AVX2 and AVX-512 builds; SSE2 alone keeps
     * calibration's classes */
    int adapts = !off && sp_cpu_has(SP_CPU_AVX2);
    /* an nt window from 4 MiB, so that the other arm there is nt */
    setenv("SYSPATH_MEMSET_NT_THRESHOLD", "4194304", 1);
    setenv("SYSPATH_MEMSET_NT_END", "never", 1);
    sp_auto_thresholds();   /* the set-up a first call would do on its own path */
    CHECK(sp_memset_auto_path(4 * SP_ADAPT_FROM) == SP_AUTO_NT, "4 MiB should be in the nt window");
    fills(SP_ADAPT_FROM, adapts);
    fills(SP_ADAPT_FROM + SP_ADAPT_FROM / 2, adapts);
    fills(4 * SP_ADAPT_FROM, adapts);
    if (failures)
        return 1;
    printf("ok: memset/auto's choice from 1 MiB%s\n", off ? " stays off under SYSPATH_MEMSET_ADAPT=0" : "");
    return 0;
}
