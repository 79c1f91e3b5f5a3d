/*
 * bench/micro/micro.cc — the shared main of bench-syscalls and bench-helpers:
 * our own flags first, then google-benchmark's (or count mode).
 */
#include "micro.h"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <regex.h>

namespace sp_micro {

static const char *prog_name = "bench";
static double min_time = 0.5; /* google-benchmark 1.7's default for --benchmark_min_time */

bool under_valgrind()
{
#ifdef SYSPATH_HAVE_CALLGRIND_H
    return RUNNING_ON_VALGRIND != 0;
#else
    return false;
#endif
}

void note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    std::fprintf(stderr, "%s: ", prog_name);
    std::vfprintf(stderr, fmt, ap);
    std::fputc('\n', stderr);
    va_end(ap);
}

static const char shared_help[] =
    "\n"
    "Count mode (instead of timing; scripts/count runs it under valgrind --tool=callgrind):\n"
    "  --count[=REGEX]          run every row (or those whose name matches REGEX) N and 2N\n"
    "                           times between callgrind client requests, and print\n"
    "                           'name<TAB>items_per_op' per row on stdout (skipped rows:\n"
    "                           'skip<TAB>name<TAB>reason' on stderr)\n"
    "  --count-iterations=N     N for --count (default 1000)\n"
    "\n"
    "Everything else is google-benchmark's (1.7): --benchmark_filter=REGEX,\n"
    "--benchmark_min_time=S, --benchmark_repetitions=N,\n"
    "--benchmark_enable_random_interleaving=true, --benchmark_format=json,\n"
    "--benchmark_out=FILE --benchmark_out_format=json, --benchmark_list_tests=true ...\n"
    "Its own list follows.\n\n";

static bool parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = std::strtol(s, &end, 10);
    if (errno || end == s || *end || v <= 0)
        return false;
    *out = v;
    return true;
}

static int count_mode(const Program &prog, const char *filter, long iterations)
{
    regex_t re;   /* POSIX extended, like google-benchmark's --benchmark_filter */
    if (regcomp(&re, filter && *filter ? filter : ".*", REG_EXTENDED | REG_NOSUB) != 0) {
        note("--count: '%s' is not a valid regular expression", filter);
        return 2;
    }
#ifndef SYSPATH_HAVE_CALLGRIND_H
    note("built without valgrind/callgrind.h (Debian: valgrind): --count cannot mark "
         "regions; install valgrind and rebuild");
    (void)prog;
    (void)iterations;
    regfree(&re);
    return 2;
#else
    if (!under_valgrind())
        note("not running under valgrind: the rows run, but nothing is counted "
             "(use scripts/count)");
    int ran = 0;
    for (Row &r : prog.rows()) {
        if (regexec(&re, r.name.c_str(), 0, nullptr, 0) != 0)
            continue;
        std::string why = r.count(iterations);
        if (!why.empty()) {
            std::fprintf(stderr, "skip\t%s\t%s\n", r.name.c_str(), why.c_str());
            continue;
        }
        std::printf("%s\t%ld\n", r.name.c_str(), r.items);
        std::fflush(stdout);
        ran++;
    }
    regfree(&re);
    if (ran == 0) {
        note("--count: no row matches '%s'", filter ? filter : "");
        return 2;
    }
    return 0;
#endif
}

int run(const Program &prog, int argc, char **argv)
{
    prog_name = prog.name;
    bool help = false, counting = false;
    const char *count_filter = nullptr;
    long count_iterations = 1000;

    /* Take our flags out of argv; google-benchmark gets the rest. */
    std::vector<char *> rest = {argv[0]};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!std::strcmp(a, "--help") || !std::strcmp(a, "-h")) {
            help = true;
            continue;
        }
        if (!std::strcmp(a, "--count")) {
            counting = true;
            continue;
        }
        if (!std::strncmp(a, "--count=", 8)) {
            counting = true;
            count_filter = a + 8;
            continue;
        }
        if (!std::strncmp(a, "--count-iterations=", 19)) {
            if (!parse_long(a + 19, &count_iterations)) {
                note("--count-iterations wants a positive whole number, got '%s'", a + 19);
                return 2;
            }
            continue;
        }
        if (!std::strncmp(a, "--benchmark_min_time=", 21)) {
            char *end;
            double v = std::strtod(a + 21, &end);
            if (end == a + 21 || *end || !(v > 0)) {
                note("--benchmark_min_time wants seconds > 0, got '%s'", a + 21);
                return 2;
            }
            min_time = v;
            continue;   /* passed on below, scaled by prog.min_time_share */
        }
        if (prog.flag) {
            int r = prog.flag(a);
            if (r < 0)
                return 2;
            if (r > 0)
                continue;
        }
        rest.push_back(argv[i]);
    }

    if (help) {
        std::printf("usage: %s [options] [google-benchmark flags]\n\n%s%s", prog.name, prog.help,
                    shared_help);
        std::fflush(stdout);
        char help_flag[] = "--help";
        char *hargv[] = {argv[0], help_flag, nullptr};
        int hargc = 2;
        benchmark::Initialize(&hargc, hargv); /* prints its own flags and exits 0 */
        return 0;
    }
    if (counting) {
        if (rest.size() > 1) {
            note("--count takes no google-benchmark flag, got '%s'", rest[1]);
            return 2;
        }
        return count_mode(prog, count_filter, count_iterations);
    }

    /* One --benchmark_min_time for google-benchmark: the user's, scaled. */
    char min_time_arg[64];
    std::snprintf(min_time_arg, sizeof min_time_arg, "--benchmark_min_time=%g",
                  min_time * prog.min_time_share);
    rest.push_back(min_time_arg);
    bool json = false;   /* looked at before Initialize() consumes the flags */
    for (char *a : rest)
        json |= !std::strcmp(a, "--benchmark_format=json");
    int n = (int)rest.size();
    rest.push_back(nullptr);
    benchmark::Initialize(&n, rest.data());
    if (n > 1) {
        note("unknown option '%s' (see --help)", rest[1]);
        return 2;
    }
    std::vector<Row> rows = prog.rows();
    if (rows.empty()) {
        /* Nothing this machine can run (e.g. --libc-erms on a CPU without
         * ERMS): say so, and keep stdout valid JSON when JSON was asked for,
         * so a caller merging runs needs no special case. */
        note("no row can run on this machine (see the lines above)");
        if (json)
            std::printf("{\n  \"context\": {\"note\": \"no row can run on this machine\"},\n"
                        "  \"benchmarks\": []\n}\n");
        return 0;
    }
    for (Row &r : rows) {
        auto *b = benchmark::RegisterBenchmark(r.name.c_str(), r.bench)->Unit(benchmark::kNanosecond);
        if (r.manual_time)
            b->UseManualTime();   /* the name gains "/manual_time", which readers drop */
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

} // namespace sp_micro
