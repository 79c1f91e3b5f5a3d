/*
 * test_sys_equivalence.c — every syscall path (asm, raw, libc) gives the same
 * result for every op in struct sp_sys, on success and on failure.
 *
 * Each scenario runs once per backend, doing all its syscalls through that
 * backend's table (setup that is not under test, such as a client connect,
 * goes through glibc directly). A scenario returns a comparable value: the
 * -errno the op gave, or a success value it has already checked (bytes
 * moved, a port matched ...). The row passes when every backend returns the
 * expected value — hence the same value as every other backend.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>         /* io_uring_setup's params, io_uring_enter's flags */
#include <linux/tcp.h>              /* struct tcp_info with tcpi_segs_in (glibc's lacks it) */
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "syspath/sys.h"

/* A check inside a scenario that failed: print it and make the scenario
 * return a value no backend can legitimately produce. */
#define BROKEN (-100000L)
#define REQUIRE(cond, ...) do { if (!(cond)) { \
        printf("    %s: ", s->name); printf(__VA_ARGS__); printf("\n"); \
        return BROKEN - __LINE__; } } while (0)

static const char *errname(long r)
{
    static char buf[4][32];
    static int i;
    char *b = buf[i++ % 4];
    if (r >= 0)
        snprintf(b, 32, "%ld", r);
    else if (r > -4096 && strerrorname_np((int)-r))
        snprintf(b, 32, "-%s", strerrorname_np((int)-r));
    else
        snprintf(b, 32, "broken(%ld)", r);
    return b;
}

/* ---- setup helpers (through the backend under test) ---------------------- */

static struct sockaddr_in loopback(unsigned short port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* A listening TCP socket on 127.0.0.1 and a kernel-picked port. */
static long listener(const struct sp_sys *s, int extra_type, unsigned short *port)
{
    long fd = s->socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | extra_type, 0);
    if (fd < 0)
        return fd;
    struct sockaddr_in a = loopback(0);
    long r = s->bind((int)fd, &a, sizeof a);
    if (r == 0)
        r = s->listen((int)fd, 16);
    socklen_t len = sizeof a;
    if (r == 0)
        r = s->getsockname((int)fd, &a, (unsigned *)&len);
    if (r < 0) {
        s->close((int)fd);
        return r;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* A client connected to 127.0.0.1:port, through glibc (not under test). */
static int connect_to(unsigned short port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = loopback(port);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* ---- scenarios ----------------------------------------------------------- */

static long close_badfd(const struct sp_sys *s) { return s->close(-1); }
static long close_unused_fd(const struct sp_sys *s) { return s->close(1000000); }

static long socket_close(const struct sp_sys *s)
{
    long fd = s->socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0, "socket(AF_INET, SOCK_STREAM) = %s", errname(fd));
    int type = -1;
    socklen_t len = sizeof type;
    REQUIRE(getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM,
            "fd %ld is not a stream socket", fd);
    long r = s->close((int)fd);
    REQUIRE(fcntl((int)fd, F_GETFD) == -1, "fd %ld still open after close", fd);
    return r;
}

static long socket_bad_domain(const struct sp_sys *s) { return s->socket(12345, SOCK_STREAM, 0); }
static long socket_bad_type(const struct sp_sys *s) { return s->socket(AF_INET, 999, 0); }
static long socket_bad_proto(const struct sp_sys *s)
{ return s->socket(AF_INET, SOCK_STREAM, IPPROTO_UDP); }

static long socket_flags(const struct sp_sys *s)
{
    long fd = s->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0, "socket = %s", errname(fd));
    int fl = fcntl((int)fd, F_GETFL), fdfl = fcntl((int)fd, F_GETFD);
    s->close((int)fd);
    REQUIRE(fl & O_NONBLOCK, "SOCK_NONBLOCK not applied");
    REQUIRE(fdfl & FD_CLOEXEC, "SOCK_CLOEXEC not applied");
    return 0;
}

static long setsockopt_reuseaddr(const struct sp_sys *s)
{
    long fd = s->socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0, "socket = %s", errname(fd));
    int one = 1, got = 0;
    long r = s->setsockopt((int)fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    socklen_t len = sizeof got;
    getsockopt((int)fd, SOL_SOCKET, SO_REUSEADDR, &got, &len);
    s->close((int)fd);
    REQUIRE(r != 0 || got == 1, "setsockopt returned 0 but SO_REUSEADDR reads %d", got);
    return r;
}

static long setsockopt_badfd(const struct sp_sys *s)
{
    int one = 1;
    return s->setsockopt(-1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
}

static long setsockopt_short_len(const struct sp_sys *s)
{
    long fd = s->socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0, "socket = %s", errname(fd));
    int one = 1;
    long r = s->setsockopt((int)fd, SOL_SOCKET, SO_REUSEADDR, &one, 1);   /* optlen < sizeof(int) */
    s->close((int)fd);
    return r;
}

static long setsockopt_on_pipe(const struct sp_sys *s)
{
    int p[2], one = 1;
    REQUIRE(pipe(p) == 0, "pipe: %s", strerror(errno));
    long r = s->setsockopt(p[0], SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    close(p[0]), close(p[1]);
    return r;
}

static long bind_getsockname(const struct sp_sys *s)
{
    long fd = s->socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0, "socket = %s", errname(fd));
    struct sockaddr_in a = loopback(0), got;
    long r = s->bind((int)fd, &a, sizeof a);
    REQUIRE(r == 0, "bind(127.0.0.1:0) = %s", errname(r));
    memset(&got, 0xa5, sizeof got);
    unsigned len = sizeof got;
    r = s->getsockname((int)fd, &got, &len);
    /* Cross-check the backend's answer against glibc's. */
    struct sockaddr_in ref;
    socklen_t reflen = sizeof ref;
    getsockname((int)fd, (struct sockaddr *)&ref, &reflen);
    s->close((int)fd);
    REQUIRE(r == 0, "getsockname = %s", errname(r));
    REQUIRE(len == sizeof got, "getsockname length %u, expected %zu", len, sizeof got);
    REQUIRE(got.sin_family == AF_INET, "family %d, expected AF_INET", got.sin_family);
    REQUIRE(got.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "address is not 127.0.0.1");
    REQUIRE(got.sin_port != 0, "port 0 after bind to port 0");
    REQUIRE(got.sin_port == ref.sin_port, "port %u, glibc says %u",
            ntohs(got.sin_port), ntohs(ref.sin_port));
    return 0;
}

static long bind_in_use(const struct sp_sys *s)
{
    unsigned short port;
    long lfd = listener(&sp_sys_libc, 0, &port);   /* the port's owner, not under test */
    REQUIRE(lfd >= 0, "listener = %s", errname(lfd));
    long fd = s->socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0, "socket = %s", errname(fd));
    int one = 1;
    /* Even with SO_REUSEADDR a port with a listener on it is taken. */
    s->setsockopt((int)fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = loopback(port);
    long r = s->bind((int)fd, &a, sizeof a);
    s->close((int)fd);
    close((int)lfd);
    return r;
}

static long bind_short_len(const struct sp_sys *s)
{
    long fd = s->socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0, "socket = %s", errname(fd));
    struct sockaddr_in a = loopback(0);
    long r = s->bind((int)fd, &a, 3);
    s->close((int)fd);
    return r;
}

static long bind_badfd(const struct sp_sys *s)
{
    struct sockaddr_in a = loopback(0);
    return s->bind(-1, &a, sizeof a);
}

static long bind_bad_pointer(const struct sp_sys *s)
{
    long fd = s->socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0, "socket = %s", errname(fd));
    long r = s->bind((int)fd, (void *)8, sizeof(struct sockaddr_in));
    s->close((int)fd);
    return r;
}

static long listen_ok(const struct sp_sys *s)
{
    long fd = s->socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0, "socket = %s", errname(fd));
    long r = s->listen((int)fd, 4096);
    int acc = 0;
    socklen_t len = sizeof acc;
    getsockopt((int)fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len);
    s->close((int)fd);
    REQUIRE(r != 0 || acc == 1, "listen returned 0 but SO_ACCEPTCONN is %d", acc);
    return r;
}

static long listen_on_pipe(const struct sp_sys *s)
{
    int p[2];
    REQUIRE(pipe(p) == 0, "pipe: %s", strerror(errno));
    long r = s->listen(p[0], 16);
    close(p[0]), close(p[1]);
    return r;
}

static long accept_on_pipe(const struct sp_sys *s)
{
    int p[2];
    REQUIRE(pipe(p) == 0, "pipe: %s", strerror(errno));
    long r = s->accept4(p[0], NULL, NULL, 0);
    close(p[0]), close(p[1]);
    return r;
}

static long accept_eagain(const struct sp_sys *s)
{
    unsigned short port;
    long lfd = listener(s, SOCK_NONBLOCK, &port);
    REQUIRE(lfd >= 0, "listener = %s", errname(lfd));
    long r = s->accept4((int)lfd, NULL, NULL, 0);
    s->close((int)lfd);
    return r;
}

static long accept_bad_flags(const struct sp_sys *s)
{
    unsigned short port;
    long lfd = listener(s, SOCK_NONBLOCK, &port);
    REQUIRE(lfd >= 0, "listener = %s", errname(lfd));
    long r = s->accept4((int)lfd, NULL, NULL, 0x1);  /* not SOCK_NONBLOCK/SOCK_CLOEXEC */
    s->close((int)lfd);
    return r;
}

static long accept_not_listening(const struct sp_sys *s)
{
    long fd = s->socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0, "socket = %s", errname(fd));
    long r = s->accept4((int)fd, NULL, NULL, 0);
    s->close((int)fd);
    return r;
}

/* The whole server path: accept a queued connection (peer address, flags),
 * read what the client sent, write a reply it reads back. Returns the bytes
 * the reply moved. */
static long accept_read_write(const struct sp_sys *s)
{
    unsigned short port;
    long lfd = listener(s, 0, &port);
    REQUIRE(lfd >= 0, "listener = %s", errname(lfd));
    int cfd = connect_to(port);
    REQUIRE(cfd >= 0, "connect to 127.0.0.1:%u: %s", port, strerror(errno));
    struct timeval tv = { .tv_sec = 10 };
    setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in local, peer;
    socklen_t llen = sizeof local;
    getsockname(cfd, (struct sockaddr *)&local, &llen);

    memset(&peer, 0, sizeof peer);
    unsigned plen = sizeof peer;
    long afd = s->accept4((int)lfd, &peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    REQUIRE(afd >= 0, "accept4 = %s", errname(afd));
    REQUIRE(plen == sizeof peer, "peer length %u, expected %zu", plen, sizeof peer);
    REQUIRE(peer.sin_port == local.sin_port && peer.sin_addr.s_addr == local.sin_addr.s_addr,
            "peer address is not the client's");
    REQUIRE(fcntl((int)afd, F_GETFL) & O_NONBLOCK, "accept4 ignored SOCK_NONBLOCK");
    REQUIRE(fcntl((int)afd, F_GETFD) & FD_CLOEXEC, "accept4 ignored SOCK_CLOEXEC");

    static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    REQUIRE(write(cfd, req, sizeof req - 1) == (long)sizeof req - 1, "client write");
    setsockopt((int)afd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    fcntl((int)afd, F_SETFL, 0);                  /* blocking, bounded by SO_RCVTIMEO */
    char buf[256];
    long n = s->read((int)afd, buf, sizeof buf);
    REQUIRE(n == (long)sizeof req - 1 && memcmp(buf, req, (size_t)n) == 0,
            "server read %s bytes, expected the %zu-byte request", errname(n), sizeof req - 1);

    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    long w = s->write((int)afd, resp, sizeof resp - 1);
    REQUIRE(w == (long)sizeof resp - 1, "server write = %s", errname(w));
    long r = read(cfd, buf, sizeof buf);
    REQUIRE(r == w && memcmp(buf, resp, (size_t)r) == 0, "client read %ld bytes", r);

    /* A connected socket shuts down cleanly: the client sees EOF. */
    long sh = s->shutdown((int)afd, SHUT_WR);
    REQUIRE(sh == 0, "shutdown(SHUT_WR) = %s", errname(sh));
    REQUIRE(read(cfd, buf, sizeof buf) == 0, "client did not see EOF after shutdown");
    close(cfd);
    REQUIRE(s->close((int)afd) == 0, "close(accepted)");
    REQUIRE(s->close((int)lfd) == 0, "close(listener)");
    return w;
}

/* send with MSG_MORE, then close: the data is held back (corked) until the
 * close, which sends it and the FIN in one segment. The client sees the data
 * only after the close, then EOF, and took in exactly two segments from the
 * server: the SYN-ACK and data+FIN. Returns the bytes the client read. */
static long send_more_close(const struct sp_sys *s)
{
    unsigned short port;
    long lfd = listener(s, 0, &port);
    REQUIRE(lfd >= 0, "listener = %s", errname(lfd));
    int cfd = connect_to(port);
    REQUIRE(cfd >= 0, "connect to 127.0.0.1:%u: %s", port, strerror(errno));
    struct timeval tv = { .tv_sec = 10 };
    setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    long afd = s->accept4((int)lfd, NULL, NULL, SOCK_CLOEXEC);
    REQUIRE(afd >= 0, "accept4 = %s", errname(afd));

    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    long w = s->send((int)afd, resp, sizeof resp - 1, MSG_MORE | MSG_NOSIGNAL);
    REQUIRE(w == (long)sizeof resp - 1, "send(MSG_MORE) = %s", errname(w));
    struct pollfd pfd = { .fd = cfd, .events = POLLIN };
    REQUIRE(poll(&pfd, 1, 0) == 0, "the client could read before the close: MSG_MORE did not cork");
    REQUIRE(s->close((int)afd) == 0, "close(accepted)");
    char buf[256];
    long r = read(cfd, buf, sizeof buf);
    REQUIRE(r == w && memcmp(buf, resp, (size_t)r) == 0, "client read %ld bytes, expected %ld", r, w);
    REQUIRE(read(cfd, buf, sizeof buf) == 0, "client did not see EOF after the data");
    struct tcp_info ti;
    socklen_t tlen = sizeof ti;
    memset(&ti, 0, sizeof ti);
    REQUIRE(getsockopt(cfd, IPPROTO_TCP, TCP_INFO, &ti, &tlen) == 0, "TCP_INFO: %s", strerror(errno));
    if (tlen >= offsetof(struct tcp_info, tcpi_segs_in) + sizeof ti.tcpi_segs_in)   /* else: kernel < 4.2 */
        REQUIRE(ti.tcpi_segs_in == 2, "client took in %u segments, expected 2 (SYN-ACK, data+FIN)",
                ti.tcpi_segs_in);
    close(cfd);
    REQUIRE(s->close((int)lfd) == 0, "close(listener)");
    return r;
}

static long send_badfd(const struct sp_sys *s) { return s->send(-1, "x", 1, MSG_NOSIGNAL); }

static long send_on_pipe(const struct sp_sys *s)
{
    int p[2];
    REQUIRE(pipe(p) == 0, "pipe: %s", strerror(errno));
    long r = s->send(p[1], "x", 1, MSG_NOSIGNAL);
    close(p[0]), close(p[1]);
    return r;
}

static long send_unconnected(const struct sp_sys *s)
{
    long fd = s->socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0, "socket = %s", errname(fd));
    long r = s->send((int)fd, "x", 1, MSG_NOSIGNAL);
    s->close((int)fd);
    return r;
}

/* A small ring made without the table (glibc has no io_uring_setup wrapper).
 * Where io_uring is unavailable (disabled, seccomp) the ring scenarios say so
 * and return what they would have: io_uring_enter itself is then not tested. */
static int ring_fd(unsigned *features)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    long fd = syscall(SYS_io_uring_setup, 4, &p);
    if (fd < 0)
        printf("note: io_uring_setup: %s: the io_uring_enter ring scenarios are not run\n",
               strerror(errno));
    *features = p.features;
    return (int)fd;
}

static long uring_enter_nothing(const struct sp_sys *s)
{
    unsigned features;
    int fd = ring_fd(&features);
    if (fd < 0)
        return 0;
    long r = s->io_uring_enter(fd, 0, 0, 0, NULL, 0);
    close(fd);
    return r;
}

/* A wait for one completion that never comes, with a 1 ms timeout passed in
 * the 5th and 6th arguments (r8, r9): -ETIME. */
static long uring_enter_wait_timeout(const struct sp_sys *s)
{
    unsigned features;
    int fd = ring_fd(&features);
    if (fd < 0)
        return -ETIME;
    if (!(features & IORING_FEAT_EXT_ARG)) {
        printf("note: no IORING_FEAT_EXT_ARG (Linux < 5.11): the timed wait is not run\n");
        close(fd);
        return -ETIME;
    }
    struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 1000000 };
    struct io_uring_getevents_arg arg = { .sigmask = 0, .sigmask_sz = 8, .ts = (unsigned long)&ts };
    long r = s->io_uring_enter(fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof arg);
    close(fd);
    return r;
}

static long uring_enter_bad_flags(const struct sp_sys *s)
{
    unsigned features;
    int fd = ring_fd(&features);
    if (fd < 0)
        return -EINVAL;
    long r = s->io_uring_enter(fd, 0, 0, 1u << 31, NULL, 0);
    close(fd);
    return r;
}

static long uring_enter_badfd(const struct sp_sys *s) { return s->io_uring_enter(-1, 0, 0, 0, NULL, 0); }

static long uring_enter_on_pipe(const struct sp_sys *s)
{
    int p[2];
    REQUIRE(pipe(p) == 0, "pipe: %s", strerror(errno));
    long r = s->io_uring_enter(p[0], 0, 0, 0, NULL, 0);
    close(p[0]), close(p[1]);
    return r;
}

static long pipe_read_write(const struct sp_sys *s)
{
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
    unsigned char out[4096], in[4096 + 1];
    for (size_t i = 0; i < sizeof out; i++)
        out[i] = (unsigned char)(i * 7 + 3);
    long w = s->write(p[1], out, sizeof out);
    long r = s->read(p[0], in, sizeof in);
    close(p[0]), close(p[1]);
    REQUIRE(w == (long)sizeof out, "write = %s", errname(w));
    REQUIRE(r == w && memcmp(in, out, sizeof out) == 0, "read %s, expected the same %ld bytes",
            errname(r), w);
    return r;
}

static long read_zero_count(const struct sp_sys *s)
{
    int p[2];
    REQUIRE(pipe(p) == 0, "pipe: %s", strerror(errno));
    char c;
    long r = s->read(p[0], &c, 0);
    close(p[0]), close(p[1]);
    return r;
}

static long read_eof(const struct sp_sys *s)
{
    int p[2];
    REQUIRE(pipe(p) == 0, "pipe: %s", strerror(errno));
    close(p[1]);
    char c;
    long r = s->read(p[0], &c, 1);
    close(p[0]);
    return r;
}

static long read_eagain(const struct sp_sys *s)
{
    int p[2];
    REQUIRE(pipe2(p, O_NONBLOCK) == 0, "pipe: %s", strerror(errno));
    char c;
    long r = s->read(p[0], &c, 1);
    close(p[0]), close(p[1]);
    return r;
}

static long read_badfd(const struct sp_sys *s) { char c; return s->read(-1, &c, 1); }
static long write_badfd(const struct sp_sys *s) { return s->write(-1, "x", 1); }

static long write_bad_pointer(const struct sp_sys *s)
{
    int p[2];
    REQUIRE(pipe(p) == 0, "pipe: %s", strerror(errno));
    long r = s->write(p[1], (const void *)8, 16);
    close(p[0]), close(p[1]);
    return r;
}

static long write_closed_pipe(const struct sp_sys *s)   /* SIGPIPE is ignored in main */
{
    int p[2];
    REQUIRE(pipe(p) == 0, "pipe: %s", strerror(errno));
    close(p[0]);
    long r = s->write(p[1], "x", 1);
    close(p[1]);
    return r;
}

static long write_readonly_end(const struct sp_sys *s)
{
    int p[2];
    REQUIRE(pipe(p) == 0, "pipe: %s", strerror(errno));
    long r = s->write(p[0], "x", 1);
    close(p[0]), close(p[1]);
    return r;
}

static long getsockname_on_pipe(const struct sp_sys *s)
{
    int p[2];
    REQUIRE(pipe(p) == 0, "pipe: %s", strerror(errno));
    struct sockaddr_in a;
    unsigned len = sizeof a;
    long r = s->getsockname(p[0], &a, &len);
    close(p[0]), close(p[1]);
    return r;
}

static long shutdown_unconnected(const struct sp_sys *s)
{
    long fd = s->socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0, "socket = %s", errname(fd));
    long r = s->shutdown((int)fd, SHUT_RDWR);
    s->close((int)fd);
    return r;
}

static long shutdown_bad_how(const struct sp_sys *s)
{
    long fd = s->socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0, "socket = %s", errname(fd));
    long r = s->shutdown((int)fd, 99);
    s->close((int)fd);
    return r;
}

static long shutdown_on_pipe(const struct sp_sys *s)
{
    int p[2];
    REQUIRE(pipe(p) == 0, "pipe: %s", strerror(errno));
    long r = s->shutdown(p[0], SHUT_RDWR);
    close(p[0]), close(p[1]);
    return r;
}

static long epoll_bad_flags(const struct sp_sys *s) { return s->epoll_create1(0x1); }

/* epoll_ctl add/del and epoll_wait seeing a ready pipe: returns the number of
 * events the wait reported (1) after checking every step on the way. */
static long epoll_pipe(const struct sp_sys *s)
{
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
    long ep = s->epoll_create1(EPOLL_CLOEXEC);
    REQUIRE(ep >= 0, "epoll_create1(EPOLL_CLOEXEC) = %s", errname(ep));
    REQUIRE(fcntl((int)ep, F_GETFD) & FD_CLOEXEC, "EPOLL_CLOEXEC not applied");

    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1122334455667788ull };
    long r = s->epoll_ctl((int)ep, EPOLL_CTL_ADD, p[0], &ev);
    REQUIRE(r == 0, "epoll_ctl(ADD) = %s", errname(r));
    r = s->epoll_ctl((int)ep, EPOLL_CTL_ADD, p[0], &ev);
    REQUIRE(r == -EEXIST, "second epoll_ctl(ADD) = %s, expected -EEXIST", errname(r));

    struct epoll_event got[4];
    memset(got, 0, sizeof got);
    r = s->epoll_wait((int)ep, got, 4, 0);
    REQUIRE(r == 0, "epoll_wait on an empty pipe = %s, expected 0", errname(r));
    REQUIRE(write(p[1], "!", 1) == 1, "pipe write");
    long n = s->epoll_wait((int)ep, got, 4, 5000);
    REQUIRE(n == 1, "epoll_wait on a ready pipe = %s, expected 1", errname(n));
    REQUIRE(got[0].events & EPOLLIN, "events 0x%x lack EPOLLIN", got[0].events);
    REQUIRE(got[0].data.u64 == 0x1122334455667788ull, "data 0x%llx is not what was added",
            (unsigned long long)got[0].data.u64);

    r = s->epoll_ctl((int)ep, EPOLL_CTL_DEL, p[0], NULL);
    REQUIRE(r == 0, "epoll_ctl(DEL) = %s", errname(r));
    r = s->epoll_wait((int)ep, got, 4, 0);
    REQUIRE(r == 0, "epoll_wait after DEL = %s, expected 0 (data still pending)", errname(r));
    r = s->epoll_ctl((int)ep, EPOLL_CTL_DEL, p[0], NULL);
    REQUIRE(r == -ENOENT, "second epoll_ctl(DEL) = %s, expected -ENOENT", errname(r));
    REQUIRE(s->close((int)ep) == 0, "close(epoll fd)");
    close(p[0]), close(p[1]);
    return n;
}

static long epoll_wait_bad_max(const struct sp_sys *s)
{
    long ep = s->epoll_create1(0);
    REQUIRE(ep >= 0, "epoll_create1 = %s", errname(ep));
    struct epoll_event got;
    long r = s->epoll_wait((int)ep, &got, 0, 0);
    s->close((int)ep);
    return r;
}

static long epoll_ctl_not_epoll(const struct sp_sys *s)
{
    int p[2];
    REQUIRE(pipe(p) == 0, "pipe: %s", strerror(errno));
    struct epoll_event ev = { .events = EPOLLIN };
    long r = s->epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev);
    close(p[0]), close(p[1]);
    return r;
}

static long epoll_wait_badfd(const struct sp_sys *s)
{
    struct epoll_event got;
    return s->epoll_wait(-1, &got, 1, 0);
}

static long getppid_matches(const struct sp_sys *s)
{
    long r = s->getppid();
    REQUIRE(r == getppid(), "getppid = %ld, glibc says %d", r, getppid());
    return 0;
}

/* ---- the table ----------------------------------------------------------- */

#define ANY_SUCCESS 0       /* scenarios returning 0 after checking success themselves */

static const struct scenario {
    const char *name;
    long (*run)(const struct sp_sys *);
    long expect;
} scenarios[] = {
    { "close(-1)",                          close_badfd,          -EBADF },
    { "close(unused fd)",                   close_unused_fd,      -EBADF },
    { "socket + close",                     socket_close,         0 },
    { "socket(bad domain)",                 socket_bad_domain,    -EAFNOSUPPORT },
    { "socket(AF_INET, bad type)",          socket_bad_type,      -EINVAL },
    { "socket(SOCK_STREAM, IPPROTO_UDP)",   socket_bad_proto,     -EPROTONOSUPPORT },
    { "socket(NONBLOCK|CLOEXEC) flags",     socket_flags,         ANY_SUCCESS },
    { "setsockopt(SO_REUSEADDR)",           setsockopt_reuseaddr, 0 },
    { "setsockopt(-1)",                     setsockopt_badfd,     -EBADF },
    { "setsockopt(optlen 1)",               setsockopt_short_len, -EINVAL },
    { "setsockopt(pipe)",                   setsockopt_on_pipe,   -ENOTSOCK },
    { "bind 127.0.0.1:0 + getsockname",     bind_getsockname,     ANY_SUCCESS },
    { "bind(port in use)",                  bind_in_use,          -EADDRINUSE },
    { "bind(addrlen 3)",                    bind_short_len,       -EINVAL },
    { "bind(-1)",                           bind_badfd,           -EBADF },
    { "bind(bad pointer)",                  bind_bad_pointer,     -EFAULT },
    { "listen(backlog 4096)",               listen_ok,            0 },
    { "listen(pipe)",                       listen_on_pipe,       -ENOTSOCK },
    { "accept4(pipe)",                      accept_on_pipe,       -ENOTSOCK },
    { "accept4(nonblocking, none queued)",  accept_eagain,        -EAGAIN },
    { "accept4(bad flags)",                 accept_bad_flags,     -EINVAL },
    { "accept4(not listening)",             accept_not_listening, -EINVAL },
    { "accept4 + read + write + shutdown",  accept_read_write,    38 },
    { "write + read 4 KiB through a pipe",  pipe_read_write,      4096 },
    { "send(MSG_MORE) + close: data+FIN",   send_more_close,      38 },
    { "send(-1)",                           send_badfd,           -EBADF },
    { "send(pipe)",                         send_on_pipe,         -ENOTSOCK },
    { "send(unconnected)",                  send_unconnected,     -EPIPE },
    { "io_uring_enter(ring, nothing to do)", uring_enter_nothing, 0 },
    { "io_uring_enter(wait 1, 1 ms timeout)", uring_enter_wait_timeout, -ETIME },
    { "io_uring_enter(bad flags)",          uring_enter_bad_flags, -EINVAL },
    { "io_uring_enter(-1)",                 uring_enter_badfd,    -EBADF },
    { "io_uring_enter(pipe)",               uring_enter_on_pipe,  -EOPNOTSUPP },
    { "read(count 0)",                      read_zero_count,      0 },
    { "read(EOF)",                          read_eof,             0 },
    { "read(empty nonblocking pipe)",       read_eagain,          -EAGAIN },
    { "read(-1)",                           read_badfd,           -EBADF },
    { "write(-1)",                          write_badfd,          -EBADF },
    { "write(bad pointer)",                 write_bad_pointer,    -EFAULT },
    { "write(pipe, reader gone)",           write_closed_pipe,    -EPIPE },
    { "write(read end of a pipe)",          write_readonly_end,   -EBADF },
    { "getsockname(pipe)",                  getsockname_on_pipe,  -ENOTSOCK },
    { "shutdown(unconnected)",              shutdown_unconnected, -ENOTCONN },
    { "shutdown(bad how)",                  shutdown_bad_how,     -EINVAL },
    { "shutdown(pipe)",                     shutdown_on_pipe,     -ENOTSOCK },
    { "epoll_create1(bad flags)",           epoll_bad_flags,      -EINVAL },
    { "epoll ctl add/del + wait on a pipe", epoll_pipe,           1 },
    { "epoll_wait(maxevents 0)",            epoll_wait_bad_max,   -EINVAL },
    { "epoll_ctl(not an epoll fd)",         epoll_ctl_not_epoll,  -EINVAL },
    { "epoll_wait(-1)",                     epoll_wait_badfd,     -EBADF },
    { "getppid",                            getppid_matches,      0 },
};

static void check_registry(void)
{
    int n = 0;
    for (const struct sp_sys *const *s = sp_sys_all; *s; s++, n++) {
        const struct sp_sys *t = *s;
        if (sp_sys_find(t->name) != t)
            FAIL("sp_sys_find(\"%s\") does not return that backend", t->name);
        /* Every op present: a NULL slot would crash a model, not fail a test. */
        void (*const *ops)(void) = (void (*const *)(void))&t->socket;
        size_t nops = (sizeof *t - offsetof(struct sp_sys, socket)) / sizeof *ops;
        for (size_t i = 0; i < nops; i++)
            if (!ops[i])
                FAIL("backend %s has no op in slot %zu", t->name, i);
    }
    if (n != 3)
        FAIL("sp_sys_all has %d backends, expected 3 (asm, raw, libc)", n);
    if (sp_sys_find("nope") != NULL || sp_sys_find("") != NULL || sp_sys_find(NULL) != NULL)
        FAIL("sp_sys_find of an unknown name is not NULL");
    if (strcmp(sp_sys_names(), "asm, raw, libc") != 0)
        FAIL("sp_sys_names() = \"%s\", expected \"asm, raw, libc\"", sp_sys_names());
    if (sp_sys_find("asm") != &sp_sys_asm || sp_sys_find("raw") != &sp_sys_raw ||
        sp_sys_find("libc") != &sp_sys_libc)
        FAIL("sp_sys_find does not map the names to their tables");
    printf("%s registry: find, names, every op present\n", failures ? "FAIL" : "ok  ");
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);   /* write_closed_pipe wants -EPIPE, not death */
    alarm(60);                  /* never hang ctest, whatever a backend does */

    check_registry();
    for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++) {
        const struct scenario *sc = &scenarios[i];
        char row[256];
        int len = snprintf(row, sizeof row, "%-38s", sc->name);
        int bad = 0;
        for (const struct sp_sys *const *s = sp_sys_all; *s; s++) {
            long r = sc->run(*s);
            bad |= r != sc->expect;
            len += snprintf(row + len, sizeof row - (size_t)len, " %s=%s", (*s)->name, errname(r));
        }
        printf("%s %s%s%s\n", bad ? "FAIL" : "ok  ", row, bad ? "  expected " : "",
               bad ? errname(sc->expect) : "");
        failures += bad;
    }
    if (failures)
        printf("%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
