/*
 * bench/micro/micro.h — what bench-syscalls and bench-helpers share.
 *
 * A benchmark row is one operation (a syscall through a table, a helper on a
 * buffer) described once as a fixture and measured two ways from that same
 * code:
 *   - timed, by google-benchmark (`for (auto _ : state) op();`);
 *   - counted, by callgrind, in `--count` mode: the op runs N times, then 2N
 *     times, each run between a CALLGRIND_ZERO_STATS and a
 *     CALLGRIND_DUMP_STATS_AT client request. Both runs execute exactly the
 *     same instructions except the N extra loop turns, so scripts/count takes
 *     (Ir(2N) - Ir(N)) / N: user-space instructions per op, exact, with no
 *     startup or fixture cost in it. Outside valgrind the client requests are
 *     no-ops, so `--count` still runs (and says nothing was counted).
 *
 * A fixture F is any copyable type with
 *   std::string setup();   "" when ready, else why this row cannot run here
 *   void op();             one call of the thing measured (kept alive)
 *   std::string check();   "" if every op() so far behaved, else what went wrong
 *   void teardown();
 * plus the Row's `items` (ops per op() call: 4096 htons values, N uring NOPs)
 * and `bytes` (bytes per op() call, for bytes_per_second). Rows whose unit is
 * the item (htons values, uring NOPs) report items_per_second even for 1.
 */
#ifndef SYSPATH_BENCH_MICRO_H
#define SYSPATH_BENCH_MICRO_H

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <new>
#include <string>
#include <vector>

#ifdef SYSPATH_HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#endif

namespace sp_micro {

struct Row {
    std::string name;                                  /* e.g. "syscall/getppid/asm" */
    long items = 1;                                    /* ops per op() call */
    long bytes = 0;                                    /* bytes per op() call (0: none) */
    bool manual_time = false;                          /* the body times itself (paired_row) */
    std::function<void(benchmark::State &)> bench;     /* the google-benchmark body */
    std::function<std::string(long iterations)> count; /* count mode; "" or a skip reason */
};

/* One callgrind region: counters zeroed, loop(n), counters dumped under
 * `tag`. Not inlined, so the N and the 2N region run the very same machine
 * code around the loop (same basic blocks at the client requests): only the
 * loop's trip count differs between them. */
template <class Loop>
__attribute__((noinline)) void region(Loop &loop, long n, const char *tag)
{
#ifdef SYSPATH_HAVE_CALLGRIND_H
    CALLGRIND_ZERO_STATS;
#endif
    loop(n);
#ifdef SYSPATH_HAVE_CALLGRIND_H
    CALLGRIND_DUMP_STATS_AT(tag);
#endif
    benchmark::DoNotOptimize(tag);
}

/* The N / 2N pair of callgrind regions around `loop(n)` (see the top of this
 * file), after one warm-up call. */
template <class Loop>
void measure(const std::string &name, long iterations, Loop &&loop)
{
    loop(1); /* warm-up: lazy PLT binding, first touch, `auto`'s one-time env read */
    const std::string tag1 = name + "#1", tag2 = name + "#2";
    region(loop, iterations, tag1.c_str());
    region(loop, 2 * iterations, tag2.c_str());
}

/* Where the timed loop's fixture lives. op() reloads its fields (the buffer
 * pointers, the function) on every turn, and a load whose address matches a
 * store still in flight in its low 12 bits waits for it (the CPU's memory
 * disambiguation compares only those bits). A fixture wherever the heap put
 * it shared a page offset with the bytes the previous call had just stored
 * in some rows and not in others, so memcpy/avx512 and memcpy/auto, the
 * same copy, timed apart at 1 KiB in every process. So every row runs its
 * fixture from the same spot, 3.5 KiB into a page: past the stores of any
 * call shorter than 3.5 KiB (dst is page-aligned, +1 when misaligned), and
 * every row pays the same for the rest. */
constexpr size_t fixture_offset = 3584;
alignas(4096) inline unsigned char fixture_page[8192];

template <class F>
F *fixture_slot(const F &from)
{
    static_assert(sizeof(F) <= sizeof fixture_page - fixture_offset && alignof(F) <= 64,
                  "fixture too large for its slot");
    return new (fixture_page + fixture_offset) F(from);
}

/* Build a Row from a fixture: the timed body and the counted body call the
 * same F::op(), inlined into each loop. Rows run one at a time, so one slot
 * serves all of them. */
template <class F>
Row row(std::string name, F fixture, long items = 1, long bytes = 0, bool report_items = false)
{
    Row r;
    r.name = name;
    r.items = items;
    r.bytes = bytes;
    r.bench = [fixture, items, bytes, report_items](benchmark::State &state) {
        F &f = *fixture_slot(fixture);
        std::string why = f.setup();
        if (!why.empty()) {
            f.~F();
            state.SkipWithError(why.c_str());
            return;
        }
        for (auto _ : state)
            f.op();
        why = f.check();
        f.teardown();
        f.~F();
        if (!why.empty()) {
            state.SkipWithError(why.c_str());
            return;
        }
        if (report_items || items > 1)
            state.SetItemsProcessed(state.iterations() * items);
        if (bytes > 0)
            state.SetBytesProcessed(state.iterations() * bytes);
    };
    r.count = [fixture, name](long iterations) mutable -> std::string {
        std::string why = fixture.setup();
        if (!why.empty())
            return why;
        measure(name, iterations, [&fixture](long n) {
            for (long i = 0; i < n; i++)
                fixture.op();
        });
        why = fixture.check();
        fixture.teardown();
        return why;
    };
    return r;
}

/* A row timed against a reference in the same loop: each iteration is one
 * pass of the row's op() and one of the reference's, in alternating order (so
 * neither always inherits the other's cache state), each pass timed by the
 * monotonic clock. A pass is `batch` op() calls, batch doubled before the
 * loop until a pass takes PAIR_PASS_NS (a clock read costs tens of
 * nanoseconds: a pass of one short call would time the clock). The row's
 * time is its own passes alone (manual time; items and bytes count every
 * call), and the counter `counter` is, for each repetition, the median over
 * pairs of iterations (one of each order) of the row's time over the
 * reference's: a ratio measured on the same buffers microseconds apart, so
 * a frequency change or a neighbour lands on both sides of it alike, and the
 * median leaves out the pairs a preemption landed in (it adds milliseconds
 * to one pass: a mean of passes follows those). `pair_batch` says the batch.
 * Counted (callgrind) as the row alone. */
constexpr double PAIR_PASS_NS = 2000;

template <class F>
Row paired_row(std::string name, F fixture, F reference, const char *counter, long items = 1,
               long bytes = 0)
{
    Row r = row(name, fixture, items, bytes);
    struct Pair {
        F mine, ref;
    };
    r.manual_time = true;
    r.bench = [fixture, reference, counter, items, bytes](benchmark::State &state) {
        Pair &p = *fixture_slot(Pair{fixture, reference});
        std::string why = p.mine.setup();
        if (why.empty())
            why = p.ref.setup();
        using clock = std::chrono::steady_clock;
        auto pass = [](F &f, long batch) {
            auto t0 = clock::now();
            for (long i = 0; i < batch; i++)
                f.op();
            return std::chrono::duration<double>(clock::now() - t0).count();
        };
        long batch = 1;
        std::vector<double> ratios;
        double mine_pair = 0, ref_pair = 0;
        bool mine_first = true;
        if (why.empty()) {
            while (batch < (1L << 20) && pass(p.mine, batch) * 1e9 < PAIR_PASS_NS)
                batch *= 2;
            for (auto _ : state) {
                double first = pass(mine_first ? p.mine : p.ref, batch);
                double second = pass(mine_first ? p.ref : p.mine, batch);
                double mine = mine_first ? first : second;
                mine_pair += mine;
                ref_pair += mine_first ? second : first;
                state.SetIterationTime(mine);
                mine_first = !mine_first;
                if (mine_first) {   /* a pair done: one iteration of each order */
                    if (ref_pair > 0)
                        ratios.push_back(mine_pair / ref_pair);
                    mine_pair = ref_pair = 0;
                }
            }
            if (ratios.empty() && ref_pair > 0)   /* a single iteration (a huge buffer) */
                ratios.push_back(mine_pair / ref_pair);
            why = p.mine.check();
            if (why.empty())
                why = p.ref.check();
        }
        p.mine.teardown();
        p.ref.teardown();
        p.~Pair();
        if (!why.empty()) {
            state.SkipWithError(why.c_str());
            return;
        }
        /* an iteration is a pass of `batch` calls */
        if (items > 1 || batch > 1)
            state.SetItemsProcessed(state.iterations() * items * batch);
        if (bytes > 0)
            state.SetBytesProcessed(state.iterations() * bytes * batch);
        state.counters["pair_batch"] = (double)batch;
        if (!ratios.empty()) {
            auto mid = ratios.begin() + ratios.size() / 2;
            std::nth_element(ratios.begin(), mid, ratios.end());
            state.counters[counter] = *mid;
        }
    };
    return r;
}

/* What a binary's main() hands to run(). */
struct Program {
    const char *name;          /* "bench-syscalls" */
    const char *help;          /* the lines about this binary's own flags and rows */
    /* Extra flags of this binary: return 1 if argv[i] was one (consumed),
     * 0 if not, -1 after printing a one-line error. */
    std::function<int(const char *arg)> flag;
    /* The rows, in their stable registration order; skipped rows are left out
     * with a line on stderr saying which and why. */
    std::function<std::vector<Row>()> rows;
    /* Every row runs for --benchmark_min_time x this (google-benchmark's
     * default 0.5 s when the flag is absent). Not Benchmark::MinTime(), which
     * would append "/min_time:..." to every row name. */
    double min_time_share = 1.0;
};

/* Parse the shared flags (--help, --count[=REGEX], --count-iterations=N, and
 * the program's own), then either register every row with google-benchmark
 * and run it, or run count mode. Returns the process exit status. */
int run(const Program &prog, int argc, char **argv);

/* Running under valgrind (count mode's usual home)? false if built without
 * valgrind's headers. */
bool under_valgrind();

/* A line on stderr, prefixed with the program's name. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

} // namespace sp_micro

#endif /* SYSPATH_BENCH_MICRO_H */
