/*
 * main.c — syspath-server: the CLI over the server core.
 *
 * The only place that turns -errno into words and exit codes:
 *   0  served --max-conns connections, or stopped by SIGINT/SIGTERM
 *   1  the server failed while running
 *   2  bad usage or a startup error (unknown backend/model, port in use, ...)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "syspath/server.h"
#include "syspath/sys.h"
#include "conn.h"

static const char *prog = "syspath-server";

static void usage(FILE *out)
{
    fprintf(out,
        "usage: %s [options]\n"
        "\n"
        "A tiny HTTP server (GET/HEAD -> 200 \"Hello, World!\") over a chosen syscall\n"
        "path and I/O model, for measuring what the path costs.\n"
        "\n"
        "  -b, --backend NAME        syscall path: %s (default libc)\n"
        "  -m, --model NAME          I/O model: %s (default epoll)\n"
        "  -a, --addr ADDR           numeric IPv4/IPv6 address to bind (default 127.0.0.1)\n"
        "  -p, --port N              TCP port, 0 = any free port (default 8080)\n"
        "      --backlog N           listen backlog (default 4096)\n"
        "  -n, --max-conns N         serve N connections, then exit 0 (default: no limit)\n"
        "  -w, --workers N           reuseport: worker processes (default: one per CPU)\n"
        "      --header-timeout S    a request head must arrive within S seconds (default 5)\n"
        "      --idle-timeout S      close keep-alive connections idle for S seconds (default 30)\n"
        "      --defer-accept S      TCP_DEFER_ACCEPT seconds, 0 = off (default: 1 for epoll,\n"
        "                            uring and reuseport, off for iterative)\n"
        "      --quickack 0|1        TCP_QUICKACK on the listener: 0 = delayed ACKs from the first\n"
        "                            request (its ACK rides on the response), 1 = the kernel's\n"
        "                            quick ACKs (default: 0 for every model)\n"
        "      --gather-us N         uring: once a completion is in, wait up to N microseconds for\n"
        "                            more (one per 4 kept-alive connections, at most 16), 0 = off\n"
        "                            (default 50; needs Linux 6.12+, else off)\n"
        "  -s, --stats PATH|-        on exit, write counters and CPU time as JSON to PATH or stdout;\n"
        "                            SIGUSR1 writes the CPU time so far there now (see below)\n"
        "  -l, --list                list backends and models (and why a model is unavailable)\n"
        "  -h, --help                this text\n"
        "\n"
        "Once listening it prints one line: listening on ADDR:PORT backend=NAME model=NAME\n"
        "SIGINT/SIGTERM stop it (within a second) and write --stats; a second signal exits at once.\n"
        "SIGUSR1 (with --stats) writes {\"snapshot\":N,\"user_us\":..,\"system_us\":..} over PATH (or\n"
        "to stdout) and keeps serving; reuseport workers count only once reaped, at exit.\n"
        "Test only: SYSPATH_TEST_BURN_NS=N[:BACKEND] spins N ns of CPU per accepted connection\n"
        "(only in BACKEND's server if named), to check that a known slowdown is caught.\n",
        prog, sp_sys_names(), sp_model_names());
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static long parse_long(const char *opt, const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        die("invalid %s '%s' (want a whole number %ld..%ld)", opt, s, lo, hi);
    return v;
}

static int parse_seconds_ms(const char *opt, const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > 86400)
        die("invalid %s '%s' (want seconds, > 0)", opt, s);
    return (int)(v * 1000 + 0.5) ? (int)(v * 1000 + 0.5) : 1;
}

static void on_stop_signal(int sig)
{
    if (sp_stop_requested)
        _exit(128 + sig);           /* second signal: leave now */
    sp_stop_requested = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;                /* no SA_RESTART: blocking calls return -EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);       /* a client that resets mid-response gives -EPIPE, not death */
}

/* SIGUSR1: the CPU time so far, written to --stats at once, while the server
 * keeps serving. A benchmark brackets its measured window with two of these
 * to read getrusage over that window alone, as a cross-check of its own meter.
 * Only async-signal-safe calls: getrusage, open, write, close, rename, and our
 * own digits. The file is written whole to PATH.tmp and renamed over PATH, so a
 * reader never sees half of it; N counts the snapshots, so a reader knows its
 * own has landed. */
static const char *snap_path;
static char snap_tmp[PATH_MAX];
static long snap_seq;

static char *put_str(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

static char *put_long(char *p, long v)
{
    char digits[24];
    int n = 0;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    if (v < 0)
        *p++ = '-';
    do
        digits[n++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    while (n)
        *p++ = digits[--n];
    return p;
}

static long usec(struct timeval tv) { return tv.tv_sec * 1000000L + tv.tv_usec; }

static void on_snapshot_signal(int sig)
{
    (void)sig;
    int saved = errno;
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    char line[160], *p = line;
    p = put_long(put_str(p, "{\"snapshot\":"), ++snap_seq);
    p = put_long(put_str(p, ",\"user_us\":"), usec(self.ru_utime) + usec(kids.ru_utime));
    p = put_long(put_str(p, ",\"system_us\":"), usec(self.ru_stime) + usec(kids.ru_stime));
    p = put_str(p, "}\n");
    if (strcmp(snap_path, "-") == 0) {
        ssize_t w = write(STDOUT_FILENO, line, (size_t)(p - line));
        (void)w;
    } else {
        int fd = open(snap_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            ssize_t w = write(fd, line, (size_t)(p - line));
            close(fd);
            if (w == p - line)
                rename(snap_tmp, snap_path);
        }
    }
    errno = saved;
}

static void install_snapshot_signal(const char *stats_path)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    if (stats_path && strlen(stats_path) + sizeof ".tmp" <= sizeof snap_tmp) {
        snap_path = stats_path;
        strcpy(snap_tmp, stats_path);
        strcat(snap_tmp, ".tmp");
        sa.sa_handler = on_snapshot_signal;
        sa.sa_flags = SA_RESTART;   /* a snapshot is no reason to cut a blocking call short */
    } else {
        sa.sa_handler = SIG_IGN;    /* its default would kill the server */
    }
    sigaction(SIGUSR1, &sa, NULL);
}

static void list(void)
{
    printf("backends:");
    for (const struct sp_sys *const *s = sp_sys_all; *s; s++)
        printf(" %s", (*s)->name);
    printf("\nmodels:");
    for (const struct sp_model *const *m = sp_model_all; *m; m++)
        printf(" %s", (*m)->name);
    printf("\n");
    for (const struct sp_model *const *m = sp_model_all; *m; m++) {
        char why[160] = "";
        if ((*m)->available && (*m)->available(why, sizeof why) < 0)
            printf("unavailable: %s (%s)\n", (*m)->name, why);
    }
    for (const struct sp_model *const *m = sp_model_all; *m; m++)
        printf("  %-10s %s\n", (*m)->name, (*m)->summary);
}

static int write_stats(const char *path, const struct sp_sys *sys, const struct sp_config *cfg,
                       const struct sp_stats *st, long wall_us, int workers)
{
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);     /* reuseport workers, once reaped */
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (!f) {
        fprintf(stderr, "%s: cannot write stats to %s: %s\n", prog, path, strerror(errno));
        return -1;
    }
    fprintf(f, "{\"backend\":\"%s\",\"model\":\"%s\",\"connections\":%ld,\"requests\":%ld,"
               "\"bad_requests\":%ld,\"timeouts\":%ld,\"accept_errors\":%ld,"
               "\"user_us\":%ld,\"system_us\":%ld,\"wall_us\":%ld,\"workers\":%d,"
               "\"defer_accept_s\":%d,\"quickack\":%d,\"gather_us\":%d}\n",
            sys->name, cfg->model, st->connections, st->requests, st->bad_requests,
            st->timeouts, st->accept_errors, usec(self.ru_utime) + usec(kids.ru_utime),
            usec(self.ru_stime) + usec(kids.ru_stime), wall_us, workers, sp_defer_accept_s(cfg),
            sp_quickack(cfg), st->gather_us);
    if (f == stdout)
        return fflush(f) == 0 ? 0 : -1;
    return fclose(f) == 0 ? 0 : -1;
}

/* SO_REUSEPORT lets a second reuseport server bind a port that a first one
 * already serves: the kernel then splits the connections between them and
 * neither says a word (a benchmark would measure half its load). So before
 * listening with it, check that nobody holds the port: a plain bind
 * (SO_REUSEADDR only, so TIME_WAIT remnants do not count) fails on any socket
 * bound there, reuseport or not. Through the table, like every other call. */
static long port_taken(const struct sp_sys *sys, const struct sp_config *cfg)
{
    struct sockaddr_storage ss;
    unsigned len;
    if (sp_parse_addr(cfg->addr, cfg->port, &ss, &len) < 0)
        return 0;                   /* sp_listen reports the bad address */
    long fd = sys->socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fd;
    int one = 1;
    long r = sys->setsockopt((int)fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (r == 0)
        r = sys->bind((int)fd, &ss, len);
    sys->close((int)fd);
    return r == -EADDRINUSE ? r : 0;  /* anything else: sp_listen will say */
}

static int is_loopback(const char *addr)
{
    return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

int main(int argc, char **argv)
{
    struct sp_config cfg = SP_CONFIG_DEFAULTS;
    const char *backend = "libc", *stats_path = NULL;
    enum { OPT_BACKLOG = 256, OPT_HEADER_TIMEOUT, OPT_IDLE_TIMEOUT, OPT_DEFER_ACCEPT, OPT_QUICKACK,
           OPT_GATHER_US };
    static const struct option opts[] = {
        { "backend", required_argument, NULL, 'b' },
        { "model", required_argument, NULL, 'm' },
        { "addr", required_argument, NULL, 'a' },
        { "port", required_argument, NULL, 'p' },
        { "backlog", required_argument, NULL, OPT_BACKLOG },
        { "max-conns", required_argument, NULL, 'n' },
        { "workers", required_argument, NULL, 'w' },
        { "header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT },
        { "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
        { "defer-accept", required_argument, NULL, OPT_DEFER_ACCEPT },
        { "quickack", required_argument, NULL, OPT_QUICKACK },
        { "gather-us", required_argument, NULL, OPT_GATHER_US },
        { "stats", required_argument, NULL, 's' },
        { "list", no_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    opterr = 0;                     /* our own one-line messages */
    int c;
    while ((c = getopt_long(argc, argv, ":b:m:a:p:n:w:s:lh", opts, NULL)) != -1) {
        switch (c) {
        case 'b': backend = optarg; break;
        case 'm': cfg.model = optarg; break;
        case 'a': cfg.addr = optarg; break;
        case 'p': cfg.port = (int)parse_long("port", optarg, 0, 65535); break;
        case OPT_BACKLOG: cfg.backlog = (int)parse_long("backlog", optarg, 1, INT_MAX); break;
        case 'n': cfg.max_conns = parse_long("max-conns", optarg, 0, LONG_MAX); break;
        case 'w': cfg.workers = (int)parse_long("workers", optarg, 0, 256); break;
        case OPT_HEADER_TIMEOUT: cfg.header_timeout_ms = parse_seconds_ms("header-timeout", optarg); break;
        case OPT_IDLE_TIMEOUT: cfg.idle_timeout_ms = parse_seconds_ms("idle-timeout", optarg); break;
        case OPT_DEFER_ACCEPT: cfg.defer_accept_s = (int)parse_long("defer-accept", optarg, 0, 3600); break;
        case OPT_QUICKACK: cfg.quickack = (int)parse_long("quickack", optarg, 0, 1); break;
        case OPT_GATHER_US: cfg.gather_us = (int)parse_long("gather-us", optarg, 0, 100000); break;
        case 's': stats_path = optarg; break;
        case 'l': list(); return 0;
        case 'h': usage(stdout); return 0;
        case ':': die("option '%s' needs a value (see --help)", argv[optind - 1]);
        default: die("unknown option '%s' (see --help)", argv[optind - 1]);
        }
    }
    if (optind < argc)
        die("unexpected argument '%s' (see --help)", argv[optind]);

    const struct sp_sys *sys = sp_sys_find(backend);
    if (!sys)
        die("unknown backend '%s' (known: %s)", backend, sp_sys_names());
    if (sp_test_burn_setup(sys->name) < 0)
        die("invalid SYSPATH_TEST_BURN_NS '%s' (want N[:BACKEND], N ns 0..100000000)",
            getenv("SYSPATH_TEST_BURN_NS"));
    const struct sp_model *model = sp_model_find(cfg.model);
    if (!model)
        die("unknown model '%s' (known: %s)", cfg.model, sp_model_names());
    char why[160] = "";
    if (model->available && model->available(why, sizeof why) < 0)
        die("model %s is unavailable here: %s", model->name, why);
    install_signals();
    install_snapshot_signal(stats_path);
    struct sp_listener l;
    long r = 0;
    if ((model->listen_flags & SP_LISTEN_REUSEPORT) && cfg.port != 0)
        r = port_taken(sys, &cfg);
    if (r == 0)
        r = sp_listen(sys, &cfg, &l);
    if (r == -EADDRINUSE)
        die("port %d in use", cfg.port);
    if (r == -EADDRNOTAVAIL)
        die("address %s is not local to this machine", cfg.addr);
    if (r == -EINVAL)
        die("invalid address '%s' (want a numeric IPv4 or IPv6 address)", cfg.addr);
    if (r == -EACCES)
        die("port %d needs privileges", cfg.port);
    if (r < 0)
        die("cannot listen on %s:%d: %s", cfg.addr, cfg.port, strerror((int)-r));

    if (!is_loopback(cfg.addr))
        fprintf(stderr, "%s: warning: listening on %s, not loopback: reachable from other hosts\n",
                prog, cfg.addr);
    printf("listening on %s%s%s:%d backend=%s model=%s\n", l.family == AF_INET6 ? "[" : "",
           cfg.addr, l.family == AF_INET6 ? "]" : "", l.port, sys->name, model->name);
    fflush(stdout);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct sp_stats st = { 0 };
    r = sp_serve(sys, &cfg, &l, &st);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long wall_us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;

    int workers = strcmp(model->name, "reuseport") == 0
        ? (cfg.workers > 0 ? cfg.workers : (int)sysconf(_SC_NPROCESSORS_ONLN)) : 1;
    int stats_failed = stats_path && write_stats(stats_path, sys, &cfg, &st, wall_us, workers) < 0;
    if (r < 0) {
        fprintf(stderr, "%s: server failed: %s\n", prog, strerror((int)-r));
        return 1;
    }
    return stats_failed ? 1 : 0;
}
