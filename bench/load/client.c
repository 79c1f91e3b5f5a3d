/*
 * client.c — syspath-client: N sequential connect → GET → read → close.
 *
 * Why it exists: hyperfine-serve.json times a whole server process serving N
 * connections, one at a time, so that the per-connection cost of each syscall
 * path (asm, raw, libc, the freestanding NASM server) shows at process level.
 * wrk cannot do "exactly N connections then stop", and a shell loop of curl
 * would measure curl. So this client is small and does one thing.
 *
 * Two ways to use it:
 *   syspath-client --port P --count N
 *       drives a server that is already running (retrying connect for up to
 *       --timeout seconds while it comes up);
 *   syspath-client --serve BACKEND --count N
 *       spawns the server itself from the directory this binary lives in
 *       (a backend of impl/sys/registry.c: syspath-server --backend B --port 0 --max-conns N;
 *       freestanding: syspath-asm-server 0 N), reads the port from its
 *       `listening on 127.0.0.1:PORT` line, drives N connections, then waits
 *       for the server to exit. One process for hyperfine -N to time, no
 *       shell, no sleep, no race on a port.
 *
 * Exit: 0 when every connection got `HTTP/1.x 200` (and a spawned server
 * exited 0), 1 otherwise (one line on stderr says what), 2 for bad usage.
 * Every wait is bounded (socket timeouts, poll on the server's stdout, a
 * bounded waitpid), so it never hangs; a spawned server dies with us
 * (PR_SET_PDEATHSIG).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "syspath/sys.h"

static const char *prog = "syspath-client";

static void usage(FILE *f)
{
    fprintf(f,
        "usage: syspath-client [--host ADDR] [--port P] [--count N] [--timeout S]\n"
        "                      [--serve B|freestanding [--model M] [--bin DIR]]\n"
        "\n"
        "Opens N connections one after another: connect, send one GET with\n"
        "`Connection: close`, read the whole response, close. Checks each status is 200.\n"
        "\n"
        "  --host ADDR     server address (default 127.0.0.1; IPv4 or IPv6 literal)\n"
        "  --port P        server port (required unless --serve)\n"
        "  --count N       connections to make (default 1000)\n"
        "  --timeout S     seconds to wait for the server to come up, and per socket\n"
        "                  operation (default 5)\n"
        "  --serve B       start the server first, from this binary's directory:\n"
        "                  a backend (%s) -> syspath-server --backend B --port 0 --max-conns N\n"
        "                  freestanding -> syspath-asm-server 0 N\n"
        "                  then wait for it to exit after the N connections\n"
        "  --model M       with --serve: syspath-server --model M (default iterative)\n"
        "  --bin DIR       with --serve: where the servers are (default: beside this binary)\n"
        "  -q, --quiet     no summary line on stdout\n"
        "  -h, --help      this text\n"
        "\n"
        "Exit status: 0 all N answered 200 (and the spawned server exited 0),\n"
        "1 a connection or the server failed, 2 bad usage.\n", sp_sys_names());
}

static void die_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(2);
}

static long parse_num(const char *opt, const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "%s: %s wants a whole number in %ld..%ld, got '%s'\n", prog, opt, lo, hi, s);
        exit(2);
    }
    return v;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct target {
    struct sockaddr_storage addr;
    socklen_t len;
};

static int make_target(struct target *t, const char *host, int port)
{
    struct sockaddr_in *a4 = (struct sockaddr_in *)&t->addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&t->addr;
    memset(t, 0, sizeof *t);
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((unsigned short)port);
        t->len = sizeof *a4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((unsigned short)port);
        t->len = sizeof *a6;
        return 0;
    }
    return -EINVAL;
}

/* One connection: connect, GET, read to EOF, close. Returns 0 if the status
 * line says 200, -errno on a socket failure, -EPROTO on any other answer.
 * retry_until > 0: a refused connect is retried until then (server starting). */
static int one_request(const struct target *t, const char *host, int timeout_s, double retry_until)
{
    char req[256], buf[4096];
    int n = snprintf(req, sizeof req,
                     "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", host);
    struct timeval tv = { .tv_sec = timeout_s };
    int fd, got = 0, err;

    for (;;) {
        fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -errno;
        /* bounded waits: on Linux SO_SNDTIMEO also bounds connect() */
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, (const struct sockaddr *)&t->addr, t->len) == 0)
            break;
        err = errno;
        close(fd);
        if (err == ECONNREFUSED && now_s() < retry_until) {
            usleep(10000);
            continue;
        }
        return -err;
    }
    for (int off = 0; off < n;) {
        ssize_t w = write(fd, req + off, n - off);
        if (w < 0) {
            err = errno;
            close(fd);
            return -err;
        }
        off += (int)w;
    }
    /* keep the first bytes for the status line; count the rest until EOF */
    for (;;) {
        ssize_t r = read(fd, buf + got, sizeof buf - 1 - got);
        if (r < 0) {
            err = errno;
            close(fd);
            return -err;
        }
        if (r == 0)
            break;
        if (got + r < (ssize_t)sizeof buf - 1)
            got += (int)r;
        /* else: a long body; its first bytes are kept, the rest is read and dropped */
    }
    close(fd);
    buf[got] = 0;
    if (got >= 12 && strncmp(buf, "HTTP/1.", 7) == 0 && strncmp(buf + 8, " 200", 4) == 0)
        return 0;
    return -EPROTO;
}

/* Wait for the server's `listening on ADDR:PORT` line on fd; returns the port or -1. */
static int read_port(int fd, int timeout_s, char *line, size_t cap)
{
    size_t got = 0;
    double deadline = now_s() + timeout_s;
    for (;;) {
        int left_ms = (int)((deadline - now_s()) * 1000);
        if (left_ms <= 0)
            return -1;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int pr = poll(&p, 1, left_ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return -1;
        ssize_t r = read(fd, line + got, cap - 1 - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
        line[got] = 0;
        char *nl = strchr(line, '\n');
        if (nl) {
            *nl = 0;
            char *colon = strrchr(line, ':');
            if (strncmp(line, "listening on ", 13) != 0 || !colon)
                return -1;
            long port = strtol(colon + 1, NULL, 10);
            return port > 0 && port < 65536 ? (int)port : -1;
        }
        if (got >= cap - 1)
            return -1;
    }
}

static int exe_dir(char *out, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", out, cap - 1);
    if (n <= 0)
        return -1;
    out[n] = 0;
    char *slash = strrchr(out, '/');
    if (!slash)
        return -1;
    *slash = 0;
    return 0;
}

/* Wait up to timeout_s for pid; then SIGKILL it. Returns its wait status, or -1. */
static int reap(pid_t pid, int timeout_s)
{
    int status;
    double deadline = now_s() + timeout_s;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return -1;
        if (now_s() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        usleep(2000);
    }
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *serve = NULL, *model = "iterative", *bin = NULL;
    long port = -1, count = 1000, timeout_s = 5;
    int quiet = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
#define NEXT() (i + 1 < argc ? argv[++i] : (die_usage("%s needs a value (see --help)", a), ""))
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--host")) {
            host = NEXT();
        } else if (!strcmp(a, "--port")) {
            port = parse_num("--port", NEXT(), 1, 65535);
        } else if (!strcmp(a, "--count")) {
            count = parse_num("--count", NEXT(), 1, 100000000);
        } else if (!strcmp(a, "--timeout")) {
            timeout_s = parse_num("--timeout", NEXT(), 1, 3600);
        } else if (!strcmp(a, "--serve")) {
            serve = NEXT();
        } else if (!strcmp(a, "--model")) {
            model = NEXT();
        } else if (!strcmp(a, "--bin")) {
            bin = NEXT();
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else {
            die_usage("unknown option '%s' (see --help)", a);
        }
#undef NEXT
    }
    if (!serve && port < 0)
        die_usage("%s", "--port or --serve is required (see --help)");
    if (serve && port >= 0)
        die_usage("%s", "--port and --serve exclude each other: --serve reads the port from the server");
    /* the server's own paths are its registry's rows (impl/sys/registry.c) */
    if (serve && !sp_sys_find(serve) && strcmp(serve, "freestanding")) {
        char msg[256];
        snprintf(msg, sizeof msg, "unknown --serve '%s' (known: %s, freestanding)", serve, sp_sys_names());
        die_usage("%s", msg);
    }

    /* the server may die under us; report that as a failed write, not a signal */
    signal(SIGPIPE, SIG_IGN);

    pid_t child = -1;
    int out_fd = -1;
    if (serve) {
        char dir[PATH_MAX], exe[PATH_MAX + 64], nstr[32];
        if (bin)
            snprintf(dir, sizeof dir, "%s", bin);
        else if (exe_dir(dir, sizeof dir) < 0) {
            fprintf(stderr, "%s: cannot find my own directory (/proc/self/exe)\n", prog);
            return 1;
        }
        snprintf(nstr, sizeof nstr, "%ld", count);
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0) {
            fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
            return 1;
        }
        int freestanding = !strcmp(serve, "freestanding");
        snprintf(exe, sizeof exe, "%s/%s", dir, freestanding ? "syspath-asm-server" : "syspath-server");
        if (access(exe, X_OK) != 0) {
            fprintf(stderr, "%s: %s: %s\n", prog, exe, strerror(errno));
            return 1;
        }
        pid_t parent = getpid();
        child = fork();
        if (child < 0) {
            fprintf(stderr, "%s: fork: %s\n", prog, strerror(errno));
            return 1;
        }
        if (child == 0) {
            /* die with the client, whatever kills it; close the race with getppid */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent)
                _exit(127);
            dup2(fds[1], 1);
            signal(SIGPIPE, SIG_DFL);
            if (freestanding)
                execl(exe, exe, "0", nstr, (char *)NULL);
            else
                execl(exe, exe, "--backend", serve, "--model", model, "--port", "0",
                      "--max-conns", nstr, (char *)NULL);
            fprintf(stderr, "%s: exec %s: %s\n", prog, exe, strerror(errno));
            _exit(127);
        }
        close(fds[1]);
        out_fd = fds[0];
        char line[256];
        port = read_port(out_fd, (int)timeout_s, line, sizeof line);
        if (port < 0) {
            fprintf(stderr, "%s: %s printed no `listening on ADDR:PORT` line within %lds\n",
                    prog, exe, timeout_s);
            kill(child, SIGKILL);
            waitpid(child, NULL, 0);
            return 1;
        }
    }

    struct target t;
    if (make_target(&t, host, (int)port) < 0)
        die_usage("--host wants a numeric IPv4 or IPv6 address, got '%s'", host);

    long ok = 0, failed = 0;
    int first_err = 0;
    double t0 = now_s();
    for (long i = 0; i < count; i++) {
        int r = one_request(&t, host, (int)timeout_s, i == 0 ? t0 + timeout_s : 0);
        if (r == 0) {
            ok++;
        } else {
            failed++;
            if (!first_err)
                first_err = r;
            /* a dead server fails every later connection too: stop early */
            if (r == -ECONNREFUSED)
                break;
        }
    }
    double secs = now_s() - t0;

    int rc = failed ? 1 : 0;
    if (failed)
        fprintf(stderr, "%s: %ld of %ld connections failed (first: %s)%s\n", prog, failed, count,
                first_err == -EPROTO ? "answer was not HTTP 200" : strerror(-first_err),
                ok + failed < count ? "; stopped early: the server refuses connections" : "");
    if (child > 0) {
        /* drain the server's stdout until it exits (closes the pipe), then reap it */
        char sink[512];
        struct pollfd p = { .fd = out_fd, .events = POLLIN };
        double deadline = now_s() + timeout_s;
        while (now_s() < deadline && poll(&p, 1, 100) >= 0) {
            if ((p.revents & (POLLIN | POLLHUP)) && read(out_fd, sink, sizeof sink) <= 0)
                break;
        }
        close(out_fd);
        int status = reap(child, failed ? 1 : (int)timeout_s);
        if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            if (!failed)
                fprintf(stderr, "%s: the server did not exit cleanly after %ld connections (%s)\n",
                        prog, count,
                        status < 0 ? "killed after the timeout"
                        : WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "non-zero exit");
            rc = 1;
        }
    }
    if (!quiet)
        printf("%ld connections to %s:%ld: %ld ok, %ld failed, %.3f s, %.0f conn/s\n",
               count, host, port, ok, failed, secs, secs > 0 ? ok / secs : 0.0);
    return rc;
}
