/*
 * test_sys_abi.c — every routine in impl/sys/asm.asm keeps the SysV ABI
 * (rbx, rbp, r12-r15, rsp, DF, MXCSR, x87 control word), on its success path
 * and on its error path, checked by sp_abi_check (tests/abi/abi.h).
 *
 * It also checks what a C caller relies on for `int` arguments: C leaves the
 * upper 32 bits of an int's register undefined. The harness loads full 64-bit
 * registers, so calls below pass garbage in the upper half (HI) and expect
 * exactly the result of the clean call. (The routines extend with movsxd and
 * Linux's syscall entry also truncates int parameters, so this checks the
 * combination, not the movsxd alone.)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "abi.h"
#include "check.h"

#include "asm.h"     /* impl/sys: the routines' prototypes */

/* Garbage for the upper half of a 32-bit argument's register. */
#define HI(x) ((long)(0xdeadbeef00000000ul | (unsigned)(x)))

static int calls;

/* Call fn through the harness, fail on any ABI break or an unexpected result. */
static long abi(const char *what, const void *fn, long expect_or_any, int any,
                long a0, long a1, long a2, long a3, long a4, long a5)
{
    struct sp_abi_call c = { .fn = fn, .args = { a0, a1, a2, a3, a4, a5 } };
    calls++;
    if (sp_abi_check(&c) != 0)
        FAIL("%s: ABI broken: %s", what, c.why);
    else if (!any && c.ret != expect_or_any)
        FAIL("%s: returned %ld (%s), expected %ld", what, c.ret,
             c.ret < 0 ? strerror((int)-c.ret) : "ok", expect_or_any);
    else
        printf("ok:   %-60s -> %ld\n", what, c.ret);
    return c.ret;
}

#define EXPECT(what, fn, expect, ...) abi(what, (const void *)(fn), expect, 0, __VA_ARGS__)
#define ANY(what, fn, ...)            abi(what, (const void *)(fn), 0, 1, __VA_ARGS__)
#define L(p) ((long)(p))

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    alarm(60);

    /* getppid: no arguments, cannot fail. */
    EXPECT("getppid", sp_asm_getppid, getppid(), 0, 0, 0, 0, 0, 0);

    /* close: error path, and the sign extension of fd. */
    EXPECT("close(-1)", sp_asm_close, -EBADF, -1, 0, 0, 0, 0, 0);
    EXPECT("close(-1 with garbage upper half)", sp_asm_close, -EBADF, HI(-1), 0, 0, 0, 0, 0);

    /* socket: success, errors, and garbage above each int. */
    long fd = ANY("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)", sp_asm_socket,
                  HI(AF_INET), HI(SOCK_STREAM | SOCK_NONBLOCK), HI(0), 0, 0, 0);
    if (fd < 0) {
        printf("FAIL: socket with garbage upper halves = %ld: the int arguments are not "
               "extended\n", fd);
        return 1;
    }
    EXPECT("socket(bad domain)", sp_asm_socket, -EAFNOSUPPORT, 12345, SOCK_STREAM, 0, 0, 0, 0);

    /* setsockopt: 4th argument moves rcx -> r10; optlen zero-extended. */
    int one = 1;
    EXPECT("setsockopt(SO_REUSEADDR), garbage above fd/level/opt/len", sp_asm_setsockopt, 0,
           HI(fd), HI(SOL_SOCKET), HI(SO_REUSEADDR), L(&one), HI(sizeof one), 0);
    EXPECT("setsockopt(-1)", sp_asm_setsockopt, -EBADF,
           -1, SOL_SOCKET, SO_REUSEADDR, L(&one), sizeof one, 0);

    /* bind + getsockname */
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    EXPECT("bind(127.0.0.1:0), garbage above fd/len", sp_asm_bind, 0,
           HI(fd), L(&a), HI(sizeof a), 0, 0, 0);
    EXPECT("bind(addrlen 3)", sp_asm_bind, -EINVAL, fd, L(&a), 3, 0, 0, 0);
    unsigned alen = sizeof a;
    EXPECT("getsockname", sp_asm_getsockname, 0, HI(fd), L(&a), L(&alen), 0, 0, 0);
    EXPECT("getsockname(-1)", sp_asm_getsockname, -EBADF, -1, L(&a), L(&alen), 0, 0, 0);

    /* listen: the backlog's upper half must not matter. */
    EXPECT("listen(backlog 16 with garbage upper half)", sp_asm_listen, 0,
           HI(fd), HI(16), 0, 0, 0, 0);
    EXPECT("listen(-1)", sp_asm_listen, -EBADF, -1, 16, 0, 0, 0, 0);

    /* accept4: nothing queued, then a queued connection; flags via r10. */
    EXPECT("accept4(nothing queued)", sp_asm_accept4, -EAGAIN, fd, 0, 0, 0, 0, 0);
    int cfd = socket(AF_INET, SOCK_STREAM, 0);
    if (cfd < 0 || connect(cfd, (struct sockaddr *)&a, sizeof a) != 0) {
        printf("FAIL: client connect to the asm listener: %s\n", strerror(errno));
        return 1;
    }
    struct sockaddr_in peer;
    unsigned plen = sizeof peer;
    long afd = ANY("accept4(queued, SOCK_CLOEXEC with garbage upper half)", sp_asm_accept4,
                   HI(fd), L(&peer), L(&plen), HI(SOCK_CLOEXEC), 0, 0);
    if (afd < 0 || !(fcntl((int)afd, F_GETFD) & FD_CLOEXEC))
        FAIL("accept4 = %ld, or SOCK_CLOEXEC not applied: flags not passed in r10", afd);
    EXPECT("accept4(-1)", sp_asm_accept4, -EBADF, -1, 0, 0, 0, 0, 0);

    /* write / read over the connection, and their error paths. */
    static const char msg[] = "hello through asm";
    EXPECT("write(accepted)", sp_asm_write, (long)sizeof msg, HI(afd), L(msg), sizeof msg, 0, 0, 0);
    char buf[64] = { 0 };
    EXPECT("read(client side)", sp_asm_read, (long)sizeof msg, HI(cfd), L(buf), sizeof buf, 0, 0, 0);
    if (memcmp(buf, msg, sizeof msg) != 0)
        FAIL("read bytes differ from the written ones");
    EXPECT("read(-1)", sp_asm_read, -EBADF, -1, L(buf), 1, 0, 0, 0);
    EXPECT("write(-1)", sp_asm_write, -EBADF, -1, L(buf), 1, 0, 0, 0);
    EXPECT("write(bad pointer)", sp_asm_write, -EFAULT, afd, 8, 16, 0, 0, 0);

    /* send: flags via r10, and r8/r9 (sendto's address) zeroed by the routine:
     * a garbage address length would make the kernel answer -EINVAL. */
    EXPECT("send(accepted, MSG_NOSIGNAL with garbage upper half, garbage r8/r9)", sp_asm_send,
           (long)sizeof msg, HI(afd), L(msg), sizeof msg, HI(MSG_NOSIGNAL), 0xdead, 0xbeef);
    memset(buf, 0, sizeof buf);
    EXPECT("read(client side, after send)", sp_asm_read, (long)sizeof msg, HI(cfd), L(buf), sizeof buf,
           0, 0, 0);
    if (memcmp(buf, msg, sizeof msg) != 0)
        FAIL("read bytes differ from the sent ones");
    EXPECT("send(-1)", sp_asm_send, -EBADF, -1, L(buf), 1, 0, 0, 0);
    EXPECT("send(bad pointer)", sp_asm_send, -EFAULT, afd, 8, 16, MSG_NOSIGNAL, 0, 0);

    /* io_uring_enter: six arguments, the 4th via r10, the timeout's arg and
     * size in r8/r9 (a wrong size would be -EINVAL, not -ETIME). */
    struct io_uring_params up;
    memset(&up, 0, sizeof up);
    long ring = syscall(SYS_io_uring_setup, 4, &up);
    if (ring < 0) {
        printf("note: io_uring_setup: %s: io_uring_enter checked on bad descriptors only\n",
               strerror(errno));
    } else {
        EXPECT("io_uring_enter(ring, nothing, garbage upper halves)", sp_asm_io_uring_enter, 0,
               HI(ring), HI(0), HI(0), HI(0), 0, 0);
        if (up.features & IORING_FEAT_EXT_ARG) {
            struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 1000000 };
            struct io_uring_getevents_arg ga = { .sigmask = 0, .sigmask_sz = 8, .ts = L(&ts) };
            EXPECT("io_uring_enter(wait 1, 1 ms timeout in r8/r9)", sp_asm_io_uring_enter, -ETIME,
                   ring, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, L(&ga), sizeof ga);
        }
        close((int)ring);
    }
    EXPECT("io_uring_enter(-1)", sp_asm_io_uring_enter, -EBADF, -1, 0, 0, 0, 0, 0);

    /* shutdown: connected, bad how, unconnected. */
    EXPECT("shutdown(accepted, SHUT_RDWR with garbage)", sp_asm_shutdown, 0,
           HI(afd), HI(SHUT_RDWR), 0, 0, 0, 0);
    EXPECT("shutdown(bad how)", sp_asm_shutdown, -EINVAL, afd, 99, 0, 0, 0, 0);
    int ufd = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT("shutdown(unconnected)", sp_asm_shutdown, -ENOTCONN, ufd, SHUT_RDWR, 0, 0, 0, 0);
    close(ufd);

    /* epoll: create, ctl add (4th argument via r10), wait (timeout via r10). */
    EXPECT("epoll_create1(bad flags)", sp_asm_epoll_create1, -EINVAL, 1, 0, 0, 0, 0, 0);
    long ep = ANY("epoll_create1(EPOLL_CLOEXEC with garbage)", sp_asm_epoll_create1,
                  HI(EPOLL_CLOEXEC), 0, 0, 0, 0, 0);
    int p[2];
    if (ep < 0 || pipe(p) != 0) {
        printf("FAIL: epoll_create1 = %ld / pipe\n", ep);
        return 1;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 }, got[2];
    EXPECT("epoll_ctl(ADD pipe), garbage above epfd/op/fd", sp_asm_epoll_ctl, 0,
           HI(ep), HI(EPOLL_CTL_ADD), HI(p[0]), L(&ev), 0, 0);
    EXPECT("epoll_ctl(ADD again)", sp_asm_epoll_ctl, -EEXIST, ep, EPOLL_CTL_ADD, p[0], L(&ev), 0, 0);
    EXPECT("epoll_wait(empty, timeout 0 with garbage)", sp_asm_epoll_wait, 0,
           HI(ep), L(got), HI(2), HI(0), 0, 0);
    if (write(p[1], "x", 1) != 1)
        return 1;
    /* The pipe is ready, so even a wait forever (-1) returns at once. */
    EXPECT("epoll_wait(ready, timeout -1 with garbage)", sp_asm_epoll_wait, 1,
           HI(ep), L(got), HI(2), HI(-1), 0, 0);
    EXPECT("epoll_wait(maxevents 0)", sp_asm_epoll_wait, -EINVAL, ep, L(got), 0, 0, 0, 0);
    EXPECT("epoll_ctl(DEL)", sp_asm_epoll_ctl, 0, ep, EPOLL_CTL_DEL, p[0], 0, 0, 0);
    EXPECT("epoll_ctl(DEL again)", sp_asm_epoll_ctl, -ENOENT, ep, EPOLL_CTL_DEL, p[0], 0, 0, 0);

    /* And the closes, success path. */
    EXPECT("close(epoll)", sp_asm_close, 0, HI(ep), 0, 0, 0, 0, 0);
    EXPECT("close(accepted)", sp_asm_close, 0, afd, 0, 0, 0, 0, 0);
    EXPECT("close(listener)", sp_asm_close, 0, fd, 0, 0, 0, 0, 0);
    close(cfd), close(p[0]), close(p[1]);

    printf("%d calls through sp_abi_check, %d failure(s)\n", calls, failures);
    return failures ? 1 : 0;
}
