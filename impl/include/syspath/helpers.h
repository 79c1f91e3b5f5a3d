/*
 * syspath/helpers.h — the helper families and their variant tables.
 *
 * Each family (memset, strlen, htons, memcpy) is one C signature with several
 * implementations side by side: the tutorial's rep-string NASM, plain C loops,
 * SIMD, and glibc's own. A variant names the CPU features it needs in
 * `requires`; callers check it against sp_cpu_features() at run time and skip
 * (never run) a variant this CPU lacks. Tables are terminated by a row with
 * name == NULL and are in a stable order (the benchmark and plot order).
 *
 *   for (const struct sp_memset_variant *v = sp_memset_variants; v->name; v++) {
 *       if (!sp_cpu_has(v->requires)) { report "skipped: needs ..."; continue; }
 *       v->fn(buf, 0, n);
 *   }
 *
 * Every variant is a complete, exact implementation of its libc twin for all
 * sizes and alignments (tests/helpers/test_{memset,memcpy,strlen,htons}_*.c check every
 * length 0..1024 at every alignment 0..63 against guard bytes and PROT_NONE
 * pages). strlen variants that load whole aligned words/vectors may read past
 * the terminator inside the same aligned block, never into the next page; they
 * are built without AddressSanitizer instrumentation for that reason.
 */
#ifndef SYSPATH_HELPERS_H
#define SYSPATH_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CPU features a variant may require (bit mask). Names, in this order, as
 * sp_cpu_feature_names() prints them: sse2 sse4.2 avx2 avx512f avx512bw erms
 * fsrm bmi2 libc-erms-env avx512vl (a bit keeps its value once given, so a
 * SYSPATH_CPU_MASK written for an older build still means the same). */
enum sp_cpu_feature {
    SP_CPU_SSE2     = 1u << 0,
    SP_CPU_SSE42    = 1u << 1,
    SP_CPU_AVX2     = 1u << 2,   /* cpuid bit AND the OS saves ymm state (xgetbv) */
    SP_CPU_AVX512F  = 1u << 3,   /* cpuid bit AND the OS saves zmm/opmask state   */
    SP_CPU_AVX512BW = 1u << 4,
    SP_CPU_ERMS     = 1u << 5,   /* enhanced rep movsb/stosb */
    SP_CPU_FSRM     = 1u << 6,   /* fast short rep mov */
    SP_CPU_BMI2     = 1u << 7,
    /* Not a CPU bit: this process was started with glibc's rep-stosb memset
     * forced (SP_LIBC_ERMS_TUNABLES, see libc_erms below). The libc_erms row
     * requires it, so the usual sp_cpu_has() check skips that row in every
     * other process with no special case in the caller. */
    SP_CPU_LIBC_ERMS_ENV = 1u << 8,
    SP_CPU_AVX512VL = 1u << 9,   /* EVEX at 128/256 bits: xmm/ymm16-31, which need no vzeroupper */
};
#define SP_CPU_ALL 0x3ffu        /* every bit above */
/* what the AVX-512 files are built for (-mavx512f -mavx512bw -mavx512vl
 * -mbmi2: bzhi makes the byte masks) and so what each of them requires */
#define SP_CPU_AVX512 (SP_CPU_AVX512F | SP_CPU_AVX512BW | SP_CPU_AVX512VL | SP_CPU_BMI2)

/* This CPU's features, detected once with cpuid/xgetbv.
 *
 * SYSPATH_CPU_MASK in the environment (hex or decimal, e.g. 0x3) is ANDed with
 * the detected bits, so tests can pretend a CPU lacks AVX2 (0x3 keeps only
 * sse2 and sse4.2) and check that the variant is skipped; SYSPATH_CPU_MASK=0
 * leaves no feature, so every SIMD variant is skipped. A value that is not a
 * number is reported once on stderr and treated as 0 (nothing optional runs).
 * Read once, at the first call. */
unsigned sp_cpu_features(void);
/* What cpuid/xgetbv report, before SYSPATH_CPU_MASK. */
unsigned sp_cpu_features_detected(void);
/* Space-separated names of the bits in mask ("sse2 avx2 erms"), into buf
 * (truncated to size - 1 characters; "" for 0). Returns buf. */
const char *sp_cpu_feature_names(unsigned mask, char *buf, size_t size);
/* Nonzero when every feature in `requires` is present on this CPU. */
int sp_cpu_has(unsigned requires);

/* Data cache sizes in bytes (0 = unknown): cpuid leaf 4 (Intel) or
 * 0x8000001D (AMD), else Linux sysfs (/sys/devices/system/cpu/cpu0/cache). */
struct sp_cpu_caches { size_t l1d, l2, l3; };
void sp_cpu_caches(struct sp_cpu_caches *out);

typedef void *(*sp_memset_fn)(void *dst, int c, size_t n);
typedef size_t (*sp_strlen_fn)(const char *s);
typedef uint16_t (*sp_htons_fn)(uint16_t host);
typedef void *(*sp_memcpy_fn)(void *dst, const void *src, size_t n);

/*
 * libc_erms — glibc's memset with `rep stosb` forced, as its own table row.
 *
 * glibc picks its memset strategy from GLIBC_TUNABLES once, when the process
 * starts (before main), so a second glibc memset cannot live in the same
 * process. The row `libc_erms` therefore points at glibc's own memset (the
 * same function as `libc`) and requires SP_CPU_ERMS | SP_CPU_LIBC_ERMS_ENV:
 * it only runs, and only means what its name says, in a process started with
 *     GLIBC_TUNABLES=glibc.cpu.x86_rep_stosb_threshold=1    (SP_LIBC_ERMS_TUNABLES)
 * (append with ':' if GLIBC_TUNABLES is already set). A benchmark measures it
 * by running itself a second time with that environment and a filter for the
 * row (`memset/libc_erms/`); in its normal run the row is skipped by the
 * ordinary sp_cpu_has(v->requires) check, and in the second run only the row
 * should be selected (the other rows would merely repeat the first run).
 *
 * Why 1 and not 0: glibc bounds the tunable to [1, SIZE_MAX] and silently
 * ignores an out-of-range value, so `=0` leaves the default (2048 on Intel,
 * effectively never on AMD Zen3) in place. Check with
 *     GLIBC_TUNABLES=... /lib64/ld-linux-x86-64.so.2 --list-tunables
 * (tests/helpers/test_libc_erms.sh does). glibc only has a rep-stosb path when the CPU
 * has ERMS, hence SP_CPU_ERMS. Even forced, glibc stores sizes up to a few
 * vector widths with vector stores; the threshold moves the rep stosb path
 * down to there, it does not replace the small-size code.
 */
#define SP_LIBC_ERMS_TUNABLES "glibc.cpu.x86_rep_stosb_threshold=1"
/* Nonzero when GLIBC_TUNABLES in this process's environment contains
 * SP_LIBC_ERMS_TUNABLES (what sets SP_CPU_LIBC_ERMS_ENV). */
int sp_libc_erms_active(void);

struct sp_memset_variant { const char *name; sp_memset_fn fn; unsigned requires; };
struct sp_strlen_variant { const char *name; sp_strlen_fn fn; unsigned requires; };
struct sp_htons_variant  { const char *name; sp_htons_fn  fn; unsigned requires; };
struct sp_memcpy_variant { const char *name; sp_memcpy_fn fn; unsigned requires; };

/* memset: rep_stosb loop word sse2 avx2 avx512 nt auto libc libc_erms */
extern const struct sp_memset_variant sp_memset_variants[];
/* strlen: repne_scasb loop swar sse2 avx2 avx512 libc */
extern const struct sp_strlen_variant sp_strlen_variants[];
/* htons: tutorial rol bswap builtin libc */
extern const struct sp_htons_variant  sp_htons_variants[];
/* memcpy: rep_movsb loop avx2 avx512 auto libc */
extern const struct sp_memcpy_variant sp_memcpy_variants[];

/* The variants by name (the tables hold these, plus glibc's own functions).
 * NASM ones live in impl/helpers/<family>_<variant>.asm, the rest in .c files
 * of the same name; callers should go through the tables and sp_cpu_has(). */
void *sp_memset_rep_stosb(void *dst, int c, size_t n);   /* NASM */
void *sp_memset_loop(void *dst, int c, size_t n);
void *sp_memset_word(void *dst, int c, size_t n);
void *sp_memset_sse2(void *dst, int c, size_t n);
void *sp_memset_avx2(void *dst, int c, size_t n);        /* needs SP_CPU_AVX2 */
void *sp_memset_avx512(void *dst, int c, size_t n);      /* needs SP_CPU_AVX512 */
void *sp_memset_nt(void *dst, int c, size_t n);          /* SSE2 streaming stores */
void *sp_memset_auto(void *dst, int c, size_t n);

size_t sp_strlen_repne_scasb(const char *s);              /* NASM */
size_t sp_strlen_loop(const char *s);
size_t sp_strlen_swar(const char *s);
size_t sp_strlen_sse2(const char *s);
size_t sp_strlen_avx2(const char *s);                     /* needs SP_CPU_AVX2 */
size_t sp_strlen_avx512(const char *s);                   /* needs SP_CPU_AVX512 */

uint16_t sp_htons_tutorial(uint16_t host);                /* NASM */
uint16_t sp_htons_rol(uint16_t host);                     /* NASM */
uint16_t sp_htons_bswap(uint16_t host);                   /* NASM */
uint16_t sp_htons_builtin(uint16_t host);

void *sp_memcpy_rep_movsb(void *dst, const void *src, size_t n);  /* NASM */
void *sp_memcpy_loop(void *dst, const void *src, size_t n);
void *sp_memcpy_avx2(void *dst, const void *src, size_t n);       /* needs SP_CPU_AVX2 */
void *sp_memcpy_avx512(void *dst, const void *src, size_t n);     /* needs SP_CPU_AVX512 */
void *sp_memcpy_auto(void *dst, const void *src, size_t n);

/*
 * The size classes of memset/auto and memcpy/auto, in bytes. Each of the
 * rep and nt classes is a window [start, end):
 *   nt_start   <= n < nt_end   -> non-temporal (streaming) stores + sfence
 *   rep_start  <= n < rep_end  -> rep stosb / rep movsb (where not nt)
 *   rep2_start <= n < rep2_end -> rep as well: rep's second window
 *   any other n                -> vector stores (AVX-512 + BMI2 when the
 *                                 CPU has them, else AVX2, else SSE2)
 * SP_THRESHOLD_NEVER as a start disables a class, as an end lets it run
 * to any size; a window whose end is not above its start is empty. Why
 * windows and not one threshold each: on some machines rep stosb beats the
 * vector loop only while the buffer fits a cache level (it streams past
 * the cache above it), the vector loop wins again beyond it, and once the
 * buffer outgrows the last-level cache rep (which writes lines without
 * reading them first) wins again.
 *
 * Read once, at the first call of an auto variant or of this function, from
 * the variables of sp_threshold_vars (below)
 *   SYSPATH_MEMSET_REP_THRESHOLD  SYSPATH_MEMSET_NT_THRESHOLD     (starts)
 *   SYSPATH_MEMCPY_REP_THRESHOLD  SYSPATH_MEMCPY_NT_THRESHOLD
 *   SYSPATH_MEMSET_REP_END        SYSPATH_MEMSET_NT_END           (ends)
 *   SYSPATH_MEMCPY_REP_END        SYSPATH_MEMCPY_NT_END
 *   SYSPATH_MEMSET_REP2_THRESHOLD SYSPATH_MEMSET_REP2_END         (rep's second)
 *   SYSPATH_MEMCPY_REP2_THRESHOLD SYSPATH_MEMCPY_REP2_END
 * as printed by `syspath-calibrate --env` (bytes, with an optional K/M/G
 * suffix, or "never"). A missing end is never, a missing rep2 start never;
 * a missing rep or nt start falls back
 * to a default derived
 * from what cpuid reports (flags, vendor, caches), never from a table of CPU
 * models (thresholds.c argues each):
 *   rep = never without ERMS; with ERMS on Intel 4 KiB (memcpy) and 8 KiB
 *         (memset); with ERMS elsewhere, for memcpy the first power of two
 *         whose two buffers outgrow L1D (else L2), for memset never (rep
 *         stosb may run in a slow mode there: only calibration, which sees
 *         the modes, moves memset to rep);
 *   nt  = 3/4 of the last-level cache (L3, else L2), at most 16 x L2,
 *         never if no cache is known.
 * A malformed value is reported once on stderr and replaced by the default.
 * `source` says where each value came from ("env" or "cache"), for reports.
 *
 * sp_memset_auto and sp_memcpy_auto are GNU ifuncs: the AVX-512, AVX2 or
 * SSE2 build is bound at load time (cpuid only), so a call
 * costs what a call to glibc's memset costs. SYSPATH_CPU_MASK, read later,
 * is still obeyed: with AVX-512 masked off the AVX-512 build hands every
 * call to the AVX2 code, with AVX2 masked off too to SSE2 code.
 */
#define SP_THRESHOLD_NEVER ((size_t)-1)
struct sp_auto_thresholds {
    size_t memset_rep, memset_nt, memcpy_rep, memcpy_nt;          /* starts */
    const char *memset_rep_source, *memset_nt_source;
    const char *memcpy_rep_source, *memcpy_nt_source;
    size_t memset_rep_end, memset_nt_end, memcpy_rep_end, memcpy_nt_end;
    const char *memset_rep_end_source, *memset_nt_end_source;
    const char *memcpy_rep_end_source, *memcpy_nt_end_source;
    size_t memset_rep2, memset_rep2_end, memcpy_rep2, memcpy_rep2_end;
    const char *memset_rep2_source, *memset_rep2_end_source;
    const char *memcpy_rep2_source, *memcpy_rep2_end_source;
};
#define SP_THRESHOLD_VARS 12
const struct sp_auto_thresholds *sp_auto_thresholds(void);

/*
 * rep movsb's cliffs, which memcpy/auto steps around. In its rep class a
 * copy runs rep movsb only when
 *   - (dst - src) & 0xFFF >= SP_REP_MIN_DISTANCE: a destination a little
 *     past its source in page-offset terms makes the string move's stores
 *     collide with its own next loads in the low 12 address bits, which
 *     the CPU's memory disambiguation compares (as reported to glibc for
 *     AMD parts, where rep movsb runs several times slower there; glibc
 *     now avoids it the same way);
 *   - and it starts at dst's first 64-B boundary: the bytes before it go
 *     by one vector copy, so the string move never writes a misaligned
 *     destination (as publicly reported for Zen 3 with FSRM and raised
 *     with glibc: a rep movsb of 2113 B to a destination misaligned by 15
 *     ran about 20x slower than aligned).
 * Otherwise the copy takes the vector path whatever its size below nt.
 * bench-helpers' memcpy/<variant>/align/... rows sweep both.
 */
#define SP_REP_MIN_DISTANCE 256
enum sp_auto_path { SP_AUTO_VECTOR, SP_AUTO_REP, SP_AUTO_NT };
/* The path memcpy/auto takes for this call (the same test the code runs,
 * for tests and reports): SP_AUTO_REP means rep movsb from dst's first
 * 64-B boundary. */
enum sp_auto_path sp_memcpy_auto_path(const void *dst, const void *src, size_t n);
/* The path memset/auto's thresholds give n bytes (the same test the code
 * runs). From sp_memset_auto_adapt_from() up that path only names the
 * alternative: memset/auto times each call and runs rep stosb unless this
 * path (nt or the vector loop) has lately been faster by more than 1/16 at
 * that size (rep stosb may switch speeds within minutes, long after
 * calibration). */
enum sp_auto_path sp_memset_auto_path(size_t n);
/* 1 MiB, or SP_THRESHOLD_NEVER under SYSPATH_MEMSET_ADAPT=0 */
size_t sp_memset_auto_adapt_from(void);
/* "vector", "rep" or "nt" */
const char *sp_auto_path_name(enum sp_auto_path p);

/* The one table of the threshold variables' names, in the order of struct
 * sp_auto_thresholds' size fields (memset rep, memset nt, memcpy rep,
 * memcpy nt, then the four ends in the same order, then memset rep2, its
 * end, memcpy rep2, its end): thresholds.c reads them, syspath-calibrate
 * prints them. */
struct sp_threshold_var { const char *name; };
extern const struct sp_threshold_var sp_threshold_vars[SP_THRESHOLD_VARS];
/* sp_threshold_vars[i]'s value as sp_auto_thresholds() read it (its field of
 * struct sp_auto_thresholds), and in *source where it came from; for
 * reports and tests that walk the table. */
size_t sp_auto_threshold(int i, const char **source);

#ifdef __cplusplus
}
#endif
#endif /* SYSPATH_HELPERS_H */
