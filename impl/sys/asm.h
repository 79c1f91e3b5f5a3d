/*
 * asm.h — the NASM routines of asm.asm, with C prototypes that match struct
 * sp_sys exactly (so the table needs no glue). For asm_table.c and for tests
 * that call a routine directly (tests/sys/test_sys_abi.c).
 */
#ifndef SYSPATH_SYS_ASM_H
#define SYSPATH_SYS_ASM_H

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
long sp_asm_send(int fd, const void *buf, unsigned long len, int flags);
long sp_asm_io_uring_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
                           const void *arg, unsigned long argsz);
long sp_asm_epoll_create1(int flags);
long sp_asm_epoll_ctl(int epfd, int op, int fd, void *event);
long sp_asm_epoll_wait(int epfd, void *events, int maxevents, int timeout_ms);
long sp_asm_getppid(void);

#endif /* SYSPATH_SYS_ASM_H */
