/*
 * libc.c — the "libc" syscall path: glibc's wrappers.
 *
 * glibc reports failure as -1 with errno set; the table's convention is the
 * kernel's own -errno. FOLD() converts, so the server core never touches
 * errno and this backend is interchangeable with asm and raw. The cost of
 * this path over raw is exactly what the microbenchmarks measure: the wrapper
 * call, its cancellation-point bookkeeping, and the errno store on failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "syspath/sys.h"

#define FOLD(expr) do { long r_ = (long)(expr); return r_ < 0 ? -(long)errno : r_; } while (0)

static long libc_socket(int domain, int type, int protocol) { FOLD(socket(domain, type, protocol)); }
static long libc_setsockopt(int fd, int level, int optname, const void *optval, unsigned optlen)
{ FOLD(setsockopt(fd, level, optname, optval, optlen)); }
static long libc_bind(int fd, const void *addr, unsigned addrlen) { FOLD(bind(fd, addr, addrlen)); }
static long libc_listen(int fd, int backlog) { FOLD(listen(fd, backlog)); }
static long libc_accept4(int fd, void *addr, unsigned *addrlen, int flags)
{ FOLD(accept4(fd, addr, addrlen, flags)); }
static long libc_read(int fd, void *buf, unsigned long count) { FOLD(read(fd, buf, count)); }
static long libc_write(int fd, const void *buf, unsigned long count) { FOLD(write(fd, buf, count)); }
static long libc_close(int fd) { FOLD(close(fd)); }
static long libc_getsockname(int fd, void *addr, unsigned *addrlen) { FOLD(getsockname(fd, addr, addrlen)); }
static long libc_shutdown(int fd, int how) { FOLD(shutdown(fd, how)); }
/* glibc has no io_uring_enter wrapper: its generic syscall() is what a libc
 * program uses (liburing itself does, when not built with its own asm). */
static long libc_io_uring_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
                                const void *arg, unsigned long argsz)
{ FOLD(syscall(SYS_io_uring_enter, fd, to_submit, min_complete, flags, arg, argsz)); }
static long libc_send(int fd, const void *buf, unsigned long len, int flags)
{ FOLD(send(fd, buf, len, flags)); }
static long libc_epoll_create1(int flags) { FOLD(epoll_create1(flags)); }
static long libc_epoll_ctl(int epfd, int op, int fd, void *event) { FOLD(epoll_ctl(epfd, op, fd, event)); }
static long libc_epoll_wait(int epfd, void *events, int maxevents, int timeout_ms)
{ FOLD(epoll_wait(epfd, events, maxevents, timeout_ms)); }
static long libc_getppid(void) { return getppid(); }   /* cannot fail */

const struct sp_sys sp_sys_libc = {
    .name = "libc",
    .socket = libc_socket,
    .setsockopt = libc_setsockopt,
    .bind = libc_bind,
    .listen = libc_listen,
    .accept4 = libc_accept4,
    .read = libc_read,
    .write = libc_write,
    .close = libc_close,
    .getsockname = libc_getsockname,
    .shutdown = libc_shutdown,
    .send = libc_send,
    .io_uring_enter = libc_io_uring_enter,
    .epoll_create1 = libc_epoll_create1,
    .epoll_ctl = libc_epoll_ctl,
    .epoll_wait = libc_epoll_wait,
    .getppid = libc_getppid,
};
