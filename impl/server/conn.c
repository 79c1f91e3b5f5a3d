/*
 * conn.c — the per-connection logic every model shares (see conn.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "conn.h"
#include "syspath/sys.h"

long sp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

long sp_test_burn_ns;

long sp_test_burn_setup(const char *backend)
{
    const char *v = getenv("SYSPATH_TEST_BURN_NS");
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    long ns = strtol(v, &end, 10);
    if (errno || end == v || ns < 0 || ns > 100000000L || (*end && *end != ':'))
        return -1;
    if (*end == ':' && !sp_sys_find(end + 1))
        return -1;          /* a misspelt backend would silently burn nothing */
    if (*end == ':' && strcmp(end + 1, backend) != 0)
        ns = 0;             /* meant for another backend's server */
    sp_test_burn_ns = ns;
    return ns;
}

/* Spin on the monotonic clock: a vDSO read, which never enters the kernel, so the
 * spin overshoots N by one cheap read at most. (The thread CPU clock would be a
 * syscall per read, and a kernel entry under the mitigations can cost as much as a
 * short burn: the overshoot would dwarf it.)
 * The server runs pinned on a CPU of its own; were it preempted mid-spin, the
 * burn would cost it less CPU than N, never more. */
static void test_burn(void)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < sp_test_burn_ns);
}

void sp_conn_init(struct sp_conn *c, int fd, const struct sp_config *cfg)
{
    if (sp_test_burn_ns)
        test_burn();
    c->fd = fd;
    c->in_len = c->out_off = c->out_len = 0;
    c->closing = c->lingering = 0;
    c->requests = 0;
    c->prev = c->next = NULL;
    c->may_keep_alive = NULL;
    c->deadline_ms = sp_now_ms() + cfg->header_timeout_ms;
}

void sp_pool_init(struct sp_conn_pool *p, size_t size)
{
    p->open = p->free = NULL;
    p->open_count = 0;
    p->size = size;
}

struct sp_conn *sp_pool_open(struct sp_conn_pool *p, int fd, const struct sp_config *cfg)
{
    struct sp_conn *c = p->free;
    if (c)
        p->free = c->next;
    else if (!(c = malloc(p->size)))
        return NULL;
    sp_conn_init(c, fd, cfg);
    c->next = p->open;
    if (p->open)
        p->open->prev = c;
    p->open = c;
    p->open_count++;
    return c;
}

void sp_pool_abandon(struct sp_conn_pool *p, struct sp_conn *c, struct sp_stats *st)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        p->open = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    p->open_count--;
    st->connections++;
}

void sp_pool_release(struct sp_conn_pool *p, struct sp_conn *c, struct sp_stats *st)
{
    sp_pool_abandon(p, c, st);
    c->next = p->free;
    p->free = c;
}

void sp_pool_expire(struct sp_conn_pool *p, long now,
                    void (*expired)(void *loop, struct sp_conn *c), void *loop)
{
    for (struct sp_conn *c = p->open, *next; c; c = next) {
        next = c->next;
        if (now >= c->deadline_ms)
            expired(loop, c);
    }
}

void sp_pool_destroy(struct sp_conn_pool *p)
{
    while (p->free) {
        struct sp_conn *c = p->free;
        p->free = c->next;
        free(c);
    }
}

void sp_conn_received(struct sp_conn *c, unsigned n, const struct sp_config *cfg)
{
    if (c->in_len == 0 && c->requests > 0)
        c->deadline_ms = sp_now_ms() + cfg->header_timeout_ms;   /* idle -> a new head */
    c->in_len += n;
}

int sp_conn_process(struct sp_conn *c, const struct sp_config *cfg, struct sp_stats *st)
{
    unsigned used = 0;
    int full = 0, answered = 0;

    while (!c->closing) {
        struct sp_http_request req;
        enum sp_http_verdict v = sp_http_parse(c->in + used, c->in_len - used,
                                               sizeof c->in, &req);   /* the head may grow to the whole buffer once the answered ones are dropped */
        if (v == SP_HTTP_INCOMPLETE)
            break;
        if (v == SP_HTTP_OK && req.keep_alive && c->may_keep_alive && !c->may_keep_alive(c))
            req.keep_alive = 0;                 /* answered as if the client had asked to close */
        size_t len;
        const char *resp = sp_http_response(v, &req, &len);
        if (c->out_len + len > sizeof c->out) {
            full = 1;                           /* flush first, then come back */
            break;
        }
        memcpy(c->out + c->out_len, resp, len);
        c->out_len += (unsigned)len;
        answered = 1;
        if (v == SP_HTTP_OK) {
            st->requests++;
            c->requests++;
            used += (unsigned)req.head_len;
            c->closing = !req.keep_alive;
        } else {
            st->bad_requests++;
            c->closing = c->lingering = 1;      /* every error response closes */
        }
    }
    if (used) {
        memmove(c->in, c->in + used, c->in_len - used);
        c->in_len -= used;
    }
    if (answered && !c->closing)
        c->deadline_ms = sp_now_ms() + (c->in_len ? cfg->header_timeout_ms : cfg->idle_timeout_ms);
    return full;
}

int sp_conn_last_response(const struct sp_conn *c)
{
    return c->closing && (c->lingering || c->in_len == 0);
}

long sp_conn_flush(const struct sp_sys *sys, struct sp_conn *c, int blocking)
{
    int last = sp_conn_last_response(c);
    while (c->out_off < c->out_len) {
        long r = last ? sys->send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                                  MSG_MORE | MSG_NOSIGNAL)
                      : sys->write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (r == -EINTR)
            continue;
        if (r == -EAGAIN && !blocking)
            return 0;
        if (r == -EAGAIN) {
            /* Blocking: SO_SNDTIMEO's poll tick expired while the client read
             * nothing. Wait on, up to the connection's deadline: a client
             * that pipelines a lot and reads late must not lose its answers. */
            if (sp_stop_requested || sp_now_ms() >= c->deadline_ms)
                return -ETIMEDOUT;
            continue;
        }
        if (r < 0)
            return r;
        c->out_off += (unsigned)r;
        if (!blocking && c->out_off < c->out_len)
            return 0;                           /* short write: the send buffer is full */
    }
    c->out_off = c->out_len = 0;
    return 1;
}

void sp_conn_linger(const struct sp_sys *sys, int fd)
{
    char sink[4096];
    sys->shutdown(fd, SHUT_WR);
    /* Bounded: at most 64 KiB or until the client closes, the socket would
     * block, or (blocking sockets) the receive timeout expires. */
    for (int i = 0; i < 16; i++) {
        long r = sys->read(fd, sink, sizeof sink);
        if (r == -EINTR)
            continue;
        if (r <= 0)
            break;
    }
}

void sp_spare_take(const struct sp_sys *sys, struct sp_spare *s)
{
    /* Any descriptor will do; a socket keeps every kernel call on the table. */
    long fd = sys->socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    s->fd = fd >= 0 ? (int)fd : -1;
}

void sp_spare_shed(const struct sp_sys *sys, struct sp_spare *s, int lfd)
{
    if (s->fd < 0) {
        /* No spare to give up (descriptors ran out before we could take one):
         * back off briefly rather than spin on accept. Error path only. */
        struct timespec pause = { .tv_sec = 0, .tv_nsec = 10 * 1000000L };
        nanosleep(&pause, NULL);
        sp_spare_take(sys, s);                  /* maybe descriptors came back */
        return;
    }
    sys->close(s->fd);
    long fd = sys->accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0)
        sys->close((int)fd);                    /* the client sees its connection closed */
    sp_spare_take(sys, s);
}

int sp_accept_retryable(long err)
{
    switch (-err) {
    case EINTR: case EAGAIN: case ECONNABORTED:
    /* accept(2): "Linux accept() passes already-pending network errors on the
     * new socket as an error code from accept()... treat them like EAGAIN" */
    case ENETDOWN: case EPROTO: case ENOPROTOOPT: case EHOSTDOWN: case ENONET:
    case EHOSTUNREACH: case EOPNOTSUPP: case ENETUNREACH:
        return 1;
    default:
        return 0;
    }
}
