/*
 * raw.c — the "raw" syscall path: C inline asm, no libc in between.
 *
 * The register-constraint pattern (nolibc's) is explained once in
 * raw_syscall.h; this file only fills the table with it.
 */
#include "raw_syscall.h"
#include "syspath/sys.h"

/* Sign-extend int arguments: the kernel reads 64-bit registers, and a -1 fd
 * must arrive as -1, not 0x00000000ffffffff (which it would still reject as
 * EBADF, but the point of this file is to pass exactly what libc passes). */
static long raw_socket(int domain, int type, int protocol)
{ return sys3(SYS_socket, domain, type, protocol); }
static long raw_setsockopt(int fd, int level, int optname, const void *optval, unsigned optlen)
{ return sys5(SYS_setsockopt, fd, level, optname, (long)optval, optlen); }
static long raw_bind(int fd, const void *addr, unsigned addrlen)
{ return sys3(SYS_bind, fd, (long)addr, addrlen); }
static long raw_listen(int fd, int backlog) { return sys2(SYS_listen, fd, backlog); }
static long raw_accept4(int fd, void *addr, unsigned *addrlen, int flags)
{ return sys4(SYS_accept4, fd, (long)addr, (long)addrlen, flags); }
static long raw_read(int fd, void *buf, unsigned long count)
{ return sys3(SYS_read, fd, (long)buf, (long)count); }
static long raw_write(int fd, const void *buf, unsigned long count)
{ return sys3(SYS_write, fd, (long)buf, (long)count); }
static long raw_close(int fd) { return sys1(SYS_close, fd); }
static long raw_getsockname(int fd, void *addr, unsigned *addrlen)
{ return sys3(SYS_getsockname, fd, (long)addr, (long)addrlen); }
static long raw_shutdown(int fd, int how) { return sys2(SYS_shutdown, fd, how); }
static long raw_send(int fd, const void *buf, unsigned long len, int flags)
{ return sys6(SYS_sendto, fd, (long)buf, (long)len, flags, 0, 0); }
static long raw_io_uring_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
                               const void *arg, unsigned long argsz)
{ return sys6(SYS_io_uring_enter, fd, to_submit, min_complete, flags, (long)arg, (long)argsz); }
static long raw_epoll_create1(int flags) { return sys1(SYS_epoll_create1, flags); }
static long raw_epoll_ctl(int epfd, int op, int fd, void *event)
{ return sys4(SYS_epoll_ctl, epfd, op, fd, (long)event); }
static long raw_epoll_wait(int epfd, void *events, int maxevents, int timeout_ms)
{ return sys4(SYS_epoll_wait, epfd, (long)events, maxevents, timeout_ms); }
static long raw_getppid(void) { return sys0(SYS_getppid); }

const struct sp_sys sp_sys_raw = {
    .name = "raw",
    .socket = raw_socket,
    .setsockopt = raw_setsockopt,
    .bind = raw_bind,
    .listen = raw_listen,
    .accept4 = raw_accept4,
    .read = raw_read,
    .write = raw_write,
    .close = raw_close,
    .getsockname = raw_getsockname,
    .shutdown = raw_shutdown,
    .send = raw_send,
    .io_uring_enter = raw_io_uring_enter,
    .epoll_create1 = raw_epoll_create1,
    .epoll_ctl = raw_epoll_ctl,
    .epoll_wait = raw_epoll_wait,
    .getppid = raw_getppid,
};
