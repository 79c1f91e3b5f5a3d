/*
 * reuseport.c — N worker processes, each with its own SO_REUSEPORT listener
 * on the same port, each running the epoll loop (epoll.c).
 *
 * The kernel spreads incoming connections over the listeners by hash, so the
 * workers never contend on one accept queue. Worker 0 inherits the listener
 * the CLI opened (the port printed in the listening line); the others open
 * their own on that port. Each worker's counters live in a shared anonymous
 * mapping, so the parent can sum them after the workers exit; CPU time comes
 * from getrusage(RUSAGE_CHILDREN) in the CLI.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "epoll.h"

#define MAX_WORKERS 256

struct shared {
    long accepted;                          /* across all workers, for --max-conns */
    struct sp_stats stats[MAX_WORKERS];
    long result[MAX_WORKERS];               /* each worker's return value */
};

static int worker_count(const struct sp_config *cfg)
{
    long n = cfg->workers > 0 ? cfg->workers : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : (int)n;
}

/* A worker only ever stops gracefully. Exiting at once on a second signal
 * is the parent's job; a worker routinely gets two: Ctrl-C reaches the whole
 * process group and the parent then forwards SIGTERM, or the parent's stop
 * flag was already set when it forked the worker. With the CLI's handler the
 * second one made the worker _exit(128+sig), and the parent reported the
 * server as failed. If the parent does exit at once, PR_SET_PDEATHSIG's
 * SIGTERM still stops the worker within SP_STOP_POLL_MS. */
static void worker_stop(int sig)
{
    (void)sig;
    sp_stop_requested = 1;
}

static void worker_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = worker_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);       /* no SA_RESTART: waits return -EINTR, as in the CLI */
    sigaction(SIGTERM, &sa, NULL);
}

static void worker(const struct sp_sys *sys, const struct sp_config *cfg,
                   const struct sp_listener *l, struct shared *sh, int i)
{
    int lfd = l->fd;
    if (i > 0) {
        sys->close(l->fd);                  /* worker 0 alone keeps the first listener */
        struct sp_config mine = *cfg;
        mine.port = l->port;
        struct sp_listener own;
        long r = sp_listen(sys, &mine, &own);
        if (r < 0) {
            sh->result[i] = r;
            _exit(1);
        }
        lfd = own.fd;
    }
    sh->result[i] = sp_epoll_loop(sys, cfg, lfd, &sh->accepted, &sh->stats[i]);
    _exit(sh->result[i] < 0 ? 1 : 0);
}

static long reuseport_run(const struct sp_sys *sys, const struct sp_config *cfg,
                          const struct sp_listener *l, struct sp_stats *st)
{
    int n = worker_count(cfg);
    struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return -ENOMEM;
    pid_t pids[MAX_WORKERS];
    int started = 0;
    long r = 0;
    pid_t parent = getpid();
    /* Stop signals wait while workers are forked: a worker must have its own
     * handler before a stop signal (forwarded, or the parent's flag inherited)
     * can reach it. */
    sigset_t stop_sigs, old_mask;
    sigemptyset(&stop_sigs);
    sigaddset(&stop_sigs, SIGINT);
    sigaddset(&stop_sigs, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop_sigs, &old_mask);
    for (; started < n; started++) {
        pid_t pid = fork();
        if (pid < 0) {
            r = -errno;
            break;
        }
        if (pid == 0) {
            worker_signals();
            sigprocmask(SIG_SETMASK, &old_mask, NULL);
            prctl(PR_SET_PDEATHSIG, SIGTERM);   /* no orphan workers holding the port */
            if (getppid() != parent)
                _exit(1);                       /* the parent died before prctl */
            worker(sys, cfg, l, sh, started);
        }
        pids[started] = pid;
    }
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    /* The parent keeps no listener: a socket nobody accepts on would still get
     * its share of connections. */
    sys->close(l->fd);

    int running = started, forwarded = 0;
    if (r < 0) {
        for (int i = 0; i < started; i++)
            kill(pids[i], SIGTERM);
        forwarded = 1;
    }
    /* Poll rather than block in waitpid: a stop signal landing just before a
     * blocking wait would otherwise be missed until a worker exited. */
    while (running > 0) {
        if (sp_stop_requested && !forwarded) {
            for (int i = 0; i < started; i++)
                kill(pids[i], SIGTERM);
            forwarded = 1;
        }
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid == 0 || (pid < 0 && errno == EINTR)) {
            struct timespec pause = { .tv_sec = 0, .tv_nsec = 50 * 1000000L };
            nanosleep(&pause, NULL);
            continue;
        }
        if (pid < 0)
            break;
        running--;
        if ((!WIFEXITED(status) || WEXITSTATUS(status) != 0) && r == 0)
            r = -ECHILD;                    /* a worker died or failed: say so */
    }
    for (int i = 0; i < started; i++) {
        st->connections += sh->stats[i].connections;
        st->requests += sh->stats[i].requests;
        st->bad_requests += sh->stats[i].bad_requests;
        st->timeouts += sh->stats[i].timeouts;
        st->accept_errors += sh->stats[i].accept_errors;
        if (sh->result[i] < 0 && (r == 0 || r == -ECHILD))
            r = sh->result[i];              /* the worker's own reason beats ECHILD */
    }
    munmap(sh, sizeof *sh);
    return r;
}

const struct sp_model sp_model_reuseport = {
    .name = "reuseport",
    .summary = "N worker processes (default: one per CPU), each an epoll loop on its own SO_REUSEPORT listener",
    .listen_flags = SP_LISTEN_NONBLOCK | SP_LISTEN_REUSEPORT | SP_LISTEN_DEFER | SP_LISTEN_DELACK,
    .available = NULL,
    .run = reuseport_run,
};
