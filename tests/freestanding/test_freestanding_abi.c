/*
 * test_freestanding_abi.c — the routines of syspath-asm-server (impl/freestanding),
 * called from C through sp_abi_check, in their ABI-check build
 * (syspath_freestanding_abicheck: every internal ACALL traps with ud2 when
 * rsp is misaligned). Each routine must give the right result AND keep the
 * SysV ABI, on its good and its bad inputs:
 *   sp_fs_htons (all 65536 values), sp_fs_memset, sp_fs_strlen, sp_fs_streq,
 *   sp_fs_utoa, sp_fs_atou, sp_fs_say, sp_fs_socket_listen, sp_fs_serve.
 * Then it shows the trap itself works: a call made misaligned on purpose dies
 * of SIGILL in a child process, while the aligned twin returns.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi.h"
#include "check.h"

long sp_fs_htons(long port);
void *sp_fs_memset(void *dst, int c, unsigned long n);
long sp_fs_strlen(const char *s);
long sp_fs_streq(const char *a, const char *b);
long sp_fs_utoa(unsigned long v, char *buf);
long sp_fs_atou(const char *s, long max);
long sp_fs_say(int fd, const long desc[6], const char *a, long alen, const char *b, long blen);
long sp_fs_socket_listen(int port, int backlog);
long sp_fs_serve(int fd);
long sp_fs_test_misaligned_call(void);
long sp_fs_test_aligned_call(void);

static const char expected_response[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 14\r\n"
    "Connection: close\r\n"
    "\r\n"
    "Hello, World!\n";

static long calls;

/* Call through the harness; an ABI break is a failure whatever the result. */
static long call(const char *what, const void *fn, long a0, long a1, long a2, long a3,
                 long a4, long a5)
{
    struct sp_abi_call c = { .fn = fn, .args = { a0, a1, a2, a3, a4, a5 } };
    calls++;
    if (sp_abi_check(&c) != 0)
        FAIL("%s: ABI broken: %s", what, c.why);
    return c.ret;
}
#define CALL(what, fn, ...) call(what, (const void *)(fn), __VA_ARGS__)
#define L(x) ((long)(x))

static void test_htons(void)
{
    int bad = 0;
    for (long v = 0; v <= 0xffff; v++) {
        /* Garbage above di: the routine must use only the low 16 bits. */
        long r = CALL("htons", sp_fs_htons, L(0xdead0000beef0000ul) | v, 0, 0, 0, 0, 0);
        if (r != htons((uint16_t)v) && bad++ < 5)
            FAIL("sp_fs_htons(0x%04lx) = 0x%lx, expected 0x%04x (upper bits of rax must be 0)",
                 v, r, htons((uint16_t)v));
    }
    printf("%s htons: all 65536 values, rax zero-extended\n", bad ? "FAIL" : "ok  ");
}

static void test_memset(void)
{
    static unsigned char buf[512 + 64];
    int bad = 0;
    for (size_t align = 0; align < 16; align++)
        for (size_t n = 0; n <= 300; n++) {
            memset(buf, 0x5a, sizeof buf);
            unsigned char *dst = buf + 32 + align;
            long r = CALL("memset", sp_fs_memset, L(dst), L(0x12345600 | 0xc3), L(n), 0, 0, 0);
            int ok = r == L(dst);
            for (size_t i = 0; i < sizeof buf; i++) {
                int inside = buf + i >= dst && buf + i < dst + n;
                ok &= buf[i] == (inside ? 0xc3 : 0x5a);
            }
            if (!ok && bad++ < 5)
                FAIL("sp_fs_memset(dst+%zu, 0xc3, %zu): returned %s or wrong bytes / guard touched",
                     align, n, r == L(dst) ? "dst" : "not dst");
        }
    printf("%s memset: 0..300 bytes x 16 alignments, returns dst, guards intact\n",
           bad ? "FAIL" : "ok  ");
}

static void test_strlen(void)
{
    static char buf[512];
    int bad = 0;
    for (size_t align = 0; align < 16; align++)
        for (size_t n = 0; n <= 300; n++) {
            memset(buf, 0, sizeof buf);
            for (size_t i = 0; i < n; i++)
                buf[align + i] = (char)(0x80 + (i % 0x7f) + 1);   /* high bytes, never 0 */
            long r = CALL("strlen", sp_fs_strlen, L(buf + align), 0, 0, 0, 0, 0);
            if (r != (long)n && bad++ < 5)
                FAIL("sp_fs_strlen(%zu bytes at +%zu) = %ld", n, align, r);
        }
    printf("%s strlen: 0..300 bytes x 16 alignments, high bytes\n", bad ? "FAIL" : "ok  ");
}

static void test_streq(void)
{
    static const struct { const char *a, *b; long eq; } cases[] = {
        { "--help", "--help", 1 }, { "-h", "-h", 1 }, { "", "", 1 },
        { "--hel", "--help", 0 }, { "--helpx", "--help", 0 }, { "", "-h", 0 },
        { "-h", "", 0 }, { "-H", "-h", 0 }, { "8080", "--help", 0 },
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        long r = CALL("streq", sp_fs_streq, L(cases[i].a), L(cases[i].b), 0, 0, 0, 0);
        if (r != cases[i].eq && ++bad)
            FAIL("sp_fs_streq(\"%s\", \"%s\") = %ld, expected %ld", cases[i].a, cases[i].b, r,
                 cases[i].eq);
    }
    printf("%s streq: %zu pairs (its internal ACALL ran checked)\n", bad ? "FAIL" : "ok  ",
           sizeof cases / sizeof *cases);
}

static void test_utoa(void)
{
    unsigned long values[64];
    size_t nv = 0;
    values[nv++] = 0;
    values[nv++] = 65535;
    values[nv++] = ~0ul;
    for (unsigned long p = 1; nv < 60; p *= 10) {
        values[nv++] = p;
        values[nv++] = p - 1;
        values[nv++] = p + 1;
        if (p > ~0ul / 10)
            break;
    }
    int bad = 0;
    for (size_t i = 0; i < nv; i++) {
        char buf[32], want[32];
        memset(buf, '#', sizeof buf);
        int wn = snprintf(want, sizeof want, "%lu", values[i]);
        long r = CALL("utoa", sp_fs_utoa, L(values[i]), L(buf), 0, 0, 0, 0);
        if ((r != wn || memcmp(buf, want, (size_t)wn) != 0 || buf[wn] != '#') && bad++ < 5)
            FAIL("sp_fs_utoa(%lu) = %ld digits '%.*s', expected %d '%s' and nothing after",
                 values[i], r, (int)(r > 0 && r < 32 ? r : 0), buf, wn, want);
    }
    printf("%s utoa: %zu values from 0 to 2^64-1\n", bad ? "FAIL" : "ok  ", nv);
}

static void test_atou(void)
{
    static const struct { const char *s; long max, want; } cases[] = {
        { "0", 65535, 0 }, { "8080", 65535, 8080 }, { "65535", 65535, 65535 },
        { "007", 65535, 7 }, { "65536", 65535, -ERANGE }, { "", 65535, -EINVAL },
        { "abc", 65535, -EINVAL }, { "12a", 65535, -EINVAL }, { "-1", 65535, -EINVAL },
        { "+1", 65535, -EINVAL }, { " 1", 65535, -EINVAL }, { "1 ", 65535, -EINVAL },
        { "99999999999999999999999", 65535, -ERANGE },
        { "99999999999999999999x", 65535, -EINVAL },
        { "9223372036854775807", 0x7fffffffffffffffL, 0x7fffffffffffffffL },
        { "9223372036854775808", 0x7fffffffffffffffL, -ERANGE },
        { "18446744073709551616", 0x7fffffffffffffffL, -ERANGE },
        { "100", 99, -ERANGE }, { "/", 65535, -EINVAL }, { ":", 65535, -EINVAL },
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        long r = CALL("atou", sp_fs_atou, L(cases[i].s), cases[i].max, 0, 0, 0, 0);
        if (r != cases[i].want && ++bad)
            FAIL("sp_fs_atou(\"%s\", max %ld) = %ld, expected %ld", cases[i].s, cases[i].max, r,
                 cases[i].want);
    }
    printf("%s atou: %zu inputs (digits, garbage, signs, spaces, overflow)\n",
           bad ? "FAIL" : "ok  ", sizeof cases / sizeof *cases);
}

static void test_say(void)
{
    static const char head[] = "head:", mid[] = ":mid:", tail[] = ":tail\n";
    const long desc[6] = { L(head), 5, L(mid), 5, L(tail), 6 };
    const long empty_mid[6] = { L(head), 5, 0, 0, L(tail), 6 };
    int p[2];
    char buf[128];
    if (pipe(p) != 0) {
        FAIL("pipe: %s", strerror(errno));
        return;
    }
    long r = CALL("say", sp_fs_say, p[1], L(desc), L("AA"), 2, L("B"), 1);
    long n = read(p[0], buf, sizeof buf);
    if (r != 19 || n != 19 || memcmp(buf, "head:AA:mid:B:tail\n", 19) != 0)
        FAIL("sp_fs_say wrote %ld ('%.*s'), expected 'head:AA:mid:B:tail\\n'", r, (int)(n > 0 ? n : 0), buf);
    r = CALL("say", sp_fs_say, p[1], L(empty_mid), L("8080"), 4, 0, 0);
    n = read(p[0], buf, sizeof buf);
    if (r != 15 || n != 15 || memcmp(buf, "head:8080:tail\n", 15) != 0)
        FAIL("sp_fs_say with empty parts wrote %ld ('%.*s')", r, (int)(n > 0 ? n : 0), buf);
    r = CALL("say", sp_fs_say, -1, L(desc), 0, 0, 0, 0);
    if (r != -EBADF)
        FAIL("sp_fs_say(-1) = %ld, expected -EBADF", r);
    close(p[0]), close(p[1]);
    printf("ok   say: one writev, parts in order, empty parts skipped, -EBADF\n");
}

static int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static void test_socket_listen(void)
{
    long fd = CALL("socket_listen", sp_fs_socket_listen, L(0xffffffff00000000ul), 4096, 0, 0, 0, 0);
    if (fd < 0) {
        FAIL("sp_fs_socket_listen(0, 4096) = %ld (%s)", fd, strerror((int)-fd));
        return;
    }
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int v = 0;
    socklen_t vl = sizeof v;
    struct timeval tv = { 0 };
    socklen_t tl = sizeof tv;
    getsockname((int)fd, (struct sockaddr *)&a, &len);
    if (a.sin_family != AF_INET || a.sin_addr.s_addr != htonl(INADDR_LOOPBACK) || a.sin_port == 0)
        FAIL("listener is not on 127.0.0.1:<picked port>");
    if (getsockopt((int)fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl) != 0 || v != 1)
        FAIL("listener is not listening");
    if (getsockopt((int)fd, SOL_SOCKET, SO_REUSEADDR, &v, &vl) != 0 || v != 1)
        FAIL("SO_REUSEADDR not set");
    if (getsockopt((int)fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &tl) != 0 || tv.tv_sec != 0 || tv.tv_usec != 200000)
        FAIL("SO_RCVTIMEO is %ld s %ld us, expected the 200 ms tick", (long)tv.tv_sec,
             (long)tv.tv_usec);

    /* The same port again: -EADDRINUSE, and the failed socket is closed. */
    int before = count_fds();
    long again = CALL("socket_listen", sp_fs_socket_listen, ntohs(a.sin_port), 16, 0, 0, 0, 0);
    int after = count_fds();
    if (again != -EADDRINUSE)
        FAIL("second sp_fs_socket_listen(%u) = %ld, expected -EADDRINUSE", ntohs(a.sin_port), again);
    if (after != before)
        FAIL("the failed listen leaked a descriptor (%d open before, %d after)", before, after);
    close((int)fd);
    printf("ok   socket_listen: 127.0.0.1, picked port, REUSEADDR, RCVTIMEO 200 ms; "
           "in use -> -EADDRINUSE, nothing leaked\n");
}

/* A connected pair; [0] is the server's end. */
static int pair(int sv[2])
{
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        FAIL("socketpair: %s", strerror(errno));
        return -1;
    }
    struct timeval tv = { .tv_sec = 10 };   /* no read in this test can hang */
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return 0;
}

/* Everything the client end can read until EOF / timeout. */
static long drain(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    long n;
    while (got < cap && (n = read(fd, buf + got, cap - got)) > 0)
        got += (size_t)n;
    return (long)got;
}

static void expect_answer(const char *what, int client)
{
    char buf[512];
    long n = drain(client, buf, sizeof buf);
    if (n != (long)sizeof expected_response - 1 || memcmp(buf, expected_response, (size_t)n) != 0)
        FAIL("%s: client read %ld bytes '%.*s', expected the fixed 200 response", what, n,
             (int)(n > 0 ? n : 0), buf);
}

static void test_serve(void)
{
    int failures_before = failures;
    int sv[2];
    static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    /* A whole request: answered, the return is the head's length. */
    if (pair(sv))
        return;
    write(sv[1], req, sizeof req - 1);
    shutdown(sv[1], SHUT_WR);   /* so that drain() below can end on EOF after close */
    long r = CALL("serve", sp_fs_serve, sv[0], 0, 0, 0, 0, 0);
    if (r != (long)sizeof req - 1)
        FAIL("serve(whole request) = %ld, expected %zu", r, sizeof req - 1);
    close(sv[0]);
    expect_answer("whole request", sv[1]);
    close(sv[1]);

    /* Closed without sending: 0, and no answer written. */
    if (pair(sv))
        return;
    shutdown(sv[1], SHUT_WR);
    r = CALL("serve", sp_fs_serve, sv[0], 0, 0, 0, 0, 0);
    close(sv[0]);
    char buf[128];
    long n = drain(sv[1], buf, sizeof buf);
    if (r != 0 || n != 0)
        FAIL("serve(no request) = %ld and wrote %ld bytes, expected 0 and nothing", r, n);
    close(sv[1]);

    /* 64 KiB without a blank line: answered after the 8 KiB buffer fills.
     * Then its drain reads what is left and waits once more; with the
     * server's 200 ms receive tick (not pair()'s 10 s) that wait is short. */
    if (pair(sv))
        return;
    struct timeval tick = { .tv_usec = 200000 };
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
    int big = 256 * 1024;
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    static char junk[64 * 1024];
    memset(junk, 'A', sizeof junk);
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    long w = write(sv[1], junk, sizeof junk);
    fcntl(sv[1], F_SETFL, 0);
    r = CALL("serve", sp_fs_serve, sv[0], 0, 0, 0, 0, 0);
    if (w <= 8192)
        FAIL("could queue only %ld bytes of junk: the test needs more than 8 KiB", w);
    else if (r != 8192)
        FAIL("serve(%ld bytes of junk) = %ld, expected 8192 (the head buffer)", w, r);
    close(sv[0]);
    n = read(sv[1], buf, sizeof buf);
    if (n < 15 || memcmp(buf, "HTTP/1.1 200 OK", 15) != 0)
        FAIL("64 KiB client: no 200 answer (read %ld)", n);
    close(sv[1]);

    /* Part of a head, then the client half-closes: what came is answered. */
    if (pair(sv))
        return;
    write(sv[1], "GET / HT", 8);
    shutdown(sv[1], SHUT_WR);
    r = CALL("serve", sp_fs_serve, sv[0], 0, 0, 0, 0, 0);
    close(sv[0]);
    if (r != 8)
        FAIL("serve(partial head, EOF) = %ld, expected 8", r);
    expect_answer("partial head", sv[1]);
    close(sv[1]);

    /* The blank line split across two writes: a child sends "\r\n\r" and,
     * a moment later, "\n". Whether or not the reads split there, the answer
     * must come after the whole head (the scan looks 3 bytes back). */
    if (pair(sv))
        return;
    pid_t child = fork();
    if (child == 0) {
        close(sv[0]);
        write(sv[1], req, sizeof req - 2);
        usleep(100 * 1000);
        write(sv[1], "\n", 1);
        shutdown(sv[1], SHUT_WR);
        char c;
        read(sv[1], &c, 1);     /* hold the socket until the parent is done */
        _exit(0);
    }
    r = CALL("serve", sp_fs_serve, sv[0], 0, 0, 0, 0, 0);
    if (r != (long)sizeof req - 1)
        FAIL("serve(split blank line) = %ld, expected %zu", r, sizeof req - 1);
    close(sv[0]);
    close(sv[1]);
    waitpid(child, NULL, 0);

    /* A silent client: the reads wake on the receive tick (200 ms, as the
     * server's listener sets it), the 5 s head deadline passes, nothing is
     * answered, and the error comes back. */
    if (pair(sv))
        return;
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
    r = CALL("serve", sp_fs_serve, sv[0], 0, 0, 0, 0, 0);
    if (r != -EAGAIN)
        FAIL("serve(silent client) = %ld, expected -EAGAIN after the head deadline", r);
    close(sv[0]);
    close(sv[1]);

    /* The client is gone before the answer: -EPIPE, and no SIGPIPE death. */
    if (pair(sv))
        return;
    write(sv[1], req, sizeof req - 1);
    close(sv[1]);
    r = CALL("serve", sp_fs_serve, sv[0], 0, 0, 0, 0, 0);
    if (r != -EPIPE)
        FAIL("serve(client gone) = %ld, expected -EPIPE", r);
    close(sv[0]);

    printf("%s serve: whole, none, 64 KiB, partial, split, silent, gone\n",
           failures != failures_before ? "FAIL" : "ok  ");
}

/* The checks are really in this build: sp_fs_streq's ACALL must have
 * compiled to test/jz/ud2, and ud2 is 0f 0b. */
static void test_build_is_checked(void)
{
    const unsigned char *code = (const unsigned char *)(const void *)sp_fs_streq;
    int found = 0;
    for (int i = 0; i < 64 && !found; i++)
        found = code[i] == 0x0f && code[i + 1] == 0x0b;
    if (!found)
        FAIL("sp_fs_streq has no ud2 in its first 64 bytes: not the -DSP_ABI_CHECK build");
    else
        printf("ok   the routines under test are the -DSP_ABI_CHECK build\n");
}

static void test_trap(void)
{
    struct sp_abi_call c = { .fn = (const void *)sp_fs_test_aligned_call };
    if (sp_abi_check(&c) != 0 || c.ret != 7)
        FAIL("aligned ACALL: ret %ld why '%s', expected 7 and no ABI break", c.ret, c.why);

    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        signal(SIGILL, SIG_DFL);
        sp_fs_test_misaligned_call();
        _exit(0);                   /* the check did not fire */
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGILL)
        printf("ok   a misaligned ACALL traps (SIGILL); the aligned one returns\n");
    else
        FAIL("misaligned ACALL: child %s %d, expected death by SIGILL",
             WIFSIGNALED(status) ? "died of signal" : "exited with",
             WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);   /* as syspath-asm-server does */
    alarm(60);

    test_build_is_checked();
    test_htons();
    test_memset();
    test_strlen();
    test_streq();
    test_utoa();
    test_atou();
    test_say();
    test_socket_listen();
    test_serve();
    test_trap();
    printf("%ld calls through sp_abi_check, %d failure(s)\n", calls, failures);
    return failures ? 1 : 0;
}
