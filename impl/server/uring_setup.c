/*
 * uring_setup.c — what the kernel offers, and the ring built from it.
 *
 * What the kernel offers is probed, with fallbacks, so older kernels still work:
 *   - the ops this model cannot do without (opcode probe, Linux 5.6+), and
 *     io_uring not disabled by kernel.io_uring_disabled or a seccomp policy;
 *   - ring setup flags SINGLE_ISSUER + DEFER_TASKRUN (6.1+: completions are
 *     run only inside our io_uring_enter, no interrupting task work), else
 *     COOP_TASKRUN (5.19+), else none; SUBMIT_ALL where known; a smaller ring
 *     where RLIMIT_MEMLOCK says -ENOMEM (kernels before 5.12);
 *   - close on the ring (IORING_OP_CLOSE), and without a completion on
 *     success (CQE_SKIP, 5.17+), else with one;
 *   - the ring descriptor registered (5.18+) so io_uring_enter skips a fd lookup;
 *   - the loop's wait with a timeout in its arguments (EXT_ARG, 5.11+), so
 *     that it can go through struct sp_sys like every submission;
 *   - gathering completions (uring.h) needs io_uring's min wait (6.12+) and
 *     the wait through struct sp_sys: without them a turn waits for one;
 *   - multishot recv needs the buffer ring (6.0+): one that will not register
 *     means one-shot recvs. Multishot accept and recv are also dropped at run
 *     time by a first -EINVAL (uring_accept.c, uring.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uring.h"

static int env_on(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

const struct uring_hooks *sp_uring_hooks(void)
{
    static struct uring_hooks h;
    static int read;
    if (!read) {
        h.disable = env_on("SYSPATH_URING_DISABLE");
        h.plain = env_on("SYSPATH_URING_PLAIN");
        h.verbose = env_on("SYSPATH_URING_VERBOSE");
        h.nbuf = NBUF;
        const char *v = getenv("SYSPATH_URING_BUFS");
        if (v && *v) {
            long n = strtol(v, NULL, 10);
            if (n >= 1 && n <= 4096 && (n & (n - 1)) == 0)
                h.nbuf = (unsigned)n;
        }
        read = 1;
    }
    return &h;
}

/* --- availability ------------------------------------------------------- */

/* The ops this model cannot do without (probe: Linux 5.6+). */
static const struct { int op; const char *name; } needed[] = {
    { IORING_OP_ACCEPT, "ACCEPT" }, { IORING_OP_RECV, "RECV" }, { IORING_OP_SEND, "SEND" },
    { IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL" }, { IORING_OP_TIMEOUT, "TIMEOUT" },
};

static long probe(char *why, unsigned long n, int *has_close)
{
    if (sp_uring_hooks()->disable) {
        snprintf(why, n, "io_uring disabled by SYSPATH_URING_DISABLE=1 (test hook)");
        return -ENOSYS;
    }
    FILE *knob = fopen("/proc/sys/kernel/io_uring_disabled", "r");   /* Linux 6.6+ */
    int disabled = 0;
    if (knob) {
        if (fscanf(knob, "%d", &disabled) != 1)
            disabled = 0;
        fclose(knob);
    }
    if (disabled == 2) {
        snprintf(why, n, "io_uring disabled (kernel.io_uring_disabled = 2)");
        return -ENOSYS;
    }
    struct io_uring ring;
    int r = io_uring_queue_init(4, &ring, 0);
    if (r < 0) {
        if (r == -EPERM && disabled == 1)
            snprintf(why, n, "io_uring not permitted for this user (kernel.io_uring_disabled = 1, "
                     "not in kernel.io_uring_group)");
        else if (r == -ENOSYS)
            snprintf(why, n, "io_uring_setup: this kernel has no io_uring (ENOSYS)");
        else
            snprintf(why, n, "io_uring_setup failed: %s%s", strerror(-r),
                     r == -EPERM ? " (seccomp or policy)" : "");
        return -ENOSYS;
    }
    struct io_uring_probe *p = io_uring_get_probe_ring(&ring);
    long ret = 0;
    if (!p) {
        snprintf(why, n, "io_uring too old: no opcode probe (Linux 5.6+ needed)");
        ret = -ENOSYS;
    } else {
        for (unsigned i = 0; i < sizeof needed / sizeof needed[0] && ret == 0; i++) {
            if (!io_uring_opcode_supported(p, needed[i].op)) {
                snprintf(why, n, "io_uring lacks IORING_OP_%s", needed[i].name);
                ret = -ENOSYS;
            }
        }
        if (has_close)
            *has_close = io_uring_opcode_supported(p, IORING_OP_CLOSE);
        io_uring_free_probe(p);
    }
    io_uring_queue_exit(&ring);
    return ret;
}

/* Probed once: the CLI asks before listening, sp_serve asks again, setup needs the result. */
static struct { int done, has_close; long result; char reason[160]; } probed;

long sp_uring_available(char *why, unsigned long n)
{
    if (!probed.done) {
        probed.result = probe(probed.reason, sizeof probed.reason, &probed.has_close);
        probed.done = 1;
    }
    if (probed.result < 0 && why && n)
        snprintf(why, n, "%s", probed.reason);
    return probed.result;
}

/* --- ring setup ----------------------------------------------------------- */

static int ring_init(struct loop *L, int plain)
{
    /* Most wanted first; the kernel says -EINVAL to flags it does not know. */
    static const unsigned tries[] = {
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN,
        IORING_SETUP_COOP_TASKRUN,
        0,
    };
    unsigned entries = RING_ENTRIES;
    int r = -EINVAL;
    for (unsigned i = plain ? 3 : 0; i < sizeof tries / sizeof tries[0]; ) {
        struct io_uring_params p;
        memset(&p, 0, sizeof p);
        p.flags = tries[i] | IORING_SETUP_CQSIZE;
        p.cq_entries = entries * 4;
        r = io_uring_queue_init_params(entries, &L->ring, &p);
        if (r == 0) {
            L->f.setup_flags = tries[i];
            break;
        }
        if (r == -ENOMEM && entries > 16)
            entries /= 4;                   /* RLIMIT_MEMLOCK on kernels before 5.12: smaller rings */
        else if (r == -EINVAL)
            i++;                            /* flags this kernel does not know: fewer */
        else
            break;
    }
    if (r < 0)
        return r;
    if (!plain && io_uring_register_ring_fd(&L->ring) == 1)
        L->f.registered_fd = 1;
    L->f.close_quiet = !plain && (L->ring.features & IORING_FEAT_CQE_SKIP);
    return 0;
}

static void describe(const struct loop *L)
{
    static const struct { unsigned flag; const char *name; } names[] = {
        { IORING_SETUP_SUBMIT_ALL, "submit_all" }, { IORING_SETUP_SINGLE_ISSUER, "single_issuer" },
        { IORING_SETUP_DEFER_TASKRUN, "defer_taskrun" }, { IORING_SETUP_COOP_TASKRUN, "coop_taskrun" },
    };
    char setup[96] = "";
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (L->f.setup_flags & names[i].flag)
            snprintf(setup + strlen(setup), sizeof setup - strlen(setup), "%s%s",
                     setup[0] ? "+" : "", names[i].name);
    char gather[24] = "off";
    if (L->f.gather_us)
        snprintf(gather, sizeof gather, "%uus", L->f.gather_us);
    fprintf(stderr, "uring: accept=%s recv=%s bufs=%u setup=%s close=%s%s ring_fd=%s wait=%s gather=%s\n",
            L->f.multishot_accept ? "multishot" : "oneshot",
            L->f.multishot_recv ? "multishot" : "oneshot", L->f.multishot_recv ? L->b.nbuf : 0,
            setup[0] ? setup : "none",
            L->f.ring_close ? "ring" : "syscall", L->f.close_quiet ? "+quiet" : "",
            L->f.registered_fd ? "registered" : "plain", L->f.sys_wait ? "sys" : "liburing", gather);
}

int sp_uring_setup(struct loop *L)
{
    const struct uring_hooks *h = sp_uring_hooks();
    if (sp_uring_available(NULL, 0) < 0)
        return -ENOSYS;
    L->f.ring_close = probed.has_close;
    L->f.multishot_accept = !h->plain;
    int r = ring_init(L, h->plain);
    if (r < 0)
        return r;
    /* A wait with a timeout but no timeout SQE needs EXT_ARG; without it
     * (before 5.11, or the plain test path) liburing's wait adds that SQE and
     * makes the io_uring_enter itself. Submissions go through struct sp_sys
     * either way. */
    L->f.sys_wait = !h->plain && (L->ring.features & IORING_FEAT_EXT_ARG);
    int gather = L->cfg->gather_us >= 0 ? L->cfg->gather_us : SP_GATHER_US;
    if (L->f.sys_wait && (L->ring.features & IORING_FEAT_MIN_TIMEOUT) && gather > 0)
        L->f.gather_us = (unsigned)gather;
    L->st->gather_us = (int)L->f.gather_us;
    if (!h->plain && sp_uring_bufs_init(&L->b, &L->ring, h->nbuf) == 0)
        L->f.multishot_recv = 1;
    if (h->verbose)
        describe(L);
    return 0;
}

void sp_uring_teardown(struct loop *L)
{
    io_uring_queue_exit(&L->ring);
    sp_uring_bufs_exit(&L->b);
}
