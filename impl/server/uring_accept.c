/*
 * uring_accept.c — the io_uring model's listener.
 *
 * accept: multishot (Linux 5.19+) where it works, else one-shot accepts
 * re-armed per completion (a first -EINVAL switches to those). The loop
 * (uring.c) re-arms whenever nothing is armed and it is still listening.
 *
 * EMFILE: io_uring allocates the descriptor before it looks for a
 * connection, so EMFILE comes even with nobody waiting. The spare descriptor
 * is given up and one accept (the "shed" accept) waits on the ring with it;
 * see shed(). Other errors that a retry will not fix at once arm a short
 * timer instead, so that we do not spin.
 *
 * Not used: accepting into direct descriptors (fixed files). Tried whole:
 * io_uring_prep_multishot_accept_direct (liburing 2.3's one-shot
 * accept_direct with IORING_FILE_INDEX_ALLOC is off by one) into a sparse
 * file table the size of RLIMIT_NOFILE; recv and send on IOSQE_FIXED_FILE;
 * close_direct, still linked to the MSG_MORE send; the linger's
 * shutdown(SHUT_WR) on the ring (IORING_OP_SHUTDOWN runs in a worker, so the
 * linger's recv and the close had to wait for its completion); a full
 * table's -ENFILE shed into an ordinary descriptor; SYSPATH_URING_PLAIN on
 * the old path. It passed the uring tests, but it did not pay: over 12
 * interleaved old/new pairs of scripts/bench --only accept --only keepalive
 * --rows libc/uring,raw/uring,libc/epoll --rounds 1 --duration 2 (Linux
 * 6.18, a 2-core VM), the new/old ratio of server CPU per connection and per
 * keep-alive request had a 95% interval reaching 1 on both uring rows, and
 * the unchanged libc/epoll row moved as much as they did. Segments and
 * context switches per exchange were unchanged. What it saves (a
 * descriptor-table lookup and reference per operation, installing and
 * freeing a descriptor per connection) is lost beside the loopback TCP work
 * that is most of the server's CPU, and it would cost a second kind of
 * descriptor on every path, a shutdown round trip and the -ENFILE case.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>

#include "uring.h"

#define BACKOFF_MS 10                   /* after an accept error that a retry will not fix at once */

void sp_uring_arm_accept(struct loop *L)
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
    sp_uring_new_conn(L, fd);
}

void sp_uring_on_accept(struct loop *L, int res, unsigned flags)
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
    if (res == -EMFILE || res == -ENFILE)
        shed(L);
    else
        arm_timer(L);                       /* ENOBUFS, ENOMEM...: not at once, or we would spin */
}

void sp_uring_on_shed(struct loop *L, int res)
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
