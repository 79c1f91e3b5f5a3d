/*
 * bench/micro/bench_syscalls.cc — bench-syscalls: what one system call costs
 * on each path.
 *
 * Rows (all single-threaded, ns per call):
 *   syscall/<op>/<path>           path = asm, raw, libc (sp_sys_all), called
 *                                 through struct sp_sys as the server does;
 *                                 op = getppid, close_badfd, write_devnull,
 *                                 read_devzero, socket_close, accept_eagain
 *   syscall/getppid/libc_syscall  glibc's generic syscall()
 *   syscall/getppid/int80         the legacy 32-bit entry (if the kernel has it)
 *   syscall/clock_gettime/vdso    vs /raw: the vDSO against a real kernel entry
 *   syscall/nop/indirect          a table call that enters no kernel: the
 *                                 interface's own cost
 *   uring/nop/batch<N>            io_uring NOPs, N per io_uring_enter (1, 8,
 *                                 32); items_per_second = NOPs per second
 *   syscall/wake_other_cpu/eventfd  ns per round trip with a partner thread on
 *                                 another CPU, each side blocked in read() on an
 *                                 eventfd until the other writes it: two
 *                                 cross-CPU wake-ups (an IPI each, and the
 *                                 idle CPU's way out of halt) and four syscalls
 *   syscall/wake_same_cpu/eventfd   the same with both threads on one CPU: two
 *                                 context switches, no IPI; the difference is
 *                                 what waking another CPU costs here, which a
 *                                 server under load pays per packet handed
 *                                 across (RPS) and per wake-up of its core
 * Every op's result is checked once before the timed loop (and socket_close's
 * in it), so a path that misbehaves is reported as an error, never timed.
 */
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef SYSPATH_HAVE_LIBURING
#include <liburing.h>
#endif

#include "micro.h"
#include "paths.h"
#include "syspath/sys.h"

using sp_micro::note;
using sp_micro::Row;

namespace {

/* Hide a table's address from the optimiser: after this the compiler knows
 * nothing about what the pointer points to, so it cannot turn the indirect
 * call into a direct one (not even with LTO). */
const struct sp_sys *opaque(const struct sp_sys *p)
{
    __asm__ volatile("" : "+r"(p));
    return p;
}

std::string errno_text(long neg)
{
    return std::string(strerror((int)-neg)) + " (" + std::to_string(neg) + ")";
}

/* ---- fixtures: setup / op / check / teardown (see micro.h) ---- */

struct Getppid {
    const struct sp_sys *sys;
    std::string setup()
    {
        sys = opaque(sys);
        long r = sys->getppid();
        if (r != (long)getppid())
            return "getppid returned " + std::to_string(r) + ", expected " +
                   std::to_string((long)getppid());
        return "";
    }
    void op() { benchmark::DoNotOptimize(sys->getppid()); }
    std::string check() { return ""; }
    void teardown() {}
};

struct CloseBadfd {
    const struct sp_sys *sys;
    std::string setup()
    {
        sys = opaque(sys);
        long r = sys->close(-1);
        return r == -EBADF ? "" : "close(-1) returned " + std::to_string(r) + ", expected -EBADF";
    }
    void op() { benchmark::DoNotOptimize(sys->close(-1)); }
    std::string check() { return ""; }
    void teardown() {}
};

/* write 1 byte to /dev/null, or read 64 bytes from /dev/zero. */
struct DevIo {
    const struct sp_sys *sys;
    bool writing;
    int fd = -1;
    char buf[64] = {0};
    std::string setup()
    {
        sys = opaque(sys);
        const char *path = writing ? "/dev/null" : "/dev/zero";
        fd = open(path, (writing ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
        if (fd < 0)
            return std::string("cannot open ") + path + ": " + strerror(errno);
        long want = writing ? 1 : (long)sizeof buf;
        long r = writing ? sys->write(fd, buf, 1) : sys->read(fd, buf, sizeof buf);
        if (r != want) {
            teardown();
            return std::string(writing ? "write" : "read") + " returned " + std::to_string(r) +
                   ", expected " + std::to_string(want);
        }
        return "";
    }
    void op()
    {
        if (writing)
            benchmark::DoNotOptimize(sys->write(fd, buf, 1));
        else
            benchmark::DoNotOptimize(sys->read(fd, buf, sizeof buf));
        benchmark::ClobberMemory();
    }
    std::string check() { return ""; }
    void teardown()
    {
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
};

struct SocketClose {
    const struct sp_sys *sys;
    long failed = 0;
    std::string setup()
    {
        sys = opaque(sys);
        failed = 0;
        return "";
    }
    void op()
    {
        long fd = sys->socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) {
            failed = fd;   /* e.g. -EMFILE: reported by check(), never timed as success */
            return;
        }
        sys->close((int)fd);
    }
    std::string check() { return failed ? "socket() failed: " + errno_text(failed) : ""; }
    void teardown() {}
};

/* accept4 on a non-blocking listener on 127.0.0.1 (a port the kernel picks)
 * with nothing queued: the kernel's full accept path up to "no connection". */
struct AcceptEagain {
    const struct sp_sys *sys;
    int fd = -1;
    std::string setup()
    {
        sys = opaque(sys);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return std::string("socket: ") + strerror(errno);
        struct sockaddr_in a;
        std::memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 16) < 0) {
            std::string why = std::string("bind/listen on 127.0.0.1:0: ") + strerror(errno);
            teardown();
            return why;
        }
        long r = sys->accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (r != -EAGAIN) {
            if (r >= 0)
                close((int)r);
            teardown();
            return "accept4 on an empty listener returned " + std::to_string(r) +
                   ", expected -EAGAIN";
        }
        return "";
    }
    void op() { benchmark::DoNotOptimize(sys->accept4(fd, nullptr, nullptr, SOCK_CLOEXEC)); }
    std::string check() { return ""; }
    void teardown()
    {
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
};

/* A direct call to one of paths.h's getppid variants. */
struct GetppidFn {
    long (*fn)(void);
    std::string setup()
    {
        long r = fn();
        if (r != (long)getppid())
            return "getppid returned " + std::to_string(r) + ", expected " +
                   std::to_string((long)getppid());
        return "";
    }
    void op() { benchmark::DoNotOptimize(fn()); }
    std::string check() { return ""; }
    void teardown() {}
};

struct ClockGettime {
    long (*fn)(int, void *);
    struct timespec ts = {0, 0};
    std::string setup()
    {
        long r = fn(CLOCK_MONOTONIC, &ts);
        return r == 0 ? "" : "clock_gettime failed: " + errno_text(r);
    }
    void op()
    {
        benchmark::DoNotOptimize(fn(CLOCK_MONOTONIC, &ts));
        benchmark::ClobberMemory();
    }
    std::string check() { return ""; }
    void teardown() {}
};

/* The interface's own cost: an indirect call through a struct sp_sys whose
 * op returns at once. */
struct NopIndirect {
    const struct sp_sys *sys;
    std::string setup()
    {
        sys = opaque(&sp_bench_nop_sys);
        return "";
    }
    void op() { benchmark::DoNotOptimize(sys->getppid()); }
    std::string check() { return ""; }
    void teardown() {}
};

/* One op() is a round trip with a partner thread: write our eventfd, block in
 * read() on the partner's until it answers. The partner blocks in read() on
 * ours and answers each write with one of its own. other_cpu: the two threads
 * pinned to two CPUs (the first two this process may use), so every wake-up
 * crosses CPUs; else both on the first. State lives on the heap: the fixture
 * is copied, the thread must not be. */
struct PingPong {
    bool other_cpu;
    struct State {
        int ping = -1, pong = -1;      /* we write ping, the partner writes pong */
        pthread_t partner;
        bool started = false;
        cpu_set_t saved;               /* this thread's affinity before setup */
        bool restore = false;
    };
    static constexpr uint64_t STOP = 1ull << 40;   /* the partner's signal to return */
    State *s = nullptr;
    long failed = 0;

    static void *partner_main(void *arg)
    {
        State *st = (State *)arg;
        uint64_t v, one = 1;
        for (;;) {
            if (read(st->ping, &v, sizeof v) != (ssize_t)sizeof v || v >= STOP)
                return nullptr;
            if (write(st->pong, &one, sizeof one) != (ssize_t)sizeof one)
                return nullptr;
        }
    }

    std::string setup()
    {
        failed = 0;
        if (sp_micro::under_valgrind())
            return "valgrind runs one thread at a time: no wake-up to count";
        cpu_set_t allowed;
        if (sched_getaffinity(0, sizeof allowed, &allowed) < 0)
            return std::string("sched_getaffinity: ") + strerror(errno);
        int cpus[2] = {-1, -1}, n = 0;
        for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
            if (CPU_ISSET(c, &allowed))
                cpus[n++] = c;
        if (other_cpu && n < 2)
            return "one CPU only: no other CPU to wake";
        s = new State;
        s->saved = allowed;
        cpu_set_t mine, theirs;
        CPU_ZERO(&mine);
        CPU_SET(cpus[0], &mine);
        CPU_ZERO(&theirs);
        CPU_SET(other_cpu ? cpus[1] : cpus[0], &theirs);
        s->ping = eventfd(0, EFD_CLOEXEC);
        s->pong = eventfd(0, EFD_CLOEXEC);
        if (s->ping < 0 || s->pong < 0) {
            std::string why = std::string("eventfd: ") + strerror(errno);
            teardown();
            return why;
        }
        if (sched_setaffinity(0, sizeof mine, &mine) < 0) {
            std::string why = std::string("sched_setaffinity: ") + strerror(errno);
            teardown();
            return why;
        }
        s->restore = true;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setaffinity_np(&attr, sizeof theirs, &theirs);
        int r = pthread_create(&s->partner, &attr, partner_main, s);
        pthread_attr_destroy(&attr);
        if (r != 0) {
            teardown();
            return std::string("pthread_create: ") + strerror(r);
        }
        s->started = true;
        op();   /* one round trip before timing: the partner is up and answers */
        if (failed) {
            std::string why = check();
            teardown();
            return why;
        }
        return "";
    }
    void op()
    {
        uint64_t one = 1, v;
        if (write(s->ping, &one, sizeof one) != (ssize_t)sizeof one ||
            read(s->pong, &v, sizeof v) != (ssize_t)sizeof v)
            failed = failed ? failed : -errno;
    }
    std::string check() { return failed ? "eventfd round trip failed: " + errno_text(failed) : ""; }
    void teardown()
    {
        if (!s)
            return;
        if (s->started) {
            uint64_t stop = STOP;
            if (write(s->ping, &stop, sizeof stop) != (ssize_t)sizeof stop)
                pthread_cancel(s->partner);    /* it is blocked in read(): a cancellation point */
            pthread_join(s->partner, nullptr);
        }
        if (s->ping >= 0)
            close(s->ping);
        if (s->pong >= 0)
            close(s->pong);
        if (s->restore)
            sched_setaffinity(0, sizeof s->saved, &s->saved);
        delete s;
        s = nullptr;
    }
};

#ifdef SYSPATH_HAVE_LIBURING
/* N NOP submissions per io_uring_enter (io_uring_submit_and_wait submits and
 * waits for all N in one call), then all N completions reaped. */
struct UringNop {
    unsigned batch;
    struct io_uring *ring = nullptr;   /* heap: the fixture is copied, the ring must not be */
    long failed = 0;
    std::string setup()
    {
        failed = 0;
        ring = new struct io_uring;
        int r = io_uring_queue_init(64, ring, 0);
        if (r < 0) {
            delete ring;
            ring = nullptr;
            return "io_uring_queue_init: " + errno_text(r);
        }
        return "";
    }
    void op()
    {
        for (unsigned i = 0; i < batch; i++)
            io_uring_prep_nop(io_uring_get_sqe(ring));
        int r = io_uring_submit_and_wait(ring, batch);
        if (r != (int)batch && !failed)
            failed = r < 0 ? r : -EPROTO;
        unsigned head, seen = 0;
        struct io_uring_cqe *cqe;
        io_uring_for_each_cqe(ring, head, cqe)
        {
            if (cqe->res < 0 && !failed)
                failed = cqe->res;
            seen++;
        }
        io_uring_cq_advance(ring, seen);
    }
    std::string check()
    {
        return failed ? "io_uring NOP batch failed: " + errno_text(failed) : "";
    }
    void teardown()
    {
        if (ring) {
            io_uring_queue_exit(ring);
            delete ring;
            ring = nullptr;
        }
    }
};

/* "" when io_uring can be used here, else why not. */
std::string uring_unavailable()
{
    FILE *f = std::fopen("/proc/sys/kernel/io_uring_disabled", "r");
    if (f) {
        int v = 0;
        if (std::fscanf(f, "%d", &v) == 1 && v == 2) {
            std::fclose(f);
            return "io_uring disabled (/proc/sys/kernel/io_uring_disabled = 2)";
        }
        std::fclose(f);
    }
    struct io_uring ring;
    int r = io_uring_queue_init(8, &ring, 0);
    if (r < 0)
        return "io_uring_queue_init failed: " + errno_text(r) +
               (r == -EPERM ? " (io_uring_disabled = 1 and not permitted)" : "");
    io_uring_queue_exit(&ring);
    return "";
}
#endif

/* Does `int $0x80` work here? Try it in a child: a kernel without IA32
 * emulation kills the process (SIGSEGV) or returns -ENOSYS. "" if it works. */
std::string int80_unavailable()
{
    /* valgrind's amd64 emulator has no int $0x80 (the probe would die of
     * SIGILL, after a page of vex diagnostics) */
    if (sp_micro::under_valgrind())
        return "valgrind cannot run int $0x80 from 64-bit code";
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid < 0)
        return std::string("fork: ") + strerror(errno);
    if (pid == 0) {
        long r = sp_bench_int80_getppid();
        _exit(r == (long)getppid() ? 0 : r == -ENOSYS ? 3 : 4);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return std::string("waitpid: ") + strerror(errno);
    if (WIFSIGNALED(status))
        return std::string("int $0x80 killed the probe (") + strsignal(WTERMSIG(status)) +
               "): no IA32 emulation in this kernel";
    if (WEXITSTATUS(status) == 3)
        return "int $0x80 getppid returned -ENOSYS: IA32 emulation disabled";
    if (WEXITSTATUS(status) != 0)
        return "int $0x80 getppid returned a wrong value";
    return "";
}

std::string read_line(const char *path)
{
    char buf[256] = "";
    FILE *f = std::fopen(path, "r");
    if (!f)
        return "unknown";
    if (!std::fgets(buf, sizeof buf, f))
        buf[0] = 0;
    std::fclose(f);
    buf[strcspn(buf, "\n")] = 0;
    return buf[0] ? buf : "unknown";
}

std::vector<Row> rows()
{
    std::vector<Row> out;
    for (const struct sp_sys *const *s = sp_sys_all; *s; s++) {
        const struct sp_sys *sys = *s;
        const std::string p = sys->name;
        out.push_back(sp_micro::row("syscall/getppid/" + p, Getppid{sys}));
        out.push_back(sp_micro::row("syscall/close_badfd/" + p, CloseBadfd{sys}));
        out.push_back(sp_micro::row("syscall/write_devnull/" + p, DevIo{sys, true}));
        out.push_back(sp_micro::row("syscall/read_devzero/" + p, DevIo{sys, false}));
        out.push_back(sp_micro::row("syscall/socket_close/" + p, SocketClose{sys}));
        out.push_back(sp_micro::row("syscall/accept_eagain/" + p, AcceptEagain{sys}));
    }
    out.push_back(sp_micro::row("syscall/getppid/libc_syscall",
                                GetppidFn{sp_bench_libc_syscall_getppid}));
    std::string why = int80_unavailable();
    if (why.empty())
        out.push_back(sp_micro::row("syscall/getppid/int80", GetppidFn{sp_bench_int80_getppid}));
    else
        note("skipping syscall/getppid/int80: %s", why.c_str());
    benchmark::AddCustomContext("int80", why.empty() ? "available" : "unavailable: " + why);

    out.push_back(sp_micro::row("syscall/clock_gettime/vdso",
                                ClockGettime{sp_bench_vdso_clock_gettime}));
    out.push_back(sp_micro::row("syscall/clock_gettime/raw",
                                ClockGettime{sp_bench_raw_clock_gettime}));
    /* The vDSO reads the clock in user space only with a clocksource that
     * allows it (tsc, kvm-clock ...); say which one this run had. */
    benchmark::AddCustomContext(
        "clocksource",
        read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource"));
    out.push_back(sp_micro::row("syscall/nop/indirect", NopIndirect{}));
    out.push_back(sp_micro::row("syscall/wake_same_cpu/eventfd", PingPong{false}));
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) >= 2)
        out.push_back(sp_micro::row("syscall/wake_other_cpu/eventfd", PingPong{true}));
    else
        note("skipping syscall/wake_other_cpu/eventfd: one CPU only");

#ifdef SYSPATH_HAVE_LIBURING
    why = uring_unavailable();
    if (why.empty()) {
        for (unsigned n : {1u, 8u, 32u})
            out.push_back(sp_micro::row("uring/nop/batch" + std::to_string(n), UringNop{n},
                                        (long)n, 0, true));
    } else {
        note("skipping uring/nop/*: %s", why.c_str());
    }
#else
    why = "built without liburing (Debian: liburing-dev)";
    note("skipping uring/nop/*: %s", why.c_str());
#endif
    benchmark::AddCustomContext("io_uring", why.empty() ? "available" : "unavailable: " + why);
    return out;
}

const char help[] =
    "Times one system call on each path: syscall/<op>/<path> for the struct sp_sys\n"
    "backends (asm, raw, libc) and ops getppid, close_badfd, write_devnull,\n"
    "read_devzero, socket_close, accept_eagain; syscall/getppid/libc_syscall and\n"
    "/int80, syscall/clock_gettime/vdso and /raw, syscall/nop/indirect (the table\n"
    "call alone), uring/nop/batch1|8|32 (io_uring NOPs; items_per_second = NOPs/s),\n"
    "syscall/wake_other_cpu/eventfd and /wake_same_cpu/eventfd (ns per round trip\n"
    "with a partner thread blocked on an eventfd, on another CPU or on the same).\n"
    "Rows this machine cannot run (int 0x80 without IA32 emulation, io_uring\n"
    "disabled) are left out with a line on stderr and a note in the JSON context.\n"
    "Each row runs for --benchmark_min_time x 0.2 seconds (0.1 s by default).\n"
    "  -h, --help               this text\n";

} // namespace

int main(int argc, char **argv)
{
    sp_micro::Program prog;
    prog.name = "bench-syscalls";
    prog.help = help;
    prog.rows = rows;
    /* ~30 rows: 0.1 s each (by default) holds tens of thousands of calls
     * even where a kernel entry costs microseconds, and 9 interleaved
     * repetitions of every row stay near half a minute of timed work. */
    prog.min_time_share = 0.2;
    return sp_micro::run(prog, argc, argv);
}
