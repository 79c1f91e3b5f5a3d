/*
 * iterative.c — the tutorial's model: accept, serve, close, repeat.
 *
 * One connection at a time, blocking calls only: accept4 -> read -> write ->
 * close is the whole syscall path, nothing hidden.
 *
 * Taking turns: a keep-alive connection must not hold the server while other
 * clients wait to be accepted (a load tool opens 10 or 50 connections at
 * once). Before each keep-alive answer the loop asks the kernel whether a
 * connection waits in the accept queue: an epoll_wait with a zero timeout on
 * a set that holds only the listener, which is poll() through the table's
 * ops. If one waits, the answer says "Connection: close" and the next client
 * gets its turn; a keep-alive connection that sits idle for a whole tick
 * while another waits is closed. So a single keep-alive client pays one
 * syscall per request, and under contention each connection is answered
 * once and closed, like a server whose keep-alive allows one request.
 * (Asking only once every few milliseconds would save that syscall, but a
 * connection kept alive without asking may go idle while others wait; it is
 * then closed after a tick, and clients such as ab count a kept-alive
 * connection closed under them as a failed request.)
 *
 * Timeouts without extra syscalls per connection: SO_RCVTIMEO/SO_SNDTIMEO are
 * set once on the listening socket, before listen() (SP_LISTEN_TICK). Linux
 * copies them into every connection, so accept and every read wake at least
 * every SP_STOP_POLL_MS to check the stop flag and the connection's deadline.
 * (Set any later and a client that connects in between gets a socket without
 * them: a silent one would then hold the server forever.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "conn.h"

/* One loop per process: its table, and the set holding only the listener. */
static const struct sp_sys *turn_sys;
static int turn_ep = -1;

/* 1 when a connection waits in the listener's accept queue. */
static int someone_waiting(void)
{
    struct epoll_event ev;
    return turn_sys->epoll_wait(turn_ep, &ev, 1, 0) > 0;
}

/* sp_conn's may_keep_alive: keep unless someone waits. */
static int keep_turn(struct sp_conn *c)
{
    (void)c;
    return !someone_waiting();
}

static int stop_now(const struct sp_config *cfg, const struct sp_stats *st, long start)
{
    return sp_stop_requested || (cfg->max_conns && st->connections - start >= cfg->max_conns);
}

/* Serve one accepted connection until it closes, errs or times out. */
static void serve(const struct sp_sys *sys, const struct sp_config *cfg, struct sp_conn *c,
                  struct sp_stats *st)
{
    c->may_keep_alive = keep_turn;
    for (;;) {
        long r = sys->read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len);
        if (r == -EINTR || r == -EAGAIN) {              /* a poll tick, or a signal */
            if (sp_stop_requested)
                break;
            if (sp_now_ms() >= c->deadline_ms) {
                st->timeouts++;
                break;
            }
            if (c->in_len == 0 && c->requests > 0 && someone_waiting())
                break;                                  /* idle a whole tick while another waits */
            continue;
        }
        if (r <= 0)
            break;                                      /* the client closed, or an error */
        sp_conn_received(c, (unsigned)r, cfg);
        int more;
        do {
            more = sp_conn_process(c, cfg, st);
            long f = sp_conn_flush(sys, c, 1);
            if (f == -ETIMEDOUT)
                st->timeouts++;                         /* the client stopped reading */
            if (f < 0)
                return;
        } while (more);
        if (c->closing) {
            /* An error, or requests left unanswered (pipelined behind the one
             * that closed): drain before closing, so the kernel does not
             * answer unread bytes with a RST that destroys the response. */
            if (c->lingering || c->in_len)
                sp_conn_linger(sys, c->fd);
            return;
        }
        /* A client trickling bytes faster than the poll tick never lets read
         * time out, so check the header deadline here too: else a slowloris
         * client holds the server for as long as it likes. */
        if (c->in_len && sp_now_ms() >= c->deadline_ms) {
            st->timeouts++;
            break;
        }
    }
}

static long iterative_run(const struct sp_sys *sys, const struct sp_config *cfg,
                          const struct sp_listener *l, struct sp_stats *st)
{
    /* The set the loop asks "does anyone wait?" (see someone_waiting). */
    long ep = sys->epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        return ep;
    struct epoll_event lev = { .events = EPOLLIN, .data.fd = l->fd };
    long e = sys->epoll_ctl((int)ep, EPOLL_CTL_ADD, l->fd, &lev);
    struct sp_conn *c = e < 0 ? NULL : malloc(sizeof *c);
    if (!c) {
        sys->close((int)ep);
        return e < 0 ? e : -ENOMEM;
    }
    turn_sys = sys;
    turn_ep = (int)ep;
    struct sp_spare spare;
    sp_spare_take(sys, &spare);
    long start = st->connections;

    while (!stop_now(cfg, st, start)) {
        long fd = sys->accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (sp_accept_retryable(fd))
                continue;
            st->accept_errors++;
            if (fd == -EMFILE || fd == -ENFILE)
                sp_spare_shed(sys, &spare, l->fd);
            continue;
        }
        sp_conn_init(c, (int)fd, cfg);
        serve(sys, cfg, c, st);
        sys->close(c->fd);
        st->connections++;
    }
    if (spare.fd >= 0)
        sys->close(spare.fd);
    sys->close((int)ep);
    free(c);
    return 0;
}

const struct sp_model sp_model_iterative = {
    .name = "iterative",
    .summary = "the tutorial's loop: blocking accept, serve one connection, close, repeat",
    .listen_flags = SP_LISTEN_TICK | SP_LISTEN_DELACK,
    .available = NULL,
    .run = iterative_run,
};
