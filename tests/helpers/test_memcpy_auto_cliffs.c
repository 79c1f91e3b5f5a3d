/*
 * test_memcpy_auto_cliffs.c — memcpy/auto steps around rep movsb's cliffs
 * (helpers.h, SP_REP_MIN_DISTANCE) at the placements bench-helpers'
 * alignment sweep measures: it decides by where dst and src lie, never by
 * how fast anything ran, so a busy machine cannot fail it.
 *
 * ctest runs it with SYSPATH_MEMCPY_REP_THRESHOLD=2K and the nt class off,
 * so the sweep's sizes (2113 B, 4 KiB, 16 KiB) are all in rep's class:
 *   - (dst - src) & 0xFFF below SP_REP_MIN_DISTANCE (the sweep's dist0 ..
 *     dist192, where rep movsb's stores collide with its own next loads in
 *     the low address bits): the vector path;
 *   - the clean placements (dist256, dist2048, dist4032, dst1 .. dst63,
 *     dst misaligned with src aligned): rep, which starts at dst's first
 *     64-B boundary, so the string move never writes a misaligned dst;
 *   - below the threshold (2047 B): the vector path whatever the placement.
 * Every placement is also copied and compared byte for byte, guard bytes
 * around it untouched.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"
#include "syspath/helpers.h"

static unsigned char *map(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    return p;
}

/* one placement: the decision, then the copy itself */
static void placement(unsigned char *dbuf, unsigned char *sbuf, size_t dst_off, size_t src_off,
                      size_t n, enum sp_auto_path want, const char *what)
{
    unsigned char *dst = dbuf + 4096 + dst_off, *src = sbuf + 4096 + src_off;
    enum sp_auto_path got = sp_memcpy_auto_path(dst, src, n);
    CHECK(got == want, "%s, %zu B, (dst - src) & 0xFFF = %zu, dst & 63 = %zu: auto takes %s, expected %s",
          what, n, (size_t)(((uintptr_t)dst - (uintptr_t)src) & 0xFFF), (size_t)((uintptr_t)dst & 63),
          sp_auto_path_name(got), sp_auto_path_name(want));
    for (size_t i = 0; i < n; i++)
        src[i] = (unsigned char)(i * 131 + 7);
    memset(dbuf, 0xee, 4096 * 8);
    void *r = sp_memcpy_auto(dst, src, n);
    CHECK(r == dst, "%s, %zu B: returned %p, expected dst %p", what, n, r, (void *)dst);
    CHECK(memcmp(dst, src, n) == 0, "%s, %zu B: the copy differs from the source", what, n);
    for (unsigned char *p = dbuf; p < dbuf + 4096 * 8; p++)
        if ((p < dst || p >= dst + n) && *p != 0xee) {
            CHECK(0, "%s, %zu B: byte %td outside the copy was written", what, n, p - dst);
            break;
        }
}

int main(void)
{
    const struct sp_auto_thresholds *t = sp_auto_thresholds();
    if (t->memcpy_rep != 2048 || t->memcpy_nt != SP_THRESHOLD_NEVER) {
        fprintf(stderr, "run with SYSPATH_MEMCPY_REP_THRESHOLD=2K SYSPATH_MEMCPY_NT_THRESHOLD=never "
                "(got rep %zu, nt %zu)\n", t->memcpy_rep, t->memcpy_nt);
        return 2;
    }
    unsigned char *dbuf = map(4096 * 8), *sbuf = map(4096 * 8);
    /* the sweep's placements (bench/micro/bench_helpers.cc, align_rows) */
    const size_t sizes[] = {2113, 4096, 16384};
    const size_t dists[] = {0, 16, 64, 128, 192, 256, 2048, 4032};
    const size_t dst_offs[] = {1, 15, 33, 63};
    char what[64];
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        size_t n = sizes[i];
        for (size_t j = 0; j < sizeof dists / sizeof *dists; j++) {
            size_t d = dists[j];
            snprintf(what, sizeof what, "dist%zu", d);
            placement(dbuf, sbuf, 0, (4096 - d) & 4095, n,
                      d < SP_REP_MIN_DISTANCE ? SP_AUTO_VECTOR : SP_AUTO_REP, what);
        }
        for (size_t j = 0; j < sizeof dst_offs / sizeof *dst_offs; j++) {
            snprintf(what, sizeof what, "dst%zu", dst_offs[j]);
            placement(dbuf, sbuf, dst_offs[j], 2048, n, SP_AUTO_REP, what);
        }
    }
    /* every distance just below the boundary and at it, and both sides of
     * the page wrap: the rule is the distance, not a list */
    for (size_t d = 0; d < 4096; d += 1 + (d < 300 ? 0 : 61)) {
        snprintf(what, sizeof what, "dist%zu", d);
        placement(dbuf, sbuf, 0, (4096 - d) & 4095, 4096,
                  d < SP_REP_MIN_DISTANCE ? SP_AUTO_VECTOR : SP_AUTO_REP, what);
    }
    placement(dbuf, sbuf, 0, 2048, 2047, SP_AUTO_VECTOR, "below rep");
    if (failures)
        return 1;
    printf("ok memcpy/auto: vector at (dst - src) & 0xFFF < %d, rep from dst's 64-B boundary elsewhere\n",
           SP_REP_MIN_DISTANCE);
    return 0;
}
