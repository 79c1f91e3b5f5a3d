/*
 * uring.c — one thread, one io_uring, many connections (liburing): the
 * connection state machine and the event loop. The other files of this model
 * are named in uring.h.
 *
 * io_uring is an I/O model that replaces the syscalls: accept, recv, send and
 * close are submissions on the ring, and one io_uring_enter per loop turn
 * submits everything the previous turn prepared and waits for completions.
 * That io_uring_enter goes through the --backend (struct sp_sys; see
 * sp_uring_enter), so asm/uring, raw/uring and libc/uring differ in the one
 * syscall a turn costs. The backend is also used where the ring is not:
 * setup (the listening socket, made by sp_listen), the spare descriptor for
 * EMFILE, shutdown(SHUT_WR) before a lingering close after an error response,
 * and the rare fallbacks (a close when the ring has no room). The ring itself
 * is made and registered by liburing.
 *
 * Per connection at most one recv and one send are in flight, and
 * sp_conn_process() (conn.c, shared with every model) runs only when no send
 * and no one-shot recv is, so the kernel never reads or writes a buffer that
 * the parser moves.
 *
 * recv: multishot into the provided-buffer ring (uring_bufs.c) where it
 * works: the recv stays armed, so a keep-alive request costs no re-arm and no
 * failed first attempt. Without buffer ring or multishot recv (or when the
 * ring runs out of buffers: -ENOBUFS), a one-shot recv straight into in[],
 * re-armed after each response.
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
 * cancelled operation has completed (enum life in uring.h).
 *
 * A turn's wait gathers completions when keep-alive connections are open
 * (uring.h: gathering): it asks for one per SP_GATHER_PER_CONNS of them, and
 * io_uring's min wait returns it once the gather wait has passed with at least
 * one in. DEFER_TASKRUN keeps the arrivals in between from waking the loop.
 *
 * The last response (sp_conn_last_response) goes with MSG_MORE, so the FIN
 * rides in its segment. When nothing else is in flight (the common Connection:
 * close exchange: the one-shot first recv has completed), the close is linked
 * to that send (IOSQE_IO_LINK) and submitted with it. MSG_WAITALL makes the
 * kernel finish a short send itself, or fail it; a failed send cancels the
 * linked close, and the connection goes on from its completion (see
 * on_send, on_linked_close).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "uring.h"
#include "uring_valgrind.h"

#define CQE_BATCH 256                   /* completions copied out per pass */
#define LINGER_READS 8                  /* 8 x 8 KiB: drain at most 64 KiB after an error response */
#define LINGER_MAX_MS 1000
#define STOP_DRAIN_MS 500               /* after SIGTERM: wait this long for cancellations */

/* --- connections ---------------------------------------------------------- */

static void release(struct loop *L, struct uconn *u)
{
    L->kept -= u->kept;
    sp_uring_stash_drop(&L->b, &u->stash);  /* bytes nobody will read now */
    sp_pool_release(&L->pool, &u->c, L->st);
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
    u->life = LIFE_CLOSING;
}

/* Close u as soon as nothing is in flight on it (cancelling what is). */
static void kill_conn(struct loop *L, struct uconn *u)
{
    if (u->life == LIFE_OPEN) {
        u->life = LIFE_DYING;
        if (u->recv != RECV_IDLE)
            sp_uring_cancel(L, ud(u, TAG_RECV), TAG_IGNORE);
        if (u->send_busy)
            sp_uring_cancel(L, ud(u, TAG_SEND), TAG_IGNORE);
    }
    if (u->life == LIFE_DYING && u->recv == RECV_IDLE && !u->send_busy && !u->close_linked)
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
    if (c->requests > 0 && !u->kept) {      /* kept alive: counts for gathering */
        u->kept = 1;
        L->kept++;
    }
    if (L->f.multishot_recv && !u->oneshot_next) {
        io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = BGID;
        u->recv = RECV_MULTI;
    } else {
        io_uring_prep_recv(sqe, c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);
        u->recv = RECV_ONESHOT;
        u->oneshot_next = 0;
    }
    io_uring_sqe_set_data64(sqe, ud(u, TAG_RECV));
}

static void arm_send(struct loop *L, struct uconn *u)
{
    struct sp_conn *c = &u->c;
    int last = sp_conn_last_response(c);
    /* Link the close only where it really closes the socket: no recv holds
     * a reference to it, and no linger follows. */
    int link = last && !c->lingering && L->f.ring_close && u->recv == RECV_IDLE;
    if (link && io_uring_sq_space_left(&L->ring) < 2)
        sp_uring_enter(L, 0, NULL);         /* the send and its close go in one submission */
    struct io_uring_sqe *sqe = sqe_get(L);
    if (!sqe) {
        kill_conn(L, u);
        return;
    }
    /* MSG_NOSIGNAL: a reset client gives -EPIPE, not SIGPIPE. */
    int flags = MSG_NOSIGNAL | (last ? MSG_MORE : 0) | (link ? MSG_WAITALL : 0);
    io_uring_prep_send(sqe, c->fd, c->out + c->out_off, c->out_len - c->out_off, flags);
    io_uring_sqe_set_data64(sqe, ud(u, TAG_SEND));
    u->send_busy = 1;
    struct io_uring_sqe *close_sqe = link ? io_uring_get_sqe(&L->ring) : NULL;
    if (close_sqe) {
        sqe->flags |= IOSQE_IO_LINK;
        io_uring_prep_close(close_sqe, c->fd);
        if (L->f.close_quiet)
            close_sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
        io_uring_sqe_set_data64(close_sqe, ud(u, TAG_LINKED_CLOSE));
        u->close_linked = 1;
    }
}

/* Whatever just happened on u: answer what is complete in in[] and send it;
 * when all is answered, close (the client finished) or make sure a recv is armed. */
static void progress(struct loop *L, struct uconn *u)
{
    struct sp_conn *c = &u->c;
    if (u->life != LIFE_OPEN) {
        kill_conn(L, u);
        return;
    }
    if (u->send_busy || c->lingering || u->recv == RECV_ONESHOT)
        return;                             /* the kernel owns out[] or in[]: wait for it */
    /* Bounded: a pass that answers nothing leaves the stash empty, or in[]
     * full without a head end, which the next pass answers with 431. */
    for (int pass = 0; pass < 3; pass++) {
        sp_uring_unstash(&L->b, &u->stash, c, L->cfg);
        sp_conn_process(c, L->cfg, L->st);
        if (c->out_len > c->out_off) {
            arm_send(L, u);                 /* its completion calls progress again */
            return;
        }
        if (c->closing || u->stash.head < 0)
            break;
    }
    if (c->closing || u->eof || u->stash.head >= 0) {
        kill_conn(L, u);
        return;
    }
    if (u->recv == RECV_IDLE)
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
    if (u->recv == RECV_IDLE)
        arm_recv(L, u);                     /* one-shot: in[] is the sink (in_len stays 0) */
}

static void on_recv(struct loop *L, struct uconn *u, int res, unsigned flags)
{
    struct sp_conn *c = &u->c;
    int was_multi = u->recv == RECV_MULTI || u->recv == RECV_MULTI_CANCELLING;
    if (!was_multi || !(flags & IORING_CQE_F_MORE))
        u->recv = RECV_IDLE;                /* this recv is over */
    int bid = flags & IORING_CQE_F_BUFFER ? (int)(flags >> IORING_CQE_BUFFER_SHIFT) : -1;
    if (u->life != LIFE_OPEN || c->lingering) {
        if (bid >= 0)
            sp_uring_recycle(&L->b, bid);   /* discarded */
        if (u->life != LIFE_OPEN)
            kill_conn(L, u);
        else if (res > 0 && ++u->linger_reads < LINGER_READS) {
            if (u->recv == RECV_IDLE)
                arm_recv(L, u);
        } else
            kill_conn(L, u);
        return;
    }
    if (res > 0) {
        if (bid >= 0) {
            L->recv_ok = 1;
            uring_mark_received(sp_uring_buf(&L->b, bid), (size_t)res);
            if (sp_uring_deliver(&L->b, &u->stash, c, bid, (unsigned)res, L->cfg) &&
                u->recv == RECV_MULTI) {
                /* in[] is full: stop reading until the stash is consumed */
                sp_uring_cancel(L, ud(u, TAG_RECV), TAG_IGNORE);
                u->recv = RECV_MULTI_CANCELLING;
            }
        } else {
            uring_mark_received(c->in + c->in_len, (size_t)res);
            sp_conn_received(c, (unsigned)res, L->cfg);
        }
    } else if (res == 0) {
        u->eof = 1;                         /* answer what came before it, then close */
    } else if (res == -ENOBUFS) {
        u->oneshot_next = 1;                /* the ring is empty for now: one-shot into in[] */
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
    if (u->close_linked) {
        if (res >= 0 && c->out_off + (unsigned)res == c->out_len) {
            /* All sent: the linked close runs now, whatever else happened. */
            u->close_linked = 0;
            if (L->f.close_quiet)
                release(L, u);              /* its success posts no completion */
            else
                u->life = LIFE_CLOSING;     /* its completion releases u */
            return;
        }
        /* Short or failed: the kernel cancels the linked close, and its
         * completion (on_linked_close) goes on from what was sent. */
        if (res > 0)
            c->out_off += (unsigned)res;
        else
            kill_conn(L, u);                /* closes once the cancelled close is back */
        return;
    }
    if (u->life != LIFE_OPEN || res < 0) {
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

/* The close linked to the last response completed: cancelled because the
 * send fell short or failed (u is still ours: carry on), or, where closes
 * post a completion, done (u is released). A quiet close that failed after a
 * complete send has nothing to tell: u was released at the send. */
static void on_linked_close(struct loop *L, struct uconn *u, int res)
{
    if (res == -ECANCELED) {
        u->close_linked = 0;
        progress(L, u);                     /* sends the rest, or closes a dying u */
    } else if (!L->f.close_quiet) {
        release(L, u);
    }
}

void sp_uring_new_conn(struct loop *L, int fd)
{
    struct uconn *u = (struct uconn *)sp_pool_open(&L->pool, fd, L->cfg);
    if (!u) {
        L->sys->close(fd);
        L->st->accept_errors++;
        return;
    }
    u->recv = RECV_IDLE;
    u->life = LIFE_OPEN;
    u->send_busy = u->close_linked = u->eof = u->linger_reads = u->kept = 0;
    /* The first recv is one-shot: with deferred accept the request is already
     * there, so it completes at once and leaves nothing armed; a Connection:
     * close exchange then needs no cancel. Keep-alive turns multishot after. */
    u->oneshot_next = 1;
    u->stash.head = u->stash.tail = -1;
    arm_recv(L, u);
}

/* --- the loop ------------------------------------------------------------- */

/* liburing's submit and wait, with its io_uring_enter issued through the
 * chosen syscall path, so that asm/uring, raw/uring and libc/uring differ in
 * the one syscall this model makes per turn. No SQPOLL, no IOPOLL: the tail
 * store is enough to publish the SQEs (the kernel reads it in our own
 * io_uring_enter). Waiting is skipped when completions are already there. */
int sp_uring_enter(struct loop *L, unsigned wait_nr, struct __kernel_timespec *ts)
{
    struct io_uring_sq *sq = &L->ring.sq;
    unsigned tail = sq->sqe_tail;
    for (unsigned i = sq->sqe_head; i != tail; i++)
        sq->array[i & sq->ring_mask] = i & sq->ring_mask;   /* slot i holds SQE i */
    if (sq->sqe_head != tail) {
        sq->sqe_head = tail;
        io_uring_smp_store_release(sq->ktail, tail);
    }
    unsigned submit = tail - IO_URING_READ_ONCE(*sq->khead);
    unsigned flags = 0;
    struct io_uring_getevents_arg arg = { .sigmask = 0, .sigmask_sz = _NSIG / 8 };
    const void *argp = NULL;
    unsigned long argsz = _NSIG / 8;
    if (wait_nr && !io_uring_cq_ready(&L->ring)) {
        flags |= IORING_ENTER_GETEVENTS;
        if (ts) {
            arg.ts = (__u64)(uintptr_t)ts;
            if (wait_nr > 1)
                arg.pad = L->f.gather_us;   /* min_wait_usec since Linux 6.12 */
            flags |= IORING_ENTER_EXT_ARG;
            argp = &arg;
            argsz = sizeof arg;
        }
    } else {
        wait_nr = 0;
    }
    if (!submit && !flags)
        return 0;
    if (L->f.registered_fd)
        flags |= IORING_ENTER_REGISTERED_RING;
    return (int)L->sys->io_uring_enter(L->ring.enter_ring_fd, submit, wait_nr, flags, argp, argsz);
}

/* How many completions the turn's wait asks for (uring.h: gathering). */
static unsigned gather_target(const struct loop *L)
{
    unsigned n = L->f.gather_us ? (unsigned)L->kept / SP_GATHER_PER_CONNS : 1;
    return n < 1 ? 1 : n > SP_GATHER_MAX ? SP_GATHER_MAX : n;
}

static void dispatch(struct loop *L, __u64 data, int res, unsigned flags)
{
    struct uconn *u = (struct uconn *)(uintptr_t)(data & ~(__u64)TAG_MASK);
    switch ((enum tag)(data & TAG_MASK)) {
    case TAG_ACCEPT: sp_uring_on_accept(L, res, flags); break;
    case TAG_RECV: on_recv(L, u, res, flags); break;
    case TAG_SEND: on_send(L, u, res); break;
    case TAG_CLOSE: release(L, u); break;
    case TAG_LINKED_CLOSE: on_linked_close(L, u, res); break;
    case TAG_SHED: sp_uring_on_shed(L, res); break;
    case TAG_TIMER: L->timer_armed = 0; break;
    case TAG_CANCEL_ACCEPT:
        if (res < 0 && res != -ENOENT)
            L->cancel_sent = 0;             /* -EALREADY...: ask again next turn */
        break;
    case TAG_IGNORE: break;
    }
}

/* A deadline passed: a lingering connection has drained long enough, any
 * other one timed out. One already dying is only waiting for the kernel. */
static void expired(void *loop, struct sp_conn *c)
{
    struct loop *L = loop;
    struct uconn *u = (struct uconn *)c;
    if (u->life != LIFE_OPEN)
        return;
    if (!c->lingering)
        L->st->timeouts++;
    kill_conn(L, u);
}

static long uring_run(const struct sp_sys *sys, const struct sp_config *cfg,
                      const struct sp_listener *l, struct sp_stats *st)
{
    struct loop *L = calloc(1, sizeof *L);
    if (!L)
        return -ENOMEM;
    L->sys = sys;
    L->cfg = cfg;
    L->st = st;
    L->lfd = l->fd;
    L->listening = 1;
    sp_pool_init(&L->pool, sizeof(struct uconn));
    long r = sp_uring_setup(L);
    if (r < 0) {
        free(L);
        return r;
    }
    sp_spare_take(sys, &L->spare);

    long next_expiry = sp_now_ms() + SP_STOP_POLL_MS, stop_by = 0;
    struct { __u64 data; int res; unsigned flags; } batch[CQE_BATCH];
    for (;;) {
        if (sp_stop_requested && !stop_by) {
            /* Stopping: no more accepts; open connections are closed (they count as served). */
            stop_by = sp_now_ms() + STOP_DRAIN_MS;
            L->listening = 0;
            for (struct sp_conn *c = L->pool.open, *next; c; c = next) {
                next = c->next;
                kill_conn(L, (struct uconn *)c);
            }
        }
        if (!L->listening && (L->accept_armed || L->shed_armed) && !L->cancel_sent) {
            if (L->accept_armed)
                sp_uring_cancel(L, TAG_ACCEPT, TAG_CANCEL_ACCEPT);
            if (L->shed_armed)
                sp_uring_cancel(L, TAG_SHED, TAG_IGNORE);
            L->cancel_sent = 1;
        }
        if (L->listening && !L->accept_armed && !L->shed_armed && !L->timer_armed)
            sp_uring_arm_accept(L);
        if (!L->listening && L->pool.open_count == 0 && !L->accept_armed && !L->shed_armed &&
            !L->timer_armed)
            break;                          /* --max-conns reached (or stopped) and all closed */
        if (stop_by && sp_now_ms() >= stop_by)
            break;                          /* cancellations that never came back: give up */

        struct io_uring_cqe *cqe;
        struct __kernel_timespec tick = { .tv_sec = 0, .tv_nsec = SP_STOP_POLL_MS * 1000000L };
        int w = L->f.sys_wait ? sp_uring_enter(L, gather_target(L), &tick)
                              : io_uring_submit_and_wait_timeout(&L->ring, &cqe, 1, &tick, NULL);
        uring_let_signals_in();
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
            sp_pool_expire(&L->pool, now, expired, L);
            next_expiry = now + SP_STOP_POLL_MS;
        }
    }

    /* Whatever is still open (only when the stop drain gave up): close it
     * directly. Its memory may still be the target of an operation the kernel
     * did not cancel, so it is not freed; the process is about to exit. */
    while (L->pool.open) {
        struct sp_conn *c = L->pool.open;
        sys->close(c->fd);
        sp_pool_abandon(&L->pool, c, st);
    }
    sp_uring_enter(L, 0, NULL);             /* the last turn's closes */
    sp_uring_teardown(L);
    sp_pool_destroy(&L->pool);
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
    .listen_flags = SP_LISTEN_DEFER | SP_LISTEN_DELACK,
    .available = sp_uring_available,
    .run = uring_run,
};
