/*
 * epoll.c — one thread, one epoll set, many connections.
 *
 * Level-triggered on purpose: one read per readiness event is enough (the
 * kernel reports the socket again if bytes remain), where edge-triggered would
 * need a read until EAGAIN, one extra syscall per request. Connections are
 * registered for EPOLLIN only; EPOLLOUT is asked for only while a response
 * could not be written whole (rare: responses are a few hundred bytes).
 *
 * Accept path: accept4 is drained until EAGAIN, and each new connection is
 * read at once before it is registered. When the request is already there
 * (common on loopback) a Connection: close exchange costs accept4, read,
 * write, close and no epoll_ctl at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "conn.h"
#include "epoll.h"

#define MAX_EVENTS 256

struct loop {
    const struct sp_sys *sys;
    const struct sp_config *cfg;
    struct sp_stats *st;
    int epfd;
    struct sp_conn_pool pool;
};

/* A connection, and whether the epoll set knows it yet. */
struct econn {
    struct sp_conn c;               /* first: the pool hands out struct sp_conn * */
    int registered;
};

static void conn_close(struct loop *L, struct sp_conn *c)
{
    if (c->lingering)
        sp_conn_linger(L->sys, c->fd);
    L->sys->close(c->fd);           /* closing the fd also drops it from the epoll set */
    sp_pool_release(&L->pool, c, L->st);
}

static int registered(struct sp_conn *c) { return ((struct econn *)c)->registered; }

static int want(struct loop *L, struct sp_conn *c, unsigned events)
{
    struct econn *e = (struct econn *)c;
    struct epoll_event ev = { .events = events, .data.ptr = c };
    long r = L->sys->epoll_ctl(L->epfd, e->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &ev);
    e->registered = 1;
    return r == 0;
}

/* Readable (or just accepted): read once, answer, write. */
static void on_readable(struct loop *L, struct sp_conn *c)
{
    long r;
    do {
        r = L->sys->read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len);
    } while (r == -EINTR);
    if (r == -EAGAIN) {
        if (!registered(c) && !want(L, c, EPOLLIN))
            conn_close(L, c);
        return;
    }
    if (r <= 0) {                   /* the client closed, or reset */
        conn_close(L, c);
        return;
    }
    sp_conn_received(c, (unsigned)r, L->cfg);
    for (;;) {
        int more = sp_conn_process(c, L->cfg, L->st);
        long f = sp_conn_flush(L->sys, c, 0);
        if (f < 0) {
            conn_close(L, c);
            return;
        }
        if (f == 0) {               /* send buffer full: wait for EPOLLOUT, stop reading */
            if (!want(L, c, EPOLLOUT))
                conn_close(L, c);
            return;
        }
        if (c->closing) {
            conn_close(L, c);
            return;
        }
        if (!more)
            break;
    }
    if (!registered(c) && !want(L, c, EPOLLIN))
        conn_close(L, c);
}

static void on_writable(struct loop *L, struct sp_conn *c)
{
    long f = sp_conn_flush(L->sys, c, 0);
    if (f < 0 || (f == 1 && c->closing)) {
        conn_close(L, c);
        return;
    }
    if (f == 1) {
        /* flushed: answer what was held back, then read again */
        if (sp_conn_process(c, L->cfg, L->st) || c->out_len) {
            on_writable(L, c);
            return;
        }
        if (c->closing) {
            conn_close(L, c);
            return;
        }
        if (!want(L, c, EPOLLIN))
            conn_close(L, c);
    }
}

static void accept_all(struct loop *L, int lfd, long *accepted, struct sp_spare *spare)
{
    const struct sp_config *cfg = L->cfg;
    for (;;) {
        if (cfg->max_conns && __atomic_load_n(accepted, __ATOMIC_RELAXED) >= cfg->max_conns)
            return;
        long fd = L->sys->accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (fd == -EAGAIN)
                return;
            if (sp_accept_retryable(fd))
                continue;
            L->st->accept_errors++;
            if (fd == -EMFILE || fd == -ENFILE)
                sp_spare_shed(L->sys, spare, lfd);
            return;                 /* ENOBUFS, ENOMEM...: try again on the next event */
        }
        if (cfg->max_conns && __atomic_add_fetch(accepted, 1, __ATOMIC_RELAXED) > cfg->max_conns) {
            L->sys->close((int)fd); /* another worker took the last one */
            return;
        }
        struct sp_conn *c = sp_pool_open(&L->pool, (int)fd, cfg);
        if (!c) {
            L->sys->close((int)fd);
            L->st->accept_errors++;
            return;
        }
        ((struct econn *)c)->registered = 0;
        on_readable(L, c);          /* the request is often there already */
    }
}

static void expired(void *loop, struct sp_conn *c)
{
    struct loop *L = loop;
    L->st->timeouts++;
    conn_close(L, c);
}

long sp_epoll_loop(const struct sp_sys *sys, const struct sp_config *cfg, int lfd,
                   long *accepted, struct sp_stats *st)
{
    struct loop L = { .sys = sys, .cfg = cfg, .st = st };
    sp_pool_init(&L.pool, sizeof(struct econn));
    long r = sys->epoll_create1(EPOLL_CLOEXEC);
    if (r < 0)
        return r;
    L.epfd = (int)r;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };   /* NULL: the listener */
    r = sys->epoll_ctl(L.epfd, EPOLL_CTL_ADD, lfd, &ev);
    if (r < 0) {
        sys->close(L.epfd);
        return r;
    }
    struct sp_spare spare;
    sp_spare_take(sys, &spare);
    struct epoll_event events[MAX_EVENTS];
    long next_expiry = sp_now_ms() + SP_STOP_POLL_MS;
    int listening = 1;

    while (!sp_stop_requested) {
        if (listening && cfg->max_conns &&
            __atomic_load_n(accepted, __ATOMIC_RELAXED) >= cfg->max_conns) {
            sys->epoll_ctl(L.epfd, EPOLL_CTL_DEL, lfd, NULL);
            listening = 0;
        }
        if (!listening && L.pool.open_count == 0)
            break;                  /* --max-conns reached and every connection served */
        long n = sys->epoll_wait(L.epfd, events, MAX_EVENTS, SP_STOP_POLL_MS);
        if (n < 0) {
            if (n == -EINTR)
                continue;
            r = n;
            break;
        }
        for (long i = 0; i < n; i++) {
            struct sp_conn *c = events[i].data.ptr;
            if (!c)
                accept_all(&L, lfd, accepted, &spare);
            else if (events[i].events & EPOLLOUT)
                on_writable(&L, c);
            else
                on_readable(&L, c);
        }
        long now = sp_now_ms();
        if (now >= next_expiry) {   /* deadlines are checked a few times a second */
            sp_pool_expire(&L.pool, now, expired, &L);
            next_expiry = now + SP_STOP_POLL_MS;
        }
    }
    /* Stopping: connections still open are closed; they count as served. */
    while (L.pool.open)
        conn_close(&L, L.pool.open);
    sp_pool_destroy(&L.pool);
    if (spare.fd >= 0)
        sys->close(spare.fd);
    sys->close(L.epfd);
    return r < 0 ? r : 0;
}

static long epoll_run(const struct sp_sys *sys, const struct sp_config *cfg,
                      const struct sp_listener *l, struct sp_stats *st)
{
    long accepted = 0;
    return sp_epoll_loop(sys, cfg, l->fd, &accepted, st);
}

const struct sp_model sp_model_epoll = {
    .name = "epoll",
    .summary = "one thread, level-triggered epoll, non-blocking sockets, keep-alive",
    .listen_flags = SP_LISTEN_NONBLOCK | SP_LISTEN_DEFER | SP_LISTEN_DELACK,
    .available = NULL,
    .run = epoll_run,
};
