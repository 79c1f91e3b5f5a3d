/*
 * cpu.c — which optional instructions this CPU (and this OS) lets us run.
 *
 * A cpuid bit alone is not enough for AVX: the OS must also save the wider
 * register state on a context switch, or a task switch silently corrupts the
 * upper halves. XCR0 (read with xgetbv, only legal when CPUID.1:ECX.OSXSAVE
 * is set) says which state the OS saves: bits 1-2 (xmm, ymm) for AVX/AVX2,
 * plus bits 5-7 (opmask, zmm0-15 upper halves, zmm16-31) for AVX-512.
 */
#include "internal.h"

#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned cpu_detected;
static unsigned cpu_masked;
static int cpu_ready;   /* 0, then 1 once both values above are final */

SP_RAW_FN static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

int sp_libc_erms_active(void)
{
    const char *t = getenv("GLIBC_TUNABLES");
    return t && strstr(t, SP_LIBC_ERMS_TUNABLES) != NULL;
}

/* cpuid + xgetbv only: no environment, no libc, no sanitizer hooks, so the
 * ifunc resolvers of memset/auto and memcpy/auto (which run while the
 * program is still being relocated) may call it too. */
SP_RAW_FN unsigned sp_cpu_detect_hw(void)
{
    unsigned a, b, c, d, f = 0, max;

    if (!__get_cpuid(0, &max, &b, &c, &d))
        return 0;
    __cpuid(1, a, b, c, d);
    unsigned ecx1 = c, edx1 = d;
    unsigned ebx7 = 0, edx7 = 0;
    if (max >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        ebx7 = b;
        edx7 = d;
    }
    if (edx1 & (1u << 26)) f |= SP_CPU_SSE2;
    if (ecx1 & (1u << 20)) f |= SP_CPU_SSE42;
    if (ebx7 & (1u << 9))  f |= SP_CPU_ERMS;
    if (edx7 & (1u << 4))  f |= SP_CPU_FSRM;
    if (ebx7 & (1u << 8))  f |= SP_CPU_BMI2;

    int osxsave = (ecx1 >> 27) & 1, avx = (ecx1 >> 28) & 1;
    uint64_t xcr0 = osxsave ? xgetbv0() : 0;
    int ymm_ok = (xcr0 & 0x6) == 0x6;           /* xmm + ymm state */
    int zmm_ok = (xcr0 & 0xe6) == 0xe6;         /* + opmask, zmm_hi256, hi16_zmm */
    if (avx && ymm_ok && (ebx7 & (1u << 5)))
        f |= SP_CPU_AVX2;
    if (avx && zmm_ok && (ebx7 & (1u << 16))) {
        f |= SP_CPU_AVX512F;
        if (ebx7 & (1u << 30))
            f |= SP_CPU_AVX512BW;
        if (ebx7 & (1u << 31))
            f |= SP_CPU_AVX512VL;
    }
    return f;
}

/* cpuid's vendor string is "GenuineIntel". cpuid only, so the ifunc
 * resolvers may call it (see sp_cpu_detect_hw). */
SP_RAW_FN int sp_cpu_is_intel(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d))
        return 0;
    return b == 0x756e6547u && d == 0x49656e69u && c == 0x6c65746eu;   /* "Genu" "ineI" "ntel" */
}

static unsigned detect(void)
{
    unsigned f = sp_cpu_detect_hw();
    if (sp_libc_erms_active())
        f |= SP_CPU_LIBC_ERMS_ENV;
    return f;
}

/* SYSPATH_CPU_MASK: hex (0x...) or decimal; anything else is reported and
 * taken as 0, the choice that can never run an instruction the CPU lacks. */
static unsigned env_mask(void)
{
    const char *s = getenv("SYSPATH_CPU_MASK");
    if (!s)
        return ~0u;
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (*s == '\0' || *s == '-' || *end != '\0' || v > 0xffffffffull) {
        fprintf(stderr, "syspath: SYSPATH_CPU_MASK='%s' is not a number; "
                "using 0 (no optional CPU features)\n", s);
        return 0;
    }
    return (unsigned)v;
}

static void init(void)
{
    if (__atomic_load_n(&cpu_ready, __ATOMIC_ACQUIRE))
        return;
    /* Racing first callers compute the same values; storing them twice is harmless. */
    unsigned det = detect();
    unsigned masked = det & env_mask();
    __atomic_store_n(&cpu_detected, det, __ATOMIC_RELAXED);
    __atomic_store_n(&cpu_masked, masked, __ATOMIC_RELAXED);
    __atomic_store_n(&cpu_ready, 1, __ATOMIC_RELEASE);
}

unsigned sp_cpu_features(void)
{
    init();
    return cpu_masked;
}

unsigned sp_cpu_features_detected(void)
{
    init();
    return cpu_detected;
}

int sp_cpu_has(unsigned requires)
{
    return (sp_cpu_features() & requires) == requires;
}

const char *sp_cpu_feature_names(unsigned mask, char *buf, size_t size)
{
    static const char *const names[] = {
        "sse2", "sse4.2", "avx2", "avx512f", "avx512bw", "erms", "fsrm", "bmi2",
        "libc-erms-env", "avx512vl",
    };
    size_t used = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(mask & (1u << i)))
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used ? " " : "", names[i]);
        if (n < 0 || (size_t)n >= size - used) {
            buf[size - 1] = '\0';      /* truncated: keep what fitted */
            break;
        }
        used += (size_t)n;
    }
    return buf;
}

/* ---- cache sizes -------------------------------------------------------- */

/* cpuid leaf 4 (Intel) and 0x8000001D (AMD) share one layout: one subleaf
 * per cache, type in EAX[4:0] (0 = no more), level in EAX[7:5], and
 * size = ways * partitions * line size * sets, each stored minus one. */
static int caches_cpuid(struct sp_cpu_caches *out)
{
    unsigned a, b, c, d, leaf;
    char vendor[13];
    if (!__get_cpuid(0, &a, &b, &c, &d))
        return 0;
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = '\0';
    if (strcmp(vendor, "GenuineIntel") == 0) {
        if (a < 4)
            return 0;
        leaf = 4;
    } else if (strcmp(vendor, "AuthenticAMD") == 0 || strcmp(vendor, "HygonGenuine") == 0) {
        unsigned ext;
        __cpuid(0x80000000u, ext, b, c, d);
        if (ext < 0x8000001Du)
            return 0;
        __cpuid(0x80000001u, a, b, c, d);
        if (!(c & (1u << 22)))          /* TOPOEXT: leaf 0x8000001D is valid */
            return 0;
        leaf = 0x8000001Du;
    } else {
        return 0;
    }
    int found = 0;
    for (unsigned i = 0; i < 16; i++) {
        __cpuid_count(leaf, i, a, b, c, d);
        unsigned type = a & 0x1f, level = (a >> 5) & 0x7;
        if (type == 0)
            break;
        if (type == 2)                   /* instruction cache */
            continue;
        size_t size = (size_t)((b >> 22) + 1) * (((b >> 12) & 0x3ff) + 1) *
                      ((b & 0xfff) + 1) * ((size_t)c + 1);
        if (level == 1) out->l1d = size;
        else if (level == 2) out->l2 = size;
        else if (level == 3) out->l3 = size;
        found = 1;
    }
    return found;
}

/* AMD's older extended leaves, for when 0x8000001D is not offered (some
 * hypervisors hide TOPOEXT and give a guest no /sys/.../cache either):
 * 0x80000005 ECX[31:24] = L1D in KiB, 0x80000006 ECX[31:16] = L2 in KiB,
 * EDX[31:18] = L3 in 512-KiB units. Intel fills only the L2 field. */
static int caches_cpuid_legacy(struct sp_cpu_caches *out)
{
    unsigned a, b, c, d, ext;
    __cpuid(0x80000000u, ext, b, c, d);
    if (ext < 0x80000006u)
        return 0;
    __cpuid(0x80000005u, a, b, c, d);
    out->l1d = (size_t)(c >> 24) << 10;
    __cpuid(0x80000006u, a, b, c, d);
    out->l2 = (size_t)(c >> 16) << 10;
    out->l3 = (size_t)(d >> 18) << 19;
    return out->l2 != 0;
}

static size_t sysfs_size(const char *dir)
{
    char path[128], buf[32];
    snprintf(path, sizeof path, "%s/size", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t v = 0;
    if (fgets(buf, sizeof buf, f)) {
        char *end;
        v = strtoul(buf, &end, 10);
        if (*end == 'K') v <<= 10;
        else if (*end == 'M') v <<= 20;
    }
    fclose(f);
    return v;
}

static int caches_sysfs(struct sp_cpu_caches *out)
{
    int found = 0;
    for (int i = 0; i < 16; i++) {
        char dir[96], path[128], type[32] = "", level[8] = "";
        snprintf(dir, sizeof dir, "/sys/devices/system/cpu/cpu0/cache/index%d", i);
        snprintf(path, sizeof path, "%s/type", dir);
        FILE *f = fopen(path, "r");
        if (!f)
            break;
        if (!fgets(type, sizeof type, f)) type[0] = '\0';
        fclose(f);
        snprintf(path, sizeof path, "%s/level", dir);
        f = fopen(path, "r");
        if (!f)
            break;
        if (!fgets(level, sizeof level, f)) level[0] = '\0';
        fclose(f);
        if (strncmp(type, "Instruction", 11) == 0)
            continue;
        size_t size = sysfs_size(dir);
        switch (atoi(level)) {
        case 1: out->l1d = size; break;
        case 2: out->l2 = size; break;
        case 3: out->l3 = size; break;
        }
        found = 1;
    }
    return found;
}

void sp_cpu_caches(struct sp_cpu_caches *out)
{
    memset(out, 0, sizeof *out);
    if (caches_cpuid(out) || caches_sysfs(out))
        return;
    memset(out, 0, sizeof *out);
    caches_cpuid_legacy(out);
}
