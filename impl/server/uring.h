/*
 * uring.h — the io_uring model's files, and what they share (internal to impl/server).
 *
 *   uring_setup.c   test hooks (read once), feature probe, the setup fallback
 *                   ladder, the verbose feature line
 *   uring_bufs.c    the provided-buffer ring for multishot recv, and the
 *                   back-pressure stash of bytes in[] has no room for
 *   uring_accept.c  the listener: accept (multishot or one-shot), EMFILE
 *                   shedding with the spare descriptor, the back-off timer
 *   uring.c         the connection state machine, the event loop, the model
 *   uring_valgrind.h  the two accommodations for running under valgrind
 *
 * Every ring operation carries a user_data that says what completed: a
 * struct uconn * (malloc'd, so 16-byte aligned: four bits free) or 0, ORed
 * with a tag.
 */
#ifndef SYSPATH_SERVER_URING_H
#define SYSPATH_SERVER_URING_H

#include <liburing.h>
#include <stdint.h>

#include "conn.h"

#define RING_ENTRIES 1024               /* SQ size; the CQ is 4x (connections' completions + accepts) */
#define NBUF 256                        /* provided recv buffers (a power of two; SYSPATH_URING_BUFS) */
#define BUF_SIZE 2048                   /* each: a typical request fits one; 512 KiB in all */
#define BGID 0                          /* their buffer group */

enum tag {
    TAG_IGNORE, TAG_ACCEPT, TAG_RECV, TAG_SEND, TAG_CLOSE, TAG_SHED, TAG_TIMER, TAG_CANCEL_ACCEPT,
    TAG_LINKED_CLOSE,                   /* a close linked to the last response's send */
};
#define TAG_MASK 15u

/* Gathering completions: with keep-alive connections open (those that have
 * answered a request and stayed open), a turn waits for one completion per
 * SP_GATHER_PER_CONNS of them (at most SP_GATHER_MAX), but once one is in, no
 * longer than the gather wait (--gather-us, SP_GATHER_US by default;
 * io_uring's min wait, IORING_FEAT_MIN_TIMEOUT, Linux 6.12+; without it a
 * turn waits for one completion). On a guest where every cross-CPU
 * interrupt is a hypercall, answering a dozen requests per turn instead of
 * one or two sends one wake-up of the client's CPU per burst of responses
 * rather than per response, and takes fewer wake-ups itself: keep-alive
 * server CPU per request fell from 19 to 13 us on the 2-core Zen 5 guest
 * (wrk -c50), and req/s rose by a third. The price is latency: a response
 * may wait up to the gather wait for others. With fewer than
 * 2 * SP_GATHER_PER_CONNS kept connections a turn waits for one completion,
 * as without gathering, so a lone client never waits. Connection: close
 * exchanges do not count: each is over before another could join it, and a
 * min wait arms a timer each turn (counting every open connection cost
 * about 4 us more per connection under wrk -H 'Connection: close'). */
#define SP_GATHER_US 50
#define SP_GATHER_PER_CONNS 4
#define SP_GATHER_MAX 16

#ifndef IORING_FEAT_MIN_TIMEOUT
#define IORING_FEAT_MIN_TIMEOUT (1U << 15)  /* liburing 2.3's header predates it */
#endif

/* The test hooks, from the environment, read once (sp_uring_hooks):
 *   SYSPATH_URING_DISABLE=1  available() fails, as where io_uring is disabled;
 *   SYSPATH_URING_PLAIN=1    no optional feature: one-shot accept and recv, no
 *                            setup flags, no registered ring fd (the old-kernel path);
 *   SYSPATH_URING_BUFS=N     N provided buffers instead of NBUF (a power of two,
 *                            1..4096; anything else is ignored): few make
 *                            -ENOBUFS and the stash common;
 *   SYSPATH_URING_VERBOSE=1  one line on stderr naming the features in use. */
struct uring_hooks {
    int disable, plain, verbose;
    unsigned nbuf;
};
const struct uring_hooks *sp_uring_hooks(void);

/* The recv side of a connection. At most one recv is in flight; a one-shot
 * recv writes straight into in[] (so the parser must not run meanwhile), a
 * multishot one writes into ring buffers and stays armed. */
enum recv_state {
    RECV_IDLE,                          /* nothing in flight */
    RECV_ONESHOT,                       /* a one-shot recv into in[] */
    RECV_MULTI,                         /* a multishot recv into the buffer ring */
    RECV_MULTI_CANCELLING,              /* ... being cancelled: in[] is full, bytes wait in the stash */
};

/* Where a connection is in its life. */
enum life {
    LIFE_OPEN,
    LIFE_DYING,                         /* close once nothing is in flight (cancels are sent) */
    LIFE_CLOSING,                       /* the close is on the ring, its completion will release */
};

/* Ring buffers holding bytes in[] had no room for, oldest first; -1: none. */
struct stash_queue { int head, tail; };

struct uconn {
    struct sp_conn c;                   /* first: the pool hands out struct sp_conn * */
    enum recv_state recv;
    enum life life;
    unsigned char send_busy;            /* a send of out[] is in flight */
    unsigned char close_linked;         /* ... with a close linked to it, whose fate is not known yet */
    unsigned char oneshot_next;         /* next recv one-shot: the first, or the ring ran dry */
    unsigned char eof;                  /* the client has finished sending */
    unsigned char linger_reads;         /* reads drained since the error response */
    unsigned char kept;                 /* answered a request and stayed open (in loop.kept) */
    struct stash_queue stash;
};

struct features {
    int multishot_accept;
    int multishot_recv;                 /* with the buffer ring */
    int ring_close;                     /* IORING_OP_CLOSE */
    int close_quiet;                    /* ... without a completion when it succeeds (CQE_SKIP, 5.17+) */
    unsigned setup_flags;
    int registered_fd;
    int sys_wait;                       /* the turn's wait goes through struct sp_sys (EXT_ARG, 5.11+) */
    unsigned gather_us;                 /* the gather wait; 0: a turn waits for one completion */
};

/* The provided buffers: the ring the kernel picks from, the memory, and per
 * buffer (when stashed on a connection) its bytes, read offset and next. */
struct uring_bufs {
    struct io_uring_buf_ring *br;
    char *mem;
    unsigned nbuf;
    size_t map_bytes;
    struct { unsigned short len, off; int next; } *stash;   /* nbuf entries */
};

struct loop {
    const struct sp_sys *sys;
    const struct sp_config *cfg;
    struct sp_stats *st;
    struct io_uring ring;
    struct features f;
    struct uring_bufs b;
    int lfd;
    struct sp_conn_pool pool;           /* of struct uconn */
    long accepted;
    long kept;                          /* connections kept alive after a response (gathering) */
    int listening;                      /* still accepting (not stopping, --max-conns not reached) */
    int accept_armed, shed_armed, timer_armed, cancel_sent, accept_ok, recv_ok;
    struct sp_spare spare;
    struct __kernel_timespec backoff;
};

static inline __u64 ud(struct uconn *u, enum tag t) { return (__u64)(uintptr_t)u | t; }

/* uring.c: hand the prepared SQEs to the kernel, through the chosen syscall
 * path (struct sp_sys); if wait_nr > 0 and no completion is ready, wait for
 * wait_nr completions up to ts, and (wait_nr > 1: ts needed, and gathering on)
 * once one is in, no longer than the gather wait.
 * Returns what io_uring_enter returns: SQEs submitted, or -errno (-ETIME). */
int sp_uring_enter(struct loop *L, unsigned wait_nr, struct __kernel_timespec *ts);

/* An SQE; when the SQ is full (many completions in one turn), submit early. */
static inline struct io_uring_sqe *sqe_get(struct loop *L)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&L->ring);
    if (!sqe) {
        sp_uring_enter(L, 0, NULL);
        sqe = io_uring_get_sqe(&L->ring);
    }
    return sqe;
}

/* Cancel the operation whose user_data is target; the cancel itself completes with tag. */
static inline void sp_uring_cancel(struct loop *L, __u64 target, enum tag tag)
{
    struct io_uring_sqe *sqe = sqe_get(L);
    if (sqe) {
        io_uring_prep_cancel64(sqe, target, 0);
        io_uring_sqe_set_data64(sqe, tag);
    }
}

/* uring_setup.c */
long sp_uring_available(char *why, unsigned long n);
/* The ring (with the best setup flags this kernel takes) and the buffer ring;
 * fills L->f. 0, or -errno: no ring at all. */
int sp_uring_setup(struct loop *L);
void sp_uring_teardown(struct loop *L);

/* uring_bufs.c: 0, or -errno (then no multishot recv). */
int sp_uring_bufs_init(struct uring_bufs *b, struct io_uring *ring, unsigned nbuf);
void sp_uring_bufs_exit(struct uring_bufs *b);
char *sp_uring_buf(const struct uring_bufs *b, int bid);
/* Hand buffer bid back to the kernel. */
void sp_uring_recycle(struct uring_bufs *b, int bid);
/* n bytes arrived in buffer bid: into c->in as far as there is room, the rest
 * queued on q (its buffer kept from the kernel meanwhile). Returns 1 when
 * something was queued (the caller stops the multishot recv), else 0. */
int sp_uring_deliver(struct uring_bufs *b, struct stash_queue *q, struct sp_conn *c, int bid,
                     unsigned n, const struct sp_config *cfg);
/* Move queued bytes into c->in as far as there is room. */
void sp_uring_unstash(struct uring_bufs *b, struct stash_queue *q, struct sp_conn *c,
                      const struct sp_config *cfg);
/* Drop whatever q holds (nobody will read it now). */
void sp_uring_stash_drop(struct uring_bufs *b, struct stash_queue *q);

/* uring_accept.c */
void sp_uring_arm_accept(struct loop *L);
void sp_uring_on_accept(struct loop *L, int res, unsigned flags);
void sp_uring_on_shed(struct loop *L, int res);

/* uring.c: a new connection on fd. */
void sp_uring_new_conn(struct loop *L, int fd);
#endif
