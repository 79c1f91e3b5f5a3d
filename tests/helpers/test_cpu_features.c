/*
 * test_cpu_features.c — sp_cpu_features() against what the kernel reports.
 *
 *   test_cpu_features            detected bits == /proc/cpuinfo flags (the
 *                                kernel also hides AVX when it does not save
 *                                the register state, like our xgetbv check);
 *                                names; caches == sysfs where sysfs has
 *                                them, an L2 always; SYSPATH_CPU_MASK unset
 *   test_cpu_features --mask M   run with SYSPATH_CPU_MASK set by ctest: the
 *                                features are detected & M (M = "bad": 0)
 */
#include "check.h"
#include "helpers_test.h"

static char *cpuinfo_flags(void)
{
    static char line[16384];
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return NULL;
    char *found = NULL;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "flags", 5) == 0) {
            found = strchr(line, ':');
            break;
        }
    }
    fclose(f);
    return found;
}

static int has_flag(const char *flags, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = flags; (p = strstr(p, name)); p += n)
        if ((p[-1] == ' ' || p[-1] == ':') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
            return 1;
    return 0;
}

static size_t sysfs_cache(int level)
{
    for (int i = 0; i < 16; i++) {
        char path[128], buf[64];
        int lv = 0;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        FILE *f = fopen(path, "r");
        if (!f)
            return 0;
        if (fgets(buf, sizeof buf, f)) lv = atoi(buf);
        fclose(f);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        f = fopen(path, "r");
        if (!f)
            return 0;
        int instr = fgets(buf, sizeof buf, f) && strncmp(buf, "Instruction", 11) == 0;
        fclose(f);
        if (lv != level || instr)
            continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        f = fopen(path, "r");
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
    return 0;
}

static void detected_matches_kernel(void)
{
    const char *flags = cpuinfo_flags();
    if (!flags) {
        printf("note: no /proc/cpuinfo flags line; detection not cross-checked\n");
        return;
    }
    static const struct { unsigned bit; const char *flag; } map[] = {
        { SP_CPU_SSE2, "sse2" }, { SP_CPU_SSE42, "sse4_2" }, { SP_CPU_AVX2, "avx2" },
        { SP_CPU_AVX512F, "avx512f" }, { SP_CPU_AVX512BW, "avx512bw" }, { SP_CPU_AVX512VL, "avx512vl" },
        { SP_CPU_ERMS, "erms" }, { SP_CPU_FSRM, "fsrm" }, { SP_CPU_BMI2, "bmi2" },
    };
    unsigned det = sp_cpu_features_detected();
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        int ours = !!(det & map[i].bit), kernel = has_flag(flags, map[i].flag);
        CHECK(ours == kernel, "%s: sp_cpu_features says %d, /proc/cpuinfo says %d",
              map[i].flag, ours, kernel);
    }
    CHECK(!(det & SP_CPU_LIBC_ERMS_ENV) == !sp_libc_erms_active(),
          "libc-erms-env bit disagrees with GLIBC_TUNABLES");
}

static void names(void)
{
    char buf[200];
    CHECK(strcmp(sp_cpu_feature_names(0, buf, sizeof buf), "") == 0, "names(0) = '%s'", buf);
    sp_cpu_feature_names(SP_CPU_SSE2 | SP_CPU_AVX2 | SP_CPU_ERMS, buf, sizeof buf);
    CHECK(strcmp(buf, "sse2 avx2 erms") == 0, "names(sse2|avx2|erms) = '%s'", buf);
    sp_cpu_feature_names(SP_CPU_ALL, buf, sizeof buf);
    CHECK(strcmp(buf, "sse2 sse4.2 avx2 avx512f avx512bw erms fsrm bmi2 libc-erms-env avx512vl") == 0,
          "names(all) = '%s'", buf);
    char small[8];
    memset(small, 'x', sizeof small);
    sp_cpu_feature_names(SP_CPU_ALL, small, sizeof small);
    CHECK(strlen(small) < sizeof small, "names into an 8-byte buffer not terminated in it");
    CHECK(strncmp(small, "sse2", 4) == 0, "truncated names = '%s'", small);
}

static void caches(void)
{
    struct sp_cpu_caches c;
    sp_cpu_caches(&c);
    printf("caches: l1d=%zu l2=%zu l3=%zu\n", c.l1d, c.l2, c.l3);
    size_t want[3] = { sysfs_cache(1), sysfs_cache(2), sysfs_cache(3) };
    size_t got[3] = { c.l1d, c.l2, c.l3 };
    for (int i = 0; i < 3; i++)
        if (want[i])
            CHECK(got[i] == want[i], "L%d: sp_cpu_caches says %zu, sysfs says %zu", i + 1, got[i], want[i]);
    /* every x86-64 CPU reports its L2 in one of cpuid's leaves (4,
     * 0x8000001D, or AMD's older 0x80000006 that guests without TOPOEXT
     * still get) or in sysfs; without it auto's defaults fall back blind */
    CHECK(c.l2 > 0, "no L2 size from cpuid or sysfs");
    if (c.l1d && c.l2)
        CHECK(c.l1d < c.l2, "L1d %zu not smaller than L2 %zu", c.l1d, c.l2);
}

/* The first call detects and reads SYSPATH_CPU_MASK; what it says on stderr
 * is captured (and passed on) so the bad-mask case can check the message. */
static unsigned first_call(char *msg, size_t size)
{
    FILE *tmp = tmpfile();
    int saved = dup(2);
    fflush(stderr);
    if (tmp)
        dup2(fileno(tmp), 2);
    unsigned got = sp_cpu_features();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    msg[0] = '\0';
    if (tmp) {
        rewind(tmp);
        size_t n = fread(msg, 1, size - 1, tmp);
        msg[n] = '\0';
        fclose(tmp);
        fputs(msg, stderr);
    }
    return got;
}

int main(int argc, char **argv)
{
    char buf[200], msg[512];
    unsigned got = first_call(msg, sizeof msg), det = sp_cpu_features_detected();
    printf("detected: %s\n", sp_cpu_feature_names(det, buf, sizeof buf));
    printf("features: %s\n", sp_cpu_feature_names(got, buf, sizeof buf));
    if (argc == 3 && strcmp(argv[1], "--mask") == 0) {
        unsigned mask = strcmp(argv[2], "bad") == 0 ? 0 : (unsigned)strtoul(argv[2], NULL, 0);
        CHECK(got == (det & mask), "SYSPATH_CPU_MASK=%s: features 0x%x, expected 0x%x & 0x%x",
              argv[2], got, det, mask);
        CHECK(sp_cpu_has(0), "sp_cpu_has(0) must be true whatever the mask");
        if (strcmp(argv[2], "bad") == 0)
            CHECK(strstr(msg, "SYSPATH_CPU_MASK") != NULL, "a bad mask must be reported on stderr");
        else
            CHECK(msg[0] == '\0', "a good mask must not be reported, got: %s", msg);
        if (!(mask & SP_CPU_AVX2))
            CHECK(!sp_cpu_has(SP_CPU_AVX2), "AVX2 masked off but sp_cpu_has(AVX2) is true");
    } else if (argc == 1) {
        CHECK(getenv("SYSPATH_CPU_MASK") == NULL, "run without SYSPATH_CPU_MASK");
        CHECK(got == det, "no mask: features 0x%x != detected 0x%x", got, det);
        CHECK(det & SP_CPU_SSE2, "every x86-64 has SSE2");
        CHECK(sp_cpu_has(SP_CPU_SSE2) && !sp_cpu_has(SP_CPU_SSE2 | (1u << 30)),
              "sp_cpu_has must need every requested bit");
        detected_matches_kernel();
        names();
        caches();
    } else {
        fprintf(stderr, "usage: %s [--mask M|bad]\n", argv[0]);
        return 2;
    }
    if (failures)
        return 1;
    printf("ok\n");
    return 0;
}
