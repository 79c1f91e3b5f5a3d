/*
 * syspath/server.h — the server core: configuration, listener, I/O models.
 *
 * The core is written once against struct sp_sys (sys.h): every model calls
 * the kernel only through the table it is given, so the same model runs over
 * the asm, raw and libc paths. io_uring is a model, not a table row: it
 * replaces the data-path syscalls with ring submissions.
 *
 * Everything here returns >= 0 or -errno; only main.c turns errors into
 * messages and exit codes.
 */
#ifndef SYSPATH_SERVER_H
#define SYSPATH_SERVER_H

#include <signal.h>
#include "syspath/sys.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sp_config {
    const char *model;        /* "iterative", "epoll", "uring", "reuseport" */
    const char *addr;         /* numeric IPv4 or IPv6 literal; default "127.0.0.1" */
    int port;                 /* 0: the kernel picks a free port */
    int backlog;              /* listen(2) backlog; default 4096 */
    long max_conns;           /* serve this many connections, then return; 0 = no limit */
    int header_timeout_ms;    /* a request head must arrive within this; default 5000 */
    int idle_timeout_ms;      /* idle keep-alive connections close after this; default 30000 */
    int workers;              /* reuseport: worker processes; 0 = number of CPUs */
    int defer_accept_s;       /* TCP_DEFER_ACCEPT seconds; 0 = off; -1 = the model's default */
    int quickack;             /* TCP_QUICKACK on the listener: 0 = delayed ACKs from the first
                               * segment, 1 = the kernel's quick ACKs; -1 = the model's default */
    int gather_us;            /* uring: once a completion is in, wait up to this many
                               * microseconds for more (impl/server/uring.h); 0 = off;
                               * -1 = the model's default */
};

#define SP_CONFIG_DEFAULTS { .model = "epoll", .addr = "127.0.0.1", .port = 8080, \
    .backlog = 4096, .max_conns = 0, .header_timeout_ms = 5000, \
    .idle_timeout_ms = 30000, .workers = 0, .defer_accept_s = -1, .quickack = -1, \
    .gather_us = -1 }

struct sp_stats {
    long connections;         /* accepted and served (closed) */
    long requests;            /* requests answered 200 */
    long bad_requests;        /* requests answered 4xx/5xx */
    long timeouts;            /* connections closed by the header or idle timeout */
    long accept_errors;       /* accept failures other than EAGAIN/EINTR/ECONNABORTED (EMFILE ...) */
    int gather_us;            /* uring: the gather wait in force (0: off, or the kernel has no
                               * min wait); a setting the model reports, not a count */
};

struct sp_listener {
    int fd;                   /* listening socket */
    int port;                 /* the port actually bound (resolves --port 0) */
    int family;               /* AF_INET or AF_INET6 */
};

/* Create, bind and listen a TCP socket per cfg (SO_REUSEADDR set; with
 * reuseport also SO_REUSEPORT). -EADDRINUSE: port taken; -EADDRNOTAVAIL: the
 * address is not local; -EINVAL: cfg->addr is not a numeric address. */
long sp_listen(const struct sp_sys *sys, const struct sp_config *cfg, struct sp_listener *out);

/* cfg->addr and port as a socket address: *len set to its size. -EINVAL when
 * addr is not a numeric IPv4/IPv6 address. (inet_pton is pure parsing: no
 * kernel call bypasses the syscall path.) */
struct sockaddr_storage;
long sp_parse_addr(const char *addr, int port, struct sockaddr_storage *out, unsigned *len);

/* The TCP_DEFER_ACCEPT seconds sp_listen applies for cfg (its model's default
 * unless cfg->defer_accept_s says otherwise); 0 = off. */
int sp_defer_accept_s(const struct sp_config *cfg);

/* The TCP_QUICKACK value sp_listen leaves on the listener for cfg (its
 * model's default unless cfg->quickack says otherwise): 0 or 1. */
int sp_quickack(const struct sp_config *cfg);

/* Serve on an open listener with cfg->model until max_conns is reached or
 * sp_stop_requested is set. Stats are added to *stats. -ENOENT: unknown model;
 * -ENOSYS: the model is unavailable here (io_uring disabled). */
long sp_serve(const struct sp_sys *sys, const struct sp_config *cfg,
              const struct sp_listener *listener, struct sp_stats *stats);

/* What a model needs from its listening socket (struct sp_model.listen_flags). */
#define SP_LISTEN_NONBLOCK  1u    /* accept4 must return -EAGAIN, not block */
#define SP_LISTEN_REUSEPORT 2u    /* SO_REUSEPORT: several listeners share the port */
/* TCP_DEFER_ACCEPT by default: the kernel hands a connection to accept only
 * once its first bytes have arrived, so the read right after accept finds the
 * request instead of -EAGAIN, and a Connection: close exchange needs no
 * epoll_ctl/epoll_wait at all. Measured on the epoll model: about half the
 * server CPU per connection. (nginx offers the same as `listen ... deferred`.) */
#define SP_LISTEN_DEFER     4u
/* SO_RCVTIMEO/SO_SNDTIMEO of SP_STOP_POLL_MS, set before listen(): a socket
 * accepted later inherits them, so its blocking reads and writes wake on the
 * tick (iterative). Before listen(), because Linux copies them into a
 * connection when its handshake completes, not when it is accepted. */
#define SP_LISTEN_TICK      8u
/* TCP_QUICKACK 0 on the listener by default (Linux copies the setting into
 * each connection it accepts): the connection starts in the kernel's
 * "ping-pong" mode, so the request's ACK waits for the response and rides on
 * it, where a new connection would otherwise ACK its first segments at once.
 * A server that answers within the delayed-ACK time (40 ms at least) never
 * needs that bare ACK; a Connection: close exchange sends one segment fewer
 * (4 -> 3 from the server, measured by /proc/net/snmp OutSegs), and the
 * client receives one fewer. nginx has no such setting. */
#define SP_LISTEN_DELACK   16u

/* An I/O model: one file in impl/server/, one row in the table (models.c). */
struct sp_model {
    const char *name;
    const char *summary;      /* one line, for --list */
    unsigned listen_flags;    /* SP_LISTEN_* */
    /* 0 when the model can run on this machine; else -errno (uring: -ENOSYS)
     * with a one-line reason written to why[0..n). NULL: always available. */
    long (*available)(char *why, unsigned long n);
    long (*run)(const struct sp_sys *sys, const struct sp_config *cfg,
                const struct sp_listener *listener, struct sp_stats *stats);
};

const struct sp_model *sp_model_find(const char *name);   /* NULL if unknown */
extern const struct sp_model *const sp_model_all[];       /* NULL-terminated */
const char *sp_model_names(void);                         /* "iterative, epoll, ..." */

/* Set by the CLI's SIGINT/SIGTERM handler; every model polls it at least once
 * a second (its blocking waits time out at SP_STOP_POLL_MS). */
extern volatile sig_atomic_t sp_stop_requested;
#define SP_STOP_POLL_MS 200

#ifdef __cplusplus
}
#endif
#endif /* SYSPATH_SERVER_H */
