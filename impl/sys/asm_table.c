/*
 * asm_table.c — the "asm" backend's table: the NASM routines in asm.asm.
 * Their prototypes match struct sp_sys exactly, so no C glue sits between the
 * indirect call and the `syscall` instruction.
 */
#include "syspath/sys.h"

long sp_asm_socket(int domain, int type, int protocol);
long sp_asm_setsockopt(int fd, int level, int optname, const void *optval, unsigned optlen);
long sp_asm_bind(int fd, const void *addr, unsigned addrlen);
long sp_asm_listen(int fd, int backlog);
long sp_asm_accept4(int fd, void *addr, unsigned *addrlen, int flags);
long sp_asm_read(int fd, void *buf, unsigned long count);
long sp_asm_write(int fd, const void *buf, unsigned long count);
long sp_asm_close(int fd);
long sp_asm_getsockname(int fd, void *addr, unsigned *addrlen);
long sp_asm_shutdown(int fd, int how);
long sp_asm_epoll_create1(int flags);
long sp_asm_epoll_ctl(int epfd, int op, int fd, void *event);
long sp_asm_epoll_wait(int epfd, void *events, int maxevents, int timeout_ms);
long sp_asm_getppid(void);

const struct sp_sys sp_sys_asm = {
    .name = "asm",
    .socket = sp_asm_socket,
    .setsockopt = sp_asm_setsockopt,
    .bind = sp_asm_bind,
    .listen = sp_asm_listen,
    .accept4 = sp_asm_accept4,
    .read = sp_asm_read,
    .write = sp_asm_write,
    .close = sp_asm_close,
    .getsockname = sp_asm_getsockname,
    .shutdown = sp_asm_shutdown,
    .epoll_create1 = sp_asm_epoll_create1,
    .epoll_ctl = sp_asm_epoll_ctl,
    .epoll_wait = sp_asm_epoll_wait,
    .getppid = sp_asm_getppid,
};
