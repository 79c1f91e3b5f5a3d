/*
 * bench/micro/bench_helpers.cc — bench-helpers: the helper families
 * (impl/include/syspath/helpers.h) against each other and against glibc.
 *
 * Rows:
 *   <family>/<variant>/<bytes>             memset, strlen, memcpy; bytes 1, 2, 4 ...
 *                                          64 (x2), then 256, 1 KiB ... 64 MiB (x4)
 *   <family>/<variant>/<bytes>/misaligned  dst+1 (and src+1 for memcpy; the string
 *                                          starts at +1 for strlen) at 16 B, 256 B,
 *                                          4 KiB, 64 KiB
 *   (memcpy's src sits half a page past dst's offset: see Buffer below;
 *   memset/auto and memcpy/auto run in one loop with glibc, pass for pass,
 *   and carry vs_libc, their time over glibc's: add_vs_libc below)
 *   <family>/<variant>/mix/<distribution>  memset, memcpy: 32768 calls per iteration,
 *                                          sizes drawn from a production size
 *                                          distribution (distributions/<family>_<name>.csv), dst
 *                                          and src at random byte offsets in
 *                                          buffers 4x L1D; the draw is the same in
 *                                          every run. items_per_second = calls per
 *                                          second, bytes_per_second the drawn bytes;
 *                                          every variant but libc is timed in the
 *                                          same loop as glibc, pass for pass, and
 *                                          its counter vs_libc is its time ÷
 *                                          glibc's (micro.h's paired_row)
 *   memcpy/<variant>/align/<bytes>/dist<d> (dst - src) & 0xFFF = d, dst page-aligned
 *   memcpy/<variant>/align/<bytes>/dst<k>  dst misaligned by k, src aligned
 *                                          (rep movsb's cliffs: helpers.h); rep_movsb,
 *                                          avx2, avx512, auto, libc at 2113 B, 4 and 16 KiB
 *   htons/<variant>                        4096 values per iteration;
 *                                          items_per_second = values per second
 * bytes_per_second is set for every sized row (memcpy counts the bytes copied,
 * not read + written). Every call goes through the variant table's function
 * pointer, as a program choosing a variant at run time would.
 *
 * Variants whose `requires` this CPU lacks (sp_cpu_has, so SYSPATH_CPU_MASK
 * applies) are not registered: one line per variant on stderr says which
 * and why. memset/libc_erms only runs in a process started with
 * GLIBC_TUNABLES=SP_LIBC_ERMS_TUNABLES (see helpers.h): `--libc-erms` re-runs
 * this binary that way with only those rows.
 *
 * Time: every row runs for --benchmark_min_time x 0.1 (0.05 s by default,
 * however many calls that holds at the row's size), over ~660 rows per
 * repetition (run.json's steps record what each step took); --quick keeps a
 * representative size set.
 */
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

#include "distributions.h"
#include "micro.h"
#include "syspath/helpers.h"

using sp_micro::note;
using sp_micro::Row;

namespace {

bool quick = false;      /* --quick: a representative subset of sizes */
bool erms_only = false;  /* --libc-erms: only the rows that need SP_CPU_LIBC_ERMS_ENV */

const size_t KiB = 1024, MiB = 1024 * 1024;

std::vector<size_t> sizes()
{
    if (quick)
        return {16, 256, 4 * KiB, 64 * KiB, 1 * MiB, 16 * MiB};
    std::vector<size_t> v;
    for (size_t n = 1; n < 64; n *= 2)
        v.push_back(n);
    for (size_t n = 64; n <= 64 * MiB; n *= 4)
        v.push_back(n);
    return v;
}

const size_t misaligned_sizes[] = {16, 256, 4 * KiB, 64 * KiB};

/* Three work buffers (dst, src, string), grown on demand with mmap and touched
 * once, so no timed call ever takes a first-touch page fault. Page-aligned:
 * offset 0 is the aligned case, offset 1 the misaligned one. Never shrunk; a
 * row fetches its pointer in setup(), when no other row is running.
 *
 * memcpy's source starts src_skew bytes into its buffer (still 64-B aligned),
 * half a page away from the destination's offset. With source and
 * destination at the same offset in a 4 KiB page, or in a 2 MiB one (where
 * the kernel places mappings of 2 MiB and more), a call's loads are held up
 * by the previous call's stores to the matching destination bytes, which
 * the CPU's memory disambiguation cannot tell apart (it compares only low
 * address bits). Left to the allocator, a small copy lost speed whenever
 * src happened to sit a whole 2 MiB past dst, and which variant suffered
 * depended on how far the buffers had grown, not on the copy (the
 * alignment sweep's dist<d> rows measure the effect on purpose). A row
 * times the copy. */
struct Buffer {
    unsigned char *p = nullptr;
    size_t size = 0;
    int fill = 0;
};
Buffer buffers[3];
enum { DST, SRC, STR };
const size_t slack = 4096;   /* room for the +1 offset and the string's NUL */
const size_t src_skew = 2048;

unsigned char *buffer(int which, size_t need)
{
    Buffer &b = buffers[which];
    need += slack;
    if (b.size >= need)
        return b.p;
    if (b.p)
        munmap(b.p, b.size);
    size_t size = (need + 4095) & ~(size_t)4095;
    void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        note("cannot map %zu bytes: %s", size, strerror(errno));
        std::exit(2);
    }
    b.p = (unsigned char *)p;
    b.size = size;
    /* src: a byte pattern; string: no NUL anywhere (rows place their own) */
    std::memset(b.p, which == SRC ? 0x5a : which == STR ? 'x' : 0, size);
    return b.p;
}

/* Hide a function pointer's value from the optimiser, so the call through it
 * stays a call to whatever the table holds. */
template <class Fn>
Fn opaque(Fn fn)
{
    __asm__ volatile("" : "+r"(fn));
    return fn;
}

struct Memset {
    sp_memset_fn fn;
    size_t n, off;
    unsigned char *dst = nullptr;
    std::string setup()
    {
        fn = opaque(fn);
        dst = buffer(DST, n + off) + off;
        void *r = fn(dst, 0x41, n);
        if (r != dst || (n && (dst[0] != 0x41 || dst[n - 1] != 0x41)))
            return "the variant did not fill the buffer / return dst";
        return "";
    }
    void op()
    {
        benchmark::DoNotOptimize(fn(dst, 0x41, n));
        benchmark::ClobberMemory();
    }
    std::string check() { return ""; }
    void teardown() {}
};

struct Memcpy {
    sp_memcpy_fn fn;
    size_t n, off;
    unsigned char *dst = nullptr, *src = nullptr;
    std::string setup()
    {
        fn = opaque(fn);
        dst = buffer(DST, n + off) + off;
        src = buffer(SRC, n + off + src_skew) + src_skew + off;
        void *r = fn(dst, src, n);
        if (r != dst || (n && std::memcmp(dst, src, n < 4096 ? n : 4096) != 0))
            return "the variant did not copy / return dst";
        return "";
    }
    void op()
    {
        benchmark::DoNotOptimize(fn(dst, src, n));
        benchmark::ClobberMemory();
    }
    std::string check() { return ""; }
    void teardown() {}
};

/* The mix rows' draw: `calls` (size, dst offset, src offset) triples from
 * a size distribution, offsets uniform over a buffer of `span` bytes (the
 * whole call inside it), from a fixed seed: every run and every process
 * times the same sequence.
 *
 * Why 32768 calls: a branch predictor learns a sequence it sees over and
 * over. With 1024 calls a pass (this suite's first draw) it learned them on
 * the Zen 5 guest: glibc's memcpy took 2.8 ns a call on google_b's sizes,
 * and 11 ns once the draw was 32768 calls, where a longer one no longer
 * changes it (8192: 6.2 ns; 16384: 9.9; 65536: 11.1). A program's sizes
 * do not repeat with a period of a thousand calls, so the short draw timed
 * a case no program has: every size test predicted. Packed in 8 bytes a
 * triple (n < 2^16, offsets < 2^24), the draw is 256 KiB. */
const int mix_calls = 32768;
struct Draw {
    uint64_t bits;  /* n | dst << 16 | src << 40 */
    size_t n() const { return bits & 0xffff; }
    size_t dst() const { return (bits >> 16) & 0xffffff; }
    size_t src() const { return bits >> 40; }
};

uint64_t splitmix64(uint64_t &state)
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* 4 x L1D (as sp_cpu_caches reports it; 48 KiB if unknown): larger than
 * L1, as a program's buffers are, and the same for every variant */
size_t mix_span()
{
    struct sp_cpu_caches c;
    sp_cpu_caches(&c);
    return 4 * (c.l1d ? c.l1d : 48 * KiB);
}

/* The draw for distribution d (inverse CDF over its probabilities) and its
 * total bytes. */
std::vector<Draw> draw(const sp_distribution &d, size_t span, long *total)
{
    if (d.n > 0x10000 || span > 0x1000000) {
        std::fprintf(stderr, "bench-helpers: a draw holds sizes below 64 KiB in buffers below 16 MiB "
                             "(this one: %lu sizes, %zu-byte buffers)\n", d.n, span);
        std::exit(2);
    }
    std::vector<double> cdf(d.n);
    double sum = 0;
    for (unsigned long i = 0; i < d.n; i++)
        cdf[i] = sum += d.p[i];
    uint64_t state = 0x5eed5eed5eedull;
    std::vector<Draw> v(mix_calls);
    *total = 0;
    for (Draw &x : v) {
        double u = (double)(splitmix64(state) >> 11) * 0x1p-53 * sum;
        size_t n = std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin();
        if (n >= d.n)
            n = d.n - 1;
        uint64_t dst = splitmix64(state) % (span - n + 1);
        uint64_t src = splitmix64(state) % (span - n + 1);
        x.bits = n | dst << 16 | src << 40;
        *total += (long)n;
    }
    return v;
}

/* One iteration: the whole draw, in order. The draw itself lives on the
 * heap, read once per call like a program's own arguments. */
struct MixMemset {
    sp_memset_fn fn;
    const Draw *d;
    size_t span;
    unsigned char *dst = nullptr;
    std::string setup()
    {
        fn = opaque(fn);
        dst = buffer(DST, span);
        for (int i = 0; i < mix_calls; i++)
            if (fn(dst + d[i].dst(), 0x41, d[i].n()) != dst + d[i].dst() ||
                (d[i].n() && dst[d[i].dst() + d[i].n() - 1] != 0x41))
                return "the variant did not fill the buffer / return dst";
        return "";
    }
    void op()
    {
        for (int i = 0; i < mix_calls; i++)
            benchmark::DoNotOptimize(fn(dst + d[i].dst(), 0x41, d[i].n()));
        benchmark::ClobberMemory();
    }
    std::string check() { return ""; }
    void teardown() {}
};

struct MixMemcpy {
    sp_memcpy_fn fn;
    const Draw *d;
    size_t span;
    unsigned char *dst = nullptr, *src = nullptr;
    std::string setup()
    {
        fn = opaque(fn);
        dst = buffer(DST, span);
        src = buffer(SRC, span);
        for (int i = 0; i < mix_calls; i++) {
            const Draw &x = d[i];
            if (fn(dst + x.dst(), src + x.src(), x.n()) != dst + x.dst() ||
                std::memcmp(dst + x.dst(), src + x.src(), x.n()) != 0)
                return "the variant did not copy / return dst";
        }
        return "";
    }
    void op()
    {
        for (int i = 0; i < mix_calls; i++)
            benchmark::DoNotOptimize(fn(dst + d[i].dst(), src + d[i].src(), d[i].n()));
        benchmark::ClobberMemory();
    }
    std::string check() { return ""; }
    void teardown() {}
};

/* The alignment sweep: a copy of n bytes with dst at page offset dst_off
 * and src at page offset src_off (both buffers page-aligned). */
struct AlignMemcpy {
    sp_memcpy_fn fn;
    size_t n, dst_off, src_off;
    unsigned char *dst = nullptr, *src = nullptr;
    std::string setup()
    {
        fn = opaque(fn);
        dst = buffer(DST, n + 4096) + dst_off;
        src = buffer(SRC, n + 4096) + src_off;
        if (fn(dst, src, n) != dst || std::memcmp(dst, src, n) != 0)
            return "the variant did not copy / return dst";
        return "";
    }
    void op()
    {
        benchmark::DoNotOptimize(fn(dst, src, n));
        benchmark::ClobberMemory();
    }
    std::string check() { return ""; }
    void teardown() {}
};

struct Strlen {
    sp_strlen_fn fn;
    size_t n, off;
    char *s = nullptr;
    std::string setup()
    {
        fn = opaque(fn);
        s = (char *)buffer(STR, n + off + 1) + off;
        s[n] = 0;
        size_t r = fn(s);
        if (r != n) {
            teardown();
            return "strlen returned " + std::to_string(r) + ", expected " + std::to_string(n);
        }
        return "";
    }
    void op()
    {
        benchmark::DoNotOptimize(fn(s));
        benchmark::ClobberMemory();   /* the string may change between calls, as far as
                                         the compiler knows: no hoisting */
    }
    std::string check() { return ""; }
    void teardown()
    {
        if (s)
            s[n] = 'x';   /* the buffer has no NUL again for the next row */
        s = nullptr;
    }
};

const int htons_count = 4096;

struct Htons {
    sp_htons_fn fn;
    uint16_t *in = nullptr, *out = nullptr;
    std::string setup()
    {
        fn = opaque(fn);
        in = (uint16_t *)buffer(SRC, htons_count * sizeof(uint16_t));
        out = (uint16_t *)buffer(DST, htons_count * sizeof(uint16_t));
        /* every high/low byte combination shows up; fixed, so runs compare */
        for (int i = 0; i < htons_count; i++)
            in[i] = (uint16_t)(i * 40503u + 12345u);
        for (int i = 0; i < htons_count; i++)
            if (fn(in[i]) != (uint16_t)((in[i] >> 8) | (in[i] << 8)))
                return "htons(" + std::to_string(in[i]) + ") is wrong";
        return "";
    }
    void op()
    {
        for (int i = 0; i < htons_count; i++)
            out[i] = fn(in[i]);
        benchmark::ClobberMemory();
    }
    std::string check() { return ""; }
    void teardown() {}
};

std::string feature_names(unsigned mask)
{
    char buf[256];
    sp_cpu_feature_names(mask, buf, sizeof buf);
    return buf[0] ? buf : "none";
}

/* Register-or-skip for one variant: "" if it runs here, else why not (said
 * once on stderr). In --libc-erms mode only the rows that need the tunable
 * run, and they need no note in the ordinary run beyond one pointer to it. */
bool wanted(const std::string &what, unsigned requires)
{
    bool erms_row = requires & SP_CPU_LIBC_ERMS_ENV;
    if (erms_only != erms_row) {
        if (erms_row)
            note("%s runs in a second process: bench-helpers --libc-erms (glibc reads "
                 "GLIBC_TUNABLES only at start)", what.c_str());
        return false;
    }
    if (!sp_cpu_has(requires)) {
        unsigned missing = requires & ~sp_cpu_features();
        note("skipping %s: needs %s, which this CPU lacks (has: %s%s)", what.c_str(),
             feature_names(missing).c_str(), feature_names(sp_cpu_features()).c_str(),
             getenv("SYSPATH_CPU_MASK") ? "; SYSPATH_CPU_MASK is set" : "");
        return false;
    }
    return true;
}

template <class F>
void add(std::vector<Row> &out, const std::string &name, F f, long items, long bytes,
         bool per_item = false)
{
    out.push_back(sp_micro::row(name, f, items, bytes, per_item));
}

bool is(const char *name, const char *want)
{
    return std::strcmp(name, want) == 0;
}

/* The glibc entry of a variant table (every family has one). */
template <class V>
const V *libc_variant(const V *table)
{
    for (const V *v = table; v->name; v++)
        if (is(v->name, "libc"))
            return v;
    note("no libc variant in a helper table");
    std::exit(2);
}

/* A row timed alone, or (paired) in one loop with glibc's fixture, pass for
 * pass (sp_micro::paired_row), its counter vs_libc its time over glibc's for
 * each repetition. Paired: every mix row but glibc's, and auto's sized rows,
 * the variant whose claim is "never slower than glibc" and whose few percent
 * either way drown in this machine's drift when timed apart. */
template <class Fixture>
void add_vs_libc(std::vector<Row> &out, const std::string &name, bool paired, Fixture f,
                 Fixture libc, long items, long bytes)
{
    if (paired)
        out.push_back(sp_micro::paired_row(name, f, libc, "vs_libc", items, bytes));
    else
        out.push_back(sp_micro::row(name, f, items, bytes));
}

/* The mix rows, distribution by distribution (generated distributions.h),
 * each variant of its family that runs here. A draw outlives its rows. */
void mix_rows(std::vector<Row> &out)
{
    static std::vector<std::vector<Draw>> draws;
    size_t span = mix_span();
    draws.reserve(sizeof sp_distributions / sizeof sp_distributions[0]);
    for (const sp_distribution *d = sp_distributions; d->family; d++) {
        long total;
        draws.push_back(draw(*d, span, &total));
        const Draw *dr = draws.back().data();
        std::string fam = d->family;
        if (fam == "memset") {
            MixMemset libc{libc_variant(sp_memset_variants)->fn, dr, span};
            for (const sp_memset_variant *v = sp_memset_variants; v->name; v++)
                if (!(v->requires & SP_CPU_LIBC_ERMS_ENV) && sp_cpu_has(v->requires))
                    add_vs_libc(out, "memset/" + std::string(v->name) + "/mix/" + d->name,
                                !is(v->name, "libc"), MixMemset{v->fn, dr, span}, libc, mix_calls, total);
        } else if (fam == "memcpy") {
            MixMemcpy libc{libc_variant(sp_memcpy_variants)->fn, dr, span};
            for (const sp_memcpy_variant *v = sp_memcpy_variants; v->name; v++)
                if (sp_cpu_has(v->requires))
                    add_vs_libc(out, "memcpy/" + std::string(v->name) + "/mix/" + d->name,
                                !is(v->name, "libc"), MixMemcpy{v->fn, dr, span}, libc, mix_calls, total);
        }
    }
    benchmark::AddCustomContext("mix_span_bytes", std::to_string(span));
    benchmark::AddCustomContext("mix_calls_per_iteration", std::to_string(mix_calls));
}

/* The alignment sweep at 2-16 KiB: distances (dst - src) & 0xFFF with dst
 * page-aligned, then dst misaligned with src aligned (distance 2048 + k).
 * The small distances are the aliasing cliff's region, 2048 the clean case;
 * dst+15 at 2113 B is the publicly reported Zen 3 cliff (helpers.h).
 * 5 variants x 3 sizes x 12 placements: 180 rows. */
const size_t align_sizes[] = {2113, 4 * KiB, 16 * KiB};
const size_t align_dists[] = {0, 16, 64, 128, 192, 256, 2048, 4032};
const size_t align_dst_offs[] = {1, 15, 33, 63};

void align_rows(std::vector<Row> &out)
{
    static const char *const names[] = {"rep_movsb", "avx2", "avx512", "auto", "libc"};
    for (const char *want : names)
        for (const sp_memcpy_variant *v = sp_memcpy_variants; v->name; v++) {
            if (!is(v->name, want) || !sp_cpu_has(v->requires))
                continue;
            for (size_t n : align_sizes) {
                std::string base = "memcpy/" + std::string(v->name) + "/align/" + std::to_string(n);
                for (size_t dist : align_dists)
                    add(out, base + "/dist" + std::to_string(dist),
                        AlignMemcpy{v->fn, n, 0, (4096 - dist) & 4095}, 1, (long)n);
                for (size_t k : align_dst_offs)
                    add(out, base + "/dst" + std::to_string(k),
                        AlignMemcpy{v->fn, n, k, 2048}, 1, (long)n);
            }
        }
}

std::vector<Row> rows()
{
    std::vector<Row> out;
    const std::vector<size_t> sz = sizes();

    /* The aligned rows first, family by family, then the misaligned ones: a
     * stable order, so every run registers the same set the same way. */
    sp_memset_fn libc_memset = libc_variant(sp_memset_variants)->fn;
    sp_memcpy_fn libc_memcpy = libc_variant(sp_memcpy_variants)->fn;
    for (const sp_memset_variant *v = sp_memset_variants; v->name; v++)
        if (wanted(std::string("memset/") + v->name, v->requires))
            for (size_t n : sz)
                add_vs_libc(out, "memset/" + std::string(v->name) + "/" + std::to_string(n),
                            is(v->name, "auto"), Memset{v->fn, n, 0}, Memset{libc_memset, n, 0}, 1,
                            (long)n);
    if (!erms_only) {
        for (const sp_strlen_variant *v = sp_strlen_variants; v->name; v++)
            if (wanted(std::string("strlen/") + v->name, v->requires))
                for (size_t n : sz)
                    add(out, "strlen/" + std::string(v->name) + "/" + std::to_string(n),
                        Strlen{v->fn, n, 0}, 1, (long)n);
        for (const sp_memcpy_variant *v = sp_memcpy_variants; v->name; v++)
            if (wanted(std::string("memcpy/") + v->name, v->requires))
                for (size_t n : sz)
                    add_vs_libc(out, "memcpy/" + std::string(v->name) + "/" + std::to_string(n),
                                is(v->name, "auto"), Memcpy{v->fn, n, 0}, Memcpy{libc_memcpy, n, 0},
                                1, (long)n);
    }

    /* sp_cpu_has() was asked and answered above; the misaligned set repeats
     * the same variants quietly. */
    for (const sp_memset_variant *v = sp_memset_variants; v->name; v++)
        if ((erms_only == !!(v->requires & SP_CPU_LIBC_ERMS_ENV)) && sp_cpu_has(v->requires))
            for (size_t n : misaligned_sizes)
                add_vs_libc(out, "memset/" + std::string(v->name) + "/" + std::to_string(n) + "/misaligned",
                            is(v->name, "auto"), Memset{v->fn, n, 1}, Memset{libc_memset, n, 1}, 1,
                            (long)n);
    if (!erms_only) {
        for (const sp_strlen_variant *v = sp_strlen_variants; v->name; v++)
            if (sp_cpu_has(v->requires))
                for (size_t n : misaligned_sizes)
                    add(out, "strlen/" + std::string(v->name) + "/" + std::to_string(n) +
                                 "/misaligned",
                        Strlen{v->fn, n, 1}, 1, (long)n);
        for (const sp_memcpy_variant *v = sp_memcpy_variants; v->name; v++)
            if (sp_cpu_has(v->requires))
                for (size_t n : misaligned_sizes)
                    add_vs_libc(out, "memcpy/" + std::string(v->name) + "/" + std::to_string(n) +
                                         "/misaligned",
                                is(v->name, "auto"), Memcpy{v->fn, n, 1}, Memcpy{libc_memcpy, n, 1},
                                1, (long)n);
        mix_rows(out);
        align_rows(out);
        for (const sp_htons_variant *v = sp_htons_variants; v->name; v++)
            if (wanted(std::string("htons/") + v->name, v->requires))
                add(out, "htons/" + std::string(v->name), Htons{v->fn}, htons_count, 0, true);
    }

    /* What a reader of the JSON needs to interpret the rows. */
    benchmark::AddCustomContext("cpu_features", feature_names(sp_cpu_features()));
    benchmark::AddCustomContext("cpu_features_detected",
                                feature_names(sp_cpu_features_detected()));
    if (const char *m = getenv("SYSPATH_CPU_MASK"))
        benchmark::AddCustomContext("syspath_cpu_mask", m);
    /* auto's windows as it read them: auto_memset_rep_threshold, auto_memset_rep_end, ...
     * (each variable's name without SYSPATH_, in lower case), "bytes (source)" */
    for (int i = 0; i < SP_THRESHOLD_VARS; i++) {
        const char *src;
        size_t v = sp_auto_threshold(i, &src);
        std::string key = "auto_";
        for (const char *c = sp_threshold_vars[i].name + strlen("SYSPATH_"); *c; c++)
            key += (char)tolower((unsigned char)*c);
        benchmark::AddCustomContext(key, (v == SP_THRESHOLD_NEVER ? std::string("never")
                                                                  : std::to_string(v)) +
                                             " (" + src + ")");
    }
    size_t adapt = sp_memset_auto_adapt_from();
    benchmark::AddCustomContext("auto_memset_adapt_from",
                                adapt == SP_THRESHOLD_NEVER ? std::string("never") : std::to_string(adapt));
    if (erms_only) {
        const char *g = getenv("GLIBC_TUNABLES");
        benchmark::AddCustomContext("glibc_tunables", g ? g : "");
    }
    benchmark::AddCustomContext("size_set", quick ? "quick" : "full");
    return out;
}

/* --libc-erms: run again as a process that glibc starts with rep stosb forced
 * (GLIBC_TUNABLES is read before main, so it has to be a fresh exec). Under
 * valgrind the exec would escape the counting: scripts/count sets the
 * variable itself, and then no exec is needed. */
int reexec_with_erms(char **argv)
{
    if (sp_libc_erms_active())
        return 0;
    std::string v = SP_LIBC_ERMS_TUNABLES;
    if (const char *old = getenv("GLIBC_TUNABLES"))
        if (*old)
            v = std::string(old) + ":" + v;
    if (setenv("GLIBC_TUNABLES", v.c_str(), 1) != 0) {
        note("setenv GLIBC_TUNABLES: %s", strerror(errno));
        return 2;
    }
    execv("/proc/self/exe", argv);
    note("cannot re-execute /proc/self/exe with GLIBC_TUNABLES=%s: %s", v.c_str(),
         strerror(errno));
    return 2;
}

const char help[] =
    "Times the helper families of impl/include/syspath/helpers.h, every variant this\n"
    "CPU can run, through their tables:\n"
    "  <family>/<variant>/<bytes>             memset, strlen, memcpy at 1 .. 64 B (x2)\n"
    "                                         and 256 B .. 64 MiB (x4); bytes_per_second\n"
    "  <family>/<variant>/<bytes>/misaligned  dst+1 (src+1), at 16 B, 256 B, 4 KiB, 64 KiB\n"
    "memcpy's src sits 2 KiB past dst's offset in a page (same-offset buffers make\n"
    "a call wait on the previous call's stores: a benchmark artefact).\n"
    "  <family>/<variant>/mix/<distribution>  memset, memcpy: 32768 calls per iteration,\n"
    "                                         sizes drawn (fixed seed) from a production\n"
    "                                         size distribution, dst/src at random offsets\n"
    "                                         in buffers 4x L1D; items_per_second = calls;\n"
    "                                         every variant but libc runs in one loop with\n"
    "                                         glibc (manual time: its name gains\n"
    "                                         /manual_time), vs_libc = its time / glibc's\n"
    "  memcpy/<variant>/align/<bytes>/dist<d> (dst - src) & 0xFFF = d, dst page-aligned\n"
    "  memcpy/<variant>/align/<bytes>/dst<k>  dst misaligned by k, src aligned; for\n"
    "                                         rep_movsb avx2 avx512 auto libc at 2113 B,\n"
    "                                         4 KiB, 16 KiB (rep movsb's cliffs)\n"
    "  htons/<variant>                        4096 values per iteration;\n"
    "                                         items_per_second = values per second\n"
    "Variants this CPU lacks (SYSPATH_CPU_MASK=hex clears features) are skipped with\n"
    "a line on stderr. Each row runs for --benchmark_min_time x 0.1 seconds (0.05 s\n"
    "by default): a full run takes about a minute and a half per repetition.\n"
    "  --quick          sizes 16 B, 256 B, 4 KiB, 64 KiB, 1 MiB, 16 MiB only\n"
    "  --libc-erms      only memset/libc_erms/*: glibc's memset with rep stosb forced;\n"
    "                   re-runs this binary with GLIBC_TUNABLES=" SP_LIBC_ERMS_TUNABLES "\n"
    "                   (appended to any GLIBC_TUNABLES already set) and prints its\n"
    "                   rows like a normal run; merge its \"benchmarks\" with the first\n"
    "                   run's. Skipped (no rows) on a CPU without ERMS.\n"
    "  -h, --help       this text\n";

} // namespace

int main(int argc, char **argv)
{
    /* --libc-erms is decided before anything else runs: the re-exec gets the
     * untouched argv. */
    for (int i = 1; i < argc; i++)
        if (!std::strcmp(argv[i], "--libc-erms")) {
            erms_only = true;
            bool help = false;
            for (int j = 1; j < argc; j++)
                help |= !std::strcmp(argv[j], "--help") || !std::strcmp(argv[j], "-h");
            if (!help)
                if (int rc = reexec_with_erms(argv))
                    return rc;
        }

    sp_micro::Program prog;
    prog.name = "bench-helpers";
    prog.help = help;
    prog.flag = [](const char *a) -> int {
        if (!std::strcmp(a, "--quick"))
            return quick = true, 1;
        if (!std::strcmp(a, "--libc-erms"))
            return 1;
        return 0;
    };
    prog.rows = rows;
    prog.min_time_share = 0.1;   /* ~660 rows x 0.05 s by default per repetition */
    return sp_micro::run(prog, argc, argv);
}
