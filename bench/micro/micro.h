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
