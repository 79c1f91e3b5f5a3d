/*
 * syspath/helpers.h — the helper families and their variant tables.
 *
 * Each family (memset, strlen, htons, memcpy) is one C signature with several
 * implementations side by side: the tutorial's rep-string NASM, plain C loops,
 * SIMD, and glibc's own. A variant names the CPU features it needs in
 * `requires`; callers check it against sp_cpu_features() at run time and skip
 * (never run) a variant this CPU lacks. Tables are terminated by a row with
 * name == NULL and are in a stable order (the benchmark and plot order).
 */
#ifndef SYSPATH_HELPERS_H
#define SYSPATH_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CPU features a variant may require (bit mask). */
enum sp_cpu_feature {
    SP_CPU_SSE2     = 1u << 0,
    SP_CPU_SSE42    = 1u << 1,
    SP_CPU_AVX2     = 1u << 2,   /* cpuid bit AND the OS saves ymm state (xgetbv) */
    SP_CPU_AVX512F  = 1u << 3,   /* cpuid bit AND the OS saves zmm/opmask state   */
    SP_CPU_AVX512BW = 1u << 4,
    SP_CPU_ERMS     = 1u << 5,   /* enhanced rep movsb/stosb */
    SP_CPU_FSRM     = 1u << 6,   /* fast short rep mov */
    SP_CPU_BMI2     = 1u << 7,
};

/* This CPU's features, detected once with cpuid/xgetbv. SYSPATH_CPU_MASK
 * (hex, e.g. 0x3) in the environment clears bits, so tests can pretend a CPU
 * lacks AVX2 and check that the variant is skipped. */
unsigned sp_cpu_features(void);
/* Space-separated names of the bits in mask ("sse2 avx2 erms"), into buf. */
const char *sp_cpu_feature_names(unsigned mask, char *buf, size_t size);
/* Nonzero when every feature in `requires` is present on this CPU. */
int sp_cpu_has(unsigned requires);

typedef void *(*sp_memset_fn)(void *dst, int c, size_t n);
typedef size_t (*sp_strlen_fn)(const char *s);
typedef uint16_t (*sp_htons_fn)(uint16_t host);
typedef void *(*sp_memcpy_fn)(void *dst, const void *src, size_t n);

struct sp_memset_variant { const char *name; sp_memset_fn fn; unsigned requires; };
struct sp_strlen_variant { const char *name; sp_strlen_fn fn; unsigned requires; };
struct sp_htons_variant  { const char *name; sp_htons_fn  fn; unsigned requires; };
struct sp_memcpy_variant { const char *name; sp_memcpy_fn fn; unsigned requires; };

extern const struct sp_memset_variant sp_memset_variants[];
extern const struct sp_strlen_variant sp_strlen_variants[];
extern const struct sp_htons_variant  sp_htons_variants[];
extern const struct sp_memcpy_variant sp_memcpy_variants[];

#ifdef __cplusplus
}
#endif
#endif /* SYSPATH_HELPERS_H */
