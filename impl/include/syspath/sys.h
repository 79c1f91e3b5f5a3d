/*
 * syspath/sys.h — one syscall path: the operations the server needs, as a table.
 *
 * Every op returns >= 0 on success and -errno on failure, the kernel's own
 * convention. No backend reads or writes errno, so the backends are
 * interchangeable in every test and every model: the server core in
 * impl/server/ is compiled once and calls through this table.
 *
 * Backends (one file each in impl/sys/):
 *   "asm"  — NASM routines, one per op, each issuing `syscall`   (asm.asm)
 *   "raw"  — C inline asm, nolibc-style register constraints     (raw.c)
 *   "libc" — glibc wrappers, errno folded into -errno             (libc.c)
 *
 * Pointer arguments are `void *` so this header needs no system headers:
 * `addr` is a struct sockaddr *, `event`/`events` a struct epoll_event *.
 * Grow the table only when a model needs an op; add it to all three backends
 * and to tests/sys/test_sys_equivalence.c in the same commit.
 */
#ifndef SYSPATH_SYS_H
#define SYSPATH_SYS_H

#ifdef __cplusplus
extern "C" {
#endif

struct sp_sys {
    const char *name;
    long (*socket)(int domain, int type, int protocol);
    long (*setsockopt)(int fd, int level, int optname, const void *optval, unsigned optlen);
    long (*bind)(int fd, const void *addr, unsigned addrlen);
    long (*listen)(int fd, int backlog);
    long (*accept4)(int fd, void *addr, unsigned *addrlen, int flags);
    long (*read)(int fd, void *buf, unsigned long count);
    long (*write)(int fd, const void *buf, unsigned long count);
    long (*close)(int fd);
    /* getsockname: the port actually bound when --port 0 asked the kernel to pick */
    long (*getsockname)(int fd, void *addr, unsigned *addrlen);
    /* shutdown: a clean FIN before close, so clients read the whole error response */
    long (*shutdown)(int fd, int how);
    /* send: a connection's last response with MSG_MORE, so that the FIN of the
     * close right after rides in the same segment (Linux has no send syscall:
     * every backend issues sendto with no address, as glibc's send does) */
    long (*send)(int fd, const void *buf, unsigned long len, int flags);
    /* io_uring_enter: the uring model's one syscall per loop turn (submit and
     * wait); `arg` is a sigset or a struct io_uring_getevents_arg */
    long (*io_uring_enter)(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
                           const void *arg, unsigned long argsz);
    /* the epoll model (and reuseport, which runs it per worker) */
    long (*epoll_create1)(int flags);
    long (*epoll_ctl)(int epfd, int op, int fd, void *event);
    long (*epoll_wait)(int epfd, void *events, int maxevents, int timeout_ms);
    /* getppid: the null syscall, for the microbenchmarks only */
    long (*getppid)(void);
};

/* The table of a backend by name ("asm", "raw", "libc"); NULL if unknown. */
const struct sp_sys *sp_sys_find(const char *name);

/* Every backend, NULL-terminated, in a stable order (asm, raw, libc). */
extern const struct sp_sys *const sp_sys_all[];

/* "asm, raw, libc": for messages such as "unknown backend 'x' (known: ...)". */
const char *sp_sys_names(void);

/* The backends themselves, for code that wants one directly (tests, benchmarks). */
extern const struct sp_sys sp_sys_asm;
extern const struct sp_sys sp_sys_raw;
extern const struct sp_sys sp_sys_libc;

#ifdef __cplusplus
}
#endif
#endif /* SYSPATH_SYS_H */
