/*
 * uring.c — one thread, one io_uring, many connections (liburing).
 *
 * io_uring is an I/O model that replaces the syscalls: accept, recv, send and
 * close are submissions on the ring, and one io_uring_enter per loop turn
 * submits everything the previous turn prepared and waits for completions.
 * The --backend (struct sp_sys) is used only where the ring is not: setup
 * (the listening socket, made by sp_listen), the spare descriptor for EMFILE,
 * shutdown(SHUT_WR) before a lingering close after an error response, and the
 * rare fallbacks (a close when the ring has no room). So with this model the
 * backends differ only in how the server starts, not in what a request costs.
 *
 * Per connection at most one recv and one send are in flight, and
 * sp_conn_process() (conn.c, shared with every model) runs only when no send
 * and no one-shot recv is, so the kernel never reads or writes a buffer that
 * the parser moves.
 *
 * recv: multishot with provided buffers (a buffer ring, Linux 6.0+) where it
 * works: the recv stays armed, so a keep-alive request costs no re-arm and no
 * failed first attempt; the kernel picks a ring buffer per completion and we
 * copy the bytes into the connection's in[] and hand the buffer straight back.
 * Back-pressure: bytes that do not fit in in[] (a client pipelining without
 * reading) stay in their ring buffers, queued on the connection, and the
 * multishot recv is cancelled until they are consumed. Without buffer ring or
 * multishot recv (or when the ring runs out of buffers: -ENOBUFS), a one-shot
 * recv straight into in[], re-armed after each response.
 *
 * The first recv on a connection is one-shot: the listener defers accept
 * (SP_LISTEN_DEFER) until the request has arrived, so it completes at once and
 * leaves nothing armed, and a Connection: close exchange is accept, recv,
 * send, close with nothing to cancel. Keep-alive connections turn multishot.
 *
 * Close goes through the ring (IORING_OP_CLOSE): it rides in the same
 * io_uring_enter as the other submissions, so a Connection: close exchange
 * costs no syscall of its own, and where the kernel can skip a successful
 * completion (IOSQE_CQE_SKIP_SUCCESS) it costs no completion either. A close
 * is submitted only once nothing else is in flight on the connection: a
 * pending recv holds its own reference to the socket, so closing the
 * descriptor would neither wake it nor free the socket. Timeouts and shutdown
 * therefore cancel first (IORING_OP_ASYNC_CANCEL), then close when the
 * cancelled operation has completed.
 *
 * What the kernel offers is probed, with fallbacks, so older kernels still work:
 *   - accept: multishot (Linux 5.19+) where it works, else one-shot accepts
 *     re-armed per completion (a first -EINVAL switches to those);
 *   - recv: multishot into a buffer ring (above), else one-shot (a buffer
 *     ring that will not register, or a first -EINVAL, switches to those);
 *   - ring setup flags SINGLE_ISSUER + DEFER_TASKRUN (6.1+: completions are
 *     run only inside our io_uring_enter, no interrupting task work), else
 *     COOP_TASKRUN (5.19+), else none; SUBMIT_ALL where known;
 *   - close without a completion on success (5.17+), else with one;
 *   - the ring descriptor registered (5.18+) so io_uring_enter skips a fd lookup.
 * Under valgrind, received bytes are marked defined for memcheck and each turn
 * makes one sched_yield so that signals get in (see the loop).
 * Test hooks (environment, read once):
 *   SYSPATH_URING_DISABLE=1  available() fails, as where io_uring is disabled;
 *   SYSPATH_URING_PLAIN=1    no optional feature: one-shot accept and recv, no
 *                            setup flags, no registered ring fd (the old-kernel path);
 *   SYSPATH_URING_BUFS=N     N provided buffers instead of NBUF (a power of two,
 *                            1..4096): few make -ENOBUFS and the stash common;
 *   SYSPATH_URING_VERBOSE=1  one line on stderr naming the features in use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "conn.h"

/* memcheck cannot see the kernel write a recv's bytes (the ring's operations
 * are not syscalls it models), so received bytes are marked defined: without
 * that, every parse of them is reported as a use of uninitialised memory.
 * Outside valgrind the client request is a few no-op instructions. */
#ifdef SYSPATH_HAVE_MEMCHECK_H
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(addr, len) ((void)(addr), (void)(len))
#define RUNNING_ON_VALGRIND 0
#endif

#define RING_ENTRIES 1024               /* SQ size; the CQ is 4x (connections' completions + accepts) */
#define CQE_BATCH 256                   /* completions copied out per pass */
#define LINGER_READS 8                  /* 8 x 8 KiB: drain at most 64 KiB after an error response */
#define LINGER_MAX_MS 1000
#define STOP_DRAIN_MS 500               /* after SIGTERM: wait this long for cancellations */
#define BACKOFF_MS 10                   /* after an accept error that a retry will not fix at once */
#define NBUF 256                        /* provided recv buffers (a power of two; SYSPATH_URING_BUFS) */
#define BUF_SIZE 2048                   /* each: a typical request fits one; 512 KiB in all */
#define BGID 0                          /* their buffer group */

/* user_data: a struct uconn * (malloc'd, so 16-byte aligned) or NULL, ORed with a tag. */
enum tag { TAG_IGNORE, TAG_ACCEPT, TAG_RECV, TAG_SEND, TAG_CLOSE, TAG_SHED, TAG_TIMER, TAG_CANCEL_ACCEPT };
#define TAG_MASK 7u

struct uconn {
    struct sp_conn c;
    struct uconn *prev, *next;          /* the open list, or the free list (next only) */
    unsigned char recv_busy, send_busy, close_busy;   /* operations in flight */
    unsigned char recv_multi;           /* the recv in flight is multishot (it writes no in[]) */
    unsigned char recv_cancel;          /* ... and is being cancelled for back-pressure */
    unsigned char single_next;          /* next recv one-shot: the first, or the ring ran dry */
    unsigned char dying;                /* close once nothing is in flight */
    unsigned char eof;                  /* the client has finished sending */
    unsigned char linger_reads;
    int stash_head, stash_tail;         /* ring buffers holding bytes in[] had no room for; -1: none */
};

struct features {
    int multishot_accept;
    int multishot_recv;                 /* with the buffer ring */
    int ring_close;                     /* IORING_OP_CLOSE */
    int close_quiet;                    /* ... without a completion when it succeeds (CQE_SKIP, 5.17+) */
    unsigned setup_flags;
    int registered_fd;
};

struct loop {
    const struct sp_sys *sys;
    const struct sp_config *cfg;
    struct sp_stats *st;
    struct io_uring ring;
    struct features f;
    int lfd;
    struct uconn *open, *free;
    long open_count, accepted;
    int listening;                      /* still accepting (not stopping, --max-conns not reached) */
    int accept_armed, shed_armed, timer_armed, cancel_sent, accept_ok, recv_ok;
    struct sp_spare spare;
    struct __kernel_timespec backoff;
    /* provided buffers: the ring the kernel picks from, the memory, and per
     * buffer (when stashed on a connection) its bytes, read offset and next */
    struct io_uring_buf_ring *br;
    char *bufs;
    unsigned nbuf;
    size_t map_bytes;
    struct { unsigned short len, off; int next; } *stash;   /* nbuf entries */
};

static __u64 ud(struct uconn *u, enum tag t) { return (__u64)(uintptr_t)u | t; }

/* --- availability ------------------------------------------------------- */

static int env_on(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

/* The ops this model cannot do without (probe: Linux 5.6+). */
static const struct { int op; const char *name; } needed[] = {
    { IORING_OP_ACCEPT, "ACCEPT" }, { IORING_OP_RECV, "RECV" }, { IORING_OP_SEND, "SEND" },
    { IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL" }, { IORING_OP_TIMEOUT, "TIMEOUT" },
};

static long probe(char *why, unsigned long n, int *has_close)
{
    if (env_on("SYSPATH_URING_DISABLE")) {
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
            snprintf(why, n, "io_uring_setup: not implemented by this kernel");
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

/* Probed once: the CLI asks before listening, sp_serve asks again, run needs the result. */
static struct { int done, has_close; long result; char reason[160]; } probed;

static long uring_available(char *why, unsigned long n)
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

/* The buffer ring for multishot recv (liburing 2.3 has no io_uring_setup_buf_ring:
 * map it ourselves, page-aligned, and register it). 0, or -errno: no multishot recv. */
static int bufs_init(struct loop *L)
{
    const char *v = getenv("SYSPATH_URING_BUFS");
    L->nbuf = NBUF;
    if (v && *v) {
        long n = strtol(v, NULL, 10);
        if (n >= 1 && n <= 4096 && (n & (n - 1)) == 0)
            L->nbuf = (unsigned)n;
    }
    size_t ring_bytes = L->nbuf * sizeof(struct io_uring_buf);
    ring_bytes = (ring_bytes + 4095) & ~(size_t)4095;   /* the buffers start page-aligned */
    L->map_bytes = ring_bytes + (size_t)L->nbuf * BUF_SIZE;
    L->stash = calloc(L->nbuf, sizeof *L->stash);
    void *mem = mmap(NULL, L->map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!L->stash || mem == MAP_FAILED) {
        free(L->stash);
        L->stash = NULL;
        return -ENOMEM;
    }
    L->br = mem;
    L->bufs = (char *)mem + ring_bytes;
    io_uring_buf_ring_init(L->br);
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.ring_addr = (unsigned long)L->br;
    reg.ring_entries = L->nbuf;
    reg.bgid = BGID;
    int r = io_uring_register_buf_ring(&L->ring, &reg, 0);
    if (r < 0) {
        munmap(mem, L->map_bytes);
        free(L->stash);
        L->br = NULL;
        L->stash = NULL;
        return r;
    }
    for (unsigned i = 0; i < L->nbuf; i++)
        io_uring_buf_ring_add(L->br, L->bufs + (size_t)i * BUF_SIZE, BUF_SIZE, (unsigned short)i,
                              io_uring_buf_ring_mask(L->nbuf), (int)i);
    io_uring_buf_ring_advance(L->br, (int)L->nbuf);
    return 0;
}

static void bufs_exit(struct loop *L)
{
    if (L->br)
        munmap(L->br, L->map_bytes);
    free(L->stash);
}

/* Hand a provided buffer back to the kernel. */
static void recycle(struct loop *L, int bid)
{
    io_uring_buf_ring_add(L->br, L->bufs + (size_t)bid * BUF_SIZE, BUF_SIZE, (unsigned short)bid,
                          io_uring_buf_ring_mask(L->nbuf), 0);
    io_uring_buf_ring_advance(L->br, 1);
}

/* An SQE; when the SQ is full (many completions in one turn), submit early. */
static struct io_uring_sqe *sqe_get(struct loop *L)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&L->ring);
    if (!sqe) {
        io_uring_submit(&L->ring);
        sqe = io_uring_get_sqe(&L->ring);
    }
    return sqe;
}

/* --- connections ---------------------------------------------------------- */

static void release(struct loop *L, struct uconn *u)
{
    while (u->stash_head >= 0) {            /* bytes nobody will read now */
        int bid = u->stash_head;
        u->stash_head = L->stash[bid].next;
        recycle(L, bid);
    }
    if (u->prev)
        u->prev->next = u->next;
    else
        L->open = u->next;
    if (u->next)
        u->next->prev = u->prev;
    u->prev = NULL;
    u->next = L->free;
    L->free = u;
    L->open_count--;
    L->st->connections++;
}

/* Nothing is in flight on u: close its socket. With CQE_SKIP_SUCCESS the
 * close posts no completion unless it fails, so u is free again at once (a
 * failure's completion carries no connection: it is only ignored). */
static void submit_close(struct loop *L, struct uconn *u)
{
    struct io_uring_sqe *sqe = L->f.ring_close ? sqe_get(L) : NULL;
    if (!sqe) {
        L->sys->close(u->c.fd);
        release(L, u);
        return;
    }
    io_uring_prep_close(sqe, u->c.fd);
    if (L->f.close_quiet) {
        sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
        io_uring_sqe_set_data64(sqe, TAG_IGNORE);
        release(L, u);
        return;
    }
    io_uring_sqe_set_data64(sqe, ud(u, TAG_CLOSE));
    u->close_busy = 1;
}

static void cancel(struct loop *L, __u64 target, enum tag tag)
{
    struct io_uring_sqe *sqe = sqe_get(L);
    if (sqe) {
        io_uring_prep_cancel64(sqe, target, 0);
        io_uring_sqe_set_data64(sqe, tag);
    }
}

/* Close u as soon as nothing is in flight on it (cancelling what is). */
static void kill_conn(struct loop *L, struct uconn *u)
{
    if (!u->dying) {
        u->dying = 1;
        if (u->recv_busy)
            cancel(L, ud(u, TAG_RECV), TAG_IGNORE);
        if (u->send_busy)
            cancel(L, ud(u, TAG_SEND), TAG_IGNORE);
    }
    if (!u->recv_busy && !u->send_busy && !u->close_busy)
        submit_close(L, u);
}

static void arm_recv(struct loop *L, struct uconn *u)
{
    struct sp_conn *c = &u->c;
    struct io_uring_sqe *sqe = sqe_get(L);
    if (!sqe) {
        kill_conn(L, u);
        return;
    }
    if (L->f.multishot_recv && !u->single_next) {
        io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = BGID;
        u->recv_multi = 1;
    } else {
        io_uring_prep_recv(sqe, c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);
        u->recv_multi = 0;
        u->single_next = 0;
    }
    io_uring_sqe_set_data64(sqe, ud(u, TAG_RECV));
    u->recv_busy = 1;
}

static void arm_send(struct loop *L, struct uconn *u)
{
    struct sp_conn *c = &u->c;
    struct io_uring_sqe *sqe = sqe_get(L);
    if (!sqe) {
        kill_conn(L, u);
        return;
    }
    /* MSG_NOSIGNAL: a reset client gives -EPIPE, not SIGPIPE. */
    io_uring_prep_send(sqe, c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, ud(u, TAG_SEND));
    u->send_busy = 1;
}

/* Bytes of a provided buffer into in[]; what does not fit waits on the
 * connection (in its buffer) and the multishot recv is stopped meanwhile. */
static void deliver(struct loop *L, struct uconn *u, int bid, unsigned n)
{
    struct sp_conn *c = &u->c;
    unsigned take = 0;
    if (u->stash_head < 0) {
        unsigned room = (unsigned)sizeof c->in - c->in_len;
        take = n < room ? n : room;
        memcpy(c->in + c->in_len, L->bufs + (size_t)bid * BUF_SIZE, take);
        if (take)
            sp_conn_received(c, take, L->cfg);
        if (take == n) {
            recycle(L, bid);
            return;
        }
    }
    L->stash[bid].len = (unsigned short)n;
    L->stash[bid].off = (unsigned short)take;
    L->stash[bid].next = -1;
    if (u->stash_tail >= 0)
        L->stash[u->stash_tail].next = bid;
    else
        u->stash_head = bid;
    u->stash_tail = bid;
    if (u->recv_busy && u->recv_multi && !u->recv_cancel) {
        cancel(L, ud(u, TAG_RECV), TAG_IGNORE);
        u->recv_cancel = 1;
    }
}

/* Move stashed bytes into in[] as far as there is room. */
static void unstash(struct loop *L, struct uconn *u)
{
    struct sp_conn *c = &u->c;
    while (u->stash_head >= 0 && c->in_len < sizeof c->in) {
        int bid = u->stash_head;
        unsigned avail = L->stash[bid].len - L->stash[bid].off;
        unsigned room = (unsigned)sizeof c->in - c->in_len;
        unsigned take = avail < room ? avail : room;
        memcpy(c->in + c->in_len, L->bufs + (size_t)bid * BUF_SIZE + L->stash[bid].off, take);
        sp_conn_received(c, take, L->cfg);
        L->stash[bid].off = (unsigned short)(L->stash[bid].off + take);
        if (L->stash[bid].off == L->stash[bid].len) {
            u->stash_head = L->stash[bid].next;
            if (u->stash_head < 0)
                u->stash_tail = -1;
            recycle(L, bid);
        }
    }
}

/* Whatever just happened on u: answer what is complete in in[] and send it;
 * when all is answered, close (the client finished) or make sure a recv is armed. */
static void progress(struct loop *L, struct uconn *u)
{
    struct sp_conn *c = &u->c;
    if (u->dying) {
        kill_conn(L, u);
        return;
    }
    if (u->send_busy || c->lingering || (u->recv_busy && !u->recv_multi))
        return;                             /* the kernel owns out[] or in[]: wait for it */
    /* Bounded: a pass that answers nothing leaves the stash empty, or in[]
     * full without a head end, which the next pass answers with 431. */
    for (int pass = 0; pass < 3; pass++) {
        unstash(L, u);
        sp_conn_process(c, L->cfg, L->st);
        if (c->out_len > c->out_off) {
            arm_send(L, u);                 /* its completion calls progress again */
            return;
        }
        if (c->closing || u->stash_head < 0)
            break;
    }
    if (c->closing || u->eof || u->stash_head >= 0) {
        kill_conn(L, u);
        return;
    }
    if (!u->recv_busy)
        arm_recv(L, u);
}

/* After an error response: FIN our side, then drain (bounded) what the client
 * still sends, so that unread bytes do not turn our close into a RST that
 * destroys the response before the client reads it (see sp_conn_linger). */
static void start_linger(struct loop *L, struct uconn *u)
{
    struct sp_conn *c = &u->c;
    L->sys->shutdown(c->fd, SHUT_WR);
    c->in_len = 0;
    long bound = L->cfg->header_timeout_ms < LINGER_MAX_MS ? L->cfg->header_timeout_ms : LINGER_MAX_MS;
    c->deadline_ms = sp_now_ms() + bound;
    u->linger_reads = 0;
    if (!u->recv_busy)
        arm_recv(L, u);                     /* one-shot: in[] is the sink (in_len stays 0) */
}

static void on_recv(struct loop *L, struct uconn *u, int res, unsigned flags)
{
    struct sp_conn *c = &u->c;
    int was_multi = u->recv_multi;
    if (!was_multi || !(flags & IORING_CQE_F_MORE))
        u->recv_busy = u->recv_multi = u->recv_cancel = 0;   /* this recv is over */
    int bid = flags & IORING_CQE_F_BUFFER ? (int)(flags >> IORING_CQE_BUFFER_SHIFT) : -1;
    if (u->dying || c->lingering) {
        if (bid >= 0)
            recycle(L, bid);                /* discarded */
        if (u->dying)
            kill_conn(L, u);
        else if (res > 0 && ++u->linger_reads < LINGER_READS) {
            if (!u->recv_busy)
                arm_recv(L, u);
        } else
            kill_conn(L, u);
        return;
    }
    if (res > 0) {
        if (bid >= 0) {
            L->recv_ok = 1;
            VALGRIND_MAKE_MEM_DEFINED(L->bufs + (size_t)bid * BUF_SIZE, res);
            deliver(L, u, bid, (unsigned)res);
        } else {
            VALGRIND_MAKE_MEM_DEFINED(c->in + c->in_len, res);
            sp_conn_received(c, (unsigned)res, L->cfg);
        }
    } else if (res == 0) {
        u->eof = 1;                         /* answer what came before it, then close */
    } else if (res == -ENOBUFS) {
        u->single_next = 1;                 /* the ring is empty for now: one-shot into in[] */
    } else if (res == -EINVAL && was_multi && !L->recv_ok) {
        L->f.multishot_recv = 0;            /* a kernel without multishot recv */
    } else if (res != -ECANCELED && res != -EINTR && res != -EAGAIN) {
        kill_conn(L, u);                    /* reset */
        return;
    }
    progress(L, u);
}

static void on_send(struct loop *L, struct uconn *u, int res)
{
    struct sp_conn *c = &u->c;
    u->send_busy = 0;
    if (u->dying || res < 0) {
        kill_conn(L, u);
        return;
    }
    c->out_off += (unsigned)res;
    if (c->out_off < c->out_len) {          /* short send: the socket buffer is full */
        arm_send(L, u);
        return;
    }
    c->out_off = c->out_len = 0;
    if (c->closing && c->lingering) {
        start_linger(L, u);
        return;
    }
    progress(L, u);                         /* answers what was held back, closes, or reads */
}

static void new_conn(struct loop *L, int fd)
{
    struct uconn *u = L->free;
    if (u)
        L->free = u->next;
    else if (!(u = malloc(sizeof *u))) {
        L->sys->close(fd);
        L->st->accept_errors++;
        return;
    }
    sp_conn_init(&u->c, fd, L->cfg);
    u->recv_busy = u->send_busy = u->close_busy = u->recv_multi = u->recv_cancel = 0;
    u->dying = u->eof = u->linger_reads = 0;
    /* The first recv is one-shot: with deferred accept the request is already
     * there, so it completes at once and leaves nothing armed; a Connection:
     * close exchange then needs no cancel. Keep-alive turns multishot after. */
    u->single_next = 1;
    u->stash_head = u->stash_tail = -1;
    u->prev = NULL;
    u->next = L->open;
    if (L->open)
        L->open->prev = u;
    L->open = u;
    L->open_count++;
    arm_recv(L, u);
}

/* --- the listener --------------------------------------------------------- */

static void arm_accept(struct loop *L)
{
    struct io_uring_sqe *sqe = sqe_get(L);
    if (!sqe)
        return;                             /* the next turn tries again */
    if (L->f.multishot_accept)
        io_uring_prep_multishot_accept(sqe, L->lfd, NULL, NULL, SOCK_CLOEXEC);
    else
        io_uring_prep_accept(sqe, L->lfd, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, TAG_ACCEPT);
    L->accept_armed = 1;
}

static void arm_timer(struct loop *L)
{
    struct io_uring_sqe *sqe = sqe_get(L);
    if (!sqe)
        return;
    L->backoff.tv_sec = 0;
    L->backoff.tv_nsec = BACKOFF_MS * 1000000L;
    io_uring_prep_timeout(sqe, &L->backoff, 0, 0);
    io_uring_sqe_set_data64(sqe, TAG_TIMER);
    L->timer_armed = 1;
}

/* EMFILE: give up the spare descriptor and accept the pending connection with
 * it (on the ring, so a connection that vanished cannot block us), then take
 * the spare back: if that fails the accepted connection is closed at once (it
 * is shed), else descriptors came back meanwhile and it is served. Without a
 * spare, back off briefly. */
static void shed(struct loop *L)
{
    if (L->spare.fd < 0) {
        sp_spare_take(L->sys, &L->spare);
        arm_timer(L);
        return;
    }
    struct io_uring_sqe *sqe = sqe_get(L);
    if (!sqe) {
        arm_timer(L);
        return;
    }
    L->sys->close(L->spare.fd);
    L->spare.fd = -1;
    io_uring_prep_accept(sqe, L->lfd, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, TAG_SHED);
    L->shed_armed = 1;
}

/* A new connection from the listener (or from the shed accept). */
static void take(struct loop *L, int fd)
{
    if (!L->listening) {                    /* accepted before the cancel took effect */
        L->sys->close(fd);
        return;
    }
    L->accepted++;
    if (L->cfg->max_conns && L->accepted >= L->cfg->max_conns)
        L->listening = 0;
    new_conn(L, fd);
}

static void on_accept(struct loop *L, int res, unsigned flags)
{
    if (!(flags & IORING_CQE_F_MORE))
        L->accept_armed = 0;                /* one-shot, or the multishot ended: re-armed next turn */
    if (res >= 0) {
        L->accept_ok = 1;
        take(L, res);
        return;
    }
    if (res == -EINVAL && L->f.multishot_accept && !L->accept_ok) {
        L->f.multishot_accept = 0;          /* a kernel without multishot accept */
        return;
    }
    if (res == -ECANCELED || sp_accept_retryable(res))
        return;
    L->st->accept_errors++;
    /* io_uring allocates the descriptor before it looks for a connection, so
     * EMFILE comes even with nobody waiting: the shed accept then waits too. */
    if (res == -EMFILE || res == -ENFILE)
        shed(L);
    else
        arm_timer(L);                       /* ENOBUFS, ENOMEM...: not at once, or we would spin */
}

static void on_shed(struct loop *L, int res)
{
    L->shed_armed = 0;
    sp_spare_take(L->sys, &L->spare);
    if (res >= 0) {
        if (L->spare.fd >= 0) {             /* descriptors came back meanwhile: serve it */
            take(L, res);
            return;
        }
        L->sys->close(res);                 /* still none: the client sees its connection closed */
        sp_spare_take(L->sys, &L->spare);
        return;
    }
    if (res != -ECANCELED && !sp_accept_retryable(res))
        arm_timer(L);
}

/* --- the loop ------------------------------------------------------------- */

static void dispatch(struct loop *L, __u64 data, int res, unsigned flags)
{
    struct uconn *u = (struct uconn *)(uintptr_t)(data & ~(__u64)TAG_MASK);
    switch ((enum tag)(data & TAG_MASK)) {
    case TAG_ACCEPT: on_accept(L, res, flags); break;
    case TAG_RECV: on_recv(L, u, res, flags); break;
    case TAG_SEND: on_send(L, u, res); break;
    case TAG_CLOSE: u->close_busy = 0; release(L, u); break;
    case TAG_SHED: on_shed(L, res); break;
    case TAG_TIMER: L->timer_armed = 0; break;
    case TAG_CANCEL_ACCEPT:
        if (res < 0 && res != -ENOENT)
            L->cancel_sent = 0;             /* -EALREADY...: ask again next turn */
        break;
    case TAG_IGNORE: break;
    }
}

static void expire(struct loop *L, long now)
{
    for (struct uconn *u = L->open, *next; u; u = next) {
        next = u->next;
        if (!u->dying && now >= u->c.deadline_ms) {
            if (!u->c.lingering)
                L->st->timeouts++;
            kill_conn(L, u);
        }
    }
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
    fprintf(stderr, "uring: accept=%s recv=%s bufs=%u setup=%s close=%s%s ring_fd=%s\n",
            L->f.multishot_accept ? "multishot" : "oneshot",
            L->f.multishot_recv ? "multishot" : "oneshot", L->f.multishot_recv ? L->nbuf : 0,
            setup[0] ? setup : "none",
            L->f.ring_close ? "ring" : "syscall", L->f.close_quiet ? "+quiet" : "",
            L->f.registered_fd ? "registered" : "plain");
}

static long uring_run(const struct sp_sys *sys, const struct sp_config *cfg,
                      const struct sp_listener *l, struct sp_stats *st)
{
    if (uring_available(NULL, 0) < 0)
        return -ENOSYS;
    int plain = env_on("SYSPATH_URING_PLAIN");
    struct loop *L = calloc(1, sizeof *L);
    if (!L)
        return -ENOMEM;
    L->sys = sys;
    L->cfg = cfg;
    L->st = st;
    L->lfd = l->fd;
    L->listening = 1;
    L->f.ring_close = probed.has_close;
    L->f.multishot_accept = !plain;
    long r = ring_init(L, plain);
    if (r < 0) {
        free(L);
        return r;
    }
    if (!plain && bufs_init(L) == 0)
        L->f.multishot_recv = 1;
    if (env_on("SYSPATH_URING_VERBOSE"))
        describe(L);
    sp_spare_take(sys, &L->spare);

    long next_expiry = sp_now_ms() + SP_STOP_POLL_MS, stop_by = 0;
    struct { __u64 data; int res; unsigned flags; } batch[CQE_BATCH];
    for (;;) {
        if (sp_stop_requested && !stop_by) {
            /* Stopping: no more accepts; open connections are closed (they count as served). */
            stop_by = sp_now_ms() + STOP_DRAIN_MS;
            L->listening = 0;
            for (struct uconn *u = L->open, *next; u; u = next) {
                next = u->next;
                kill_conn(L, u);
            }
        }
        if (!L->listening && (L->accept_armed || L->shed_armed) && !L->cancel_sent) {
            if (L->accept_armed)
                cancel(L, TAG_ACCEPT, TAG_CANCEL_ACCEPT);
            if (L->shed_armed)
                cancel(L, TAG_SHED, TAG_IGNORE);
            L->cancel_sent = 1;
        }
        if (L->listening && !L->accept_armed && !L->shed_armed && !L->timer_armed)
            arm_accept(L);
        if (!L->listening && L->open_count == 0 && !L->accept_armed && !L->shed_armed &&
            !L->timer_armed)
            break;                          /* --max-conns reached (or stopped) and all closed */
        if (stop_by && sp_now_ms() >= stop_by)
            break;                          /* cancellations that never came back: give up */

        struct io_uring_cqe *cqe;
        struct __kernel_timespec tick = { .tv_sec = 0, .tv_nsec = SP_STOP_POLL_MS * 1000000L };
        int w = io_uring_submit_and_wait_timeout(&L->ring, &cqe, 1, &tick, NULL);
        /* valgrind (3.19) runs io_uring_enter with every signal blocked and
         * never looks for them after it, so SIGTERM would wait forever; a
         * syscall it knows may block (sched_yield) lets them in. */
        if (RUNNING_ON_VALGRIND)
            sched_yield();
        if (w < 0 && w != -ETIME && w != -EINTR && w != -EAGAIN && w != -EBUSY) {
            r = w;
            break;
        }
        /* Copy completions out and hand the CQ slots back before acting on
         * them: acting prepares SQEs, and a full SQ submits early. */
        for (;;) {
            unsigned head, n = 0;
            io_uring_for_each_cqe(&L->ring, head, cqe) {
                batch[n].data = cqe->user_data;
                batch[n].res = cqe->res;
                batch[n].flags = cqe->flags;
                if (++n == CQE_BATCH)
                    break;
            }
            io_uring_cq_advance(&L->ring, n);
            for (unsigned i = 0; i < n; i++)
                dispatch(L, batch[i].data, batch[i].res, batch[i].flags);
            if (n < CQE_BATCH)
                break;
        }
        long now = sp_now_ms();
        if (now >= next_expiry) {           /* deadlines are checked a few times a second */
            expire(L, now);
            next_expiry = now + SP_STOP_POLL_MS;
        }
    }

    /* Whatever is still open (only when the stop drain gave up): close it
     * directly. Its memory may still be the target of an operation the kernel
     * did not cancel, so it is not freed; the process is about to exit. */
    while (L->open) {
        struct uconn *u = L->open;
        sys->close(u->c.fd);
        L->open = u->next;
        L->open_count--;
        st->connections++;
    }
    io_uring_submit(&L->ring);              /* the last turn's closes */
    io_uring_queue_exit(&L->ring);
    bufs_exit(L);
    while (L->free) {
        struct uconn *u = L->free;
        L->free = u->next;
        free(u);
    }
    if (L->spare.fd >= 0)
        sys->close(L->spare.fd);
    free(L);
    return r < 0 ? r : 0;
}

const struct sp_model sp_model_uring = {
    .name = "uring",
    .summary = "one thread, io_uring (liburing): multishot accept, recv/send/close on the ring, "
               "one submit per turn",
    /* Blocking sockets: the ring polls for us (a non-blocking listener makes
     * some kernels return -EAGAIN from accept instead of waiting). Deferred
     * accept: the recv right after accept finds the request already there. */
    .listen_flags = SP_LISTEN_DEFER,
    .available = uring_available,
    .run = uring_run,
};
