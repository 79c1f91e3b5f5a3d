/*
 * iterative.c — the tutorial's model: accept, serve, close, repeat.
 *
 * One connection at a time, blocking calls only: accept4 -> read -> write ->
 * close is the whole syscall path, nothing hidden. A keep-alive client holds
 * the server until it closes or goes idle, which is why the keep-alive
 * benchmark drives this model with a single connection.
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
#include <sys/socket.h>

#include "conn.h"

static int stop_now(const struct sp_config *cfg, const struct sp_stats *st, long start)
{
    return sp_stop_requested || (cfg->max_conns && st->connections - start >= cfg->max_conns);
}

/* Serve one accepted connection until it closes, errs or times out. */
static void serve(const struct sp_sys *sys, const struct sp_config *cfg, struct sp_conn *c,
                  struct sp_stats *st)
{
    for (;;) {
        long r = sys->read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len);
        if (r == -EINTR || r == -EAGAIN) {              /* a poll tick, or a signal */
            if (sp_stop_requested)
                break;
            if (sp_now_ms() >= c->deadline_ms) {
                st->timeouts++;
                break;
            }
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
            if (c->lingering)
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
    struct sp_conn *c = malloc(sizeof *c);
    if (!c)
        return -ENOMEM;
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
    free(c);
    return 0;
}

const struct sp_model sp_model_iterative = {
    .name = "iterative",
    .summary = "the tutorial's loop: blocking accept, serve one connection, close, repeat",
    .listen_flags = SP_LISTEN_TICK,
    .available = NULL,
    .run = iterative_run,
};
