"""scripts/lib/bench_proc.py — child processes that cannot outlive scripts/bench.

Every server, wrk, nginx or benchmark binary scripts/bench starts goes through
spawn(), which
  - records it, so kill_all() (run from a finally block and from the SIGINT /
    SIGTERM / SIGHUP handlers) can stop every one of them;
  - sets PR_SET_PDEATHSIG=SIGKILL in the child, so even a SIGKILL of the
    driver (which no handler sees) takes the children with it;
  - gives every wait a deadline: nothing here blocks without one.
"""
import ctypes
import fcntl
import os
import selectors
import signal
import socket
import struct
import subprocess
import time

_PR_SET_PDEATHSIG = 1
_children = []
_libc = None


def _die_with_parent(parent):
    # runs in the child between fork and exec: only async-signal-safe work.
    # A parent killed after the fork and before the prctl sends no signal (the
    # child is already another's): then the parent is no longer `parent`, and
    # the child goes at once. A driver SIGKILLed as a namespace holder was
    # being started left that holder behind for good, once in many runs.
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)


_CLONE_NEWNET = 0x40000000
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1


def _die_with_parent_in_own_netns(parent):
    """In the child: as _die_with_parent, then a network namespace of its own
    with its loopback up, so the TCP counters of that namespace count this
    child's traffic and nobody else's. An exception here fails the Popen."""
    _die_with_parent(parent)
    if _libc.unshare(_CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifr = fcntl.ioctl(s, _SIOCGIFFLAGS, struct.pack("16sH22x", b"lo", 0))
        flags = struct.unpack("16sH22x", ifr)[1] | _IFF_UP
        fcntl.ioctl(s, _SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags))


def spawn(argv, own_netns=False, **kw):
    """subprocess.Popen(argv, **kw), tracked and tied to our lifetime.
    own_netns: the child starts in a network namespace of its own (root only;
    see own_netns_works), reachable through join_netns(pid)."""
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL(None, use_errno=True)
        except OSError:
            _libc = False
    kw.setdefault("stdin", subprocess.DEVNULL)
    parent = os.getpid()
    pre = (lambda: _die_with_parent(parent)) if _libc else None
    if own_netns:
        pre = lambda: _die_with_parent_in_own_netns(parent)   # noqa: E731
    p = subprocess.Popen(argv, preexec_fn=pre, **kw)
    _children.append(p)
    return p


_own_netns = None


def own_netns_works():
    """Whether spawn(own_netns=True) works here (it needs CAP_SYS_ADMIN) and
    nsenter can join such a namespace; asked once."""
    global _own_netns
    if _own_netns is None:
        _own_netns = False
        try:
            p = spawn(["sleep", "5"], own_netns=True)
        except (OSError, subprocess.SubprocessError, AttributeError):
            return False
        try:
            r = subprocess.run(join_netns(p.pid) + ["true"], capture_output=True, timeout=5)
            _own_netns = r.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            stop(p, signal.SIGKILL)
    return _own_netns


def join_netns(pid):
    """The argv prefix that runs a command in pid's network namespace."""
    return ["nsenter", "--net=/proc/%d/ns/net" % pid, "--"]


def listening(pid, port):
    """Whether a socket in pid's network namespace listens on TCP port
    (/proc/PID/net/tcp and tcp6, state 0A)."""
    want = ":%04X" % port
    for name in ("tcp", "tcp6"):
        try:
            with open("/proc/%d/net/%s" % (pid, name)) as f:
                next(f, None)
                for line in f:
                    fields = line.split()
                    if len(fields) > 3 and fields[1].endswith(want) and fields[3] == "0A":
                        return True
        except OSError:
            continue
    return False


def forget(p):
    if p in _children:
        _children.remove(p)


def stop(p, sig=signal.SIGTERM, grace=3.0):
    """Send sig, wait up to grace seconds, then SIGKILL. Returns (returncode, clean):
    clean is False when it had to be killed."""
    clean = True
    if p.poll() is None:
        try:
            p.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            clean = False
            p.kill()
            p.wait()
    forget(p)
    return p.returncode, clean


def kill_all():
    """SIGKILL and reap every child still running (the trap's job)."""
    for p in list(_children):
        try:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        forget(p)


class Interrupted(Exception):
    pass


def install_traps():
    """Turn SIGINT/SIGTERM/SIGHUP into an exception, so finally blocks run and
    kill_all() stops the children; the caller exits 130."""
    def handler(signum, frame):
        raise Interrupted(signal.Signals(signum).name)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, handler)


def read_line(p, timeout):
    """The first line p writes on stdout (a pipe), within timeout seconds; None if
    it does not come (or p exits first)."""
    fd = p.stdout.fileno()
    buf = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                return None
            buf += chunk
    return buf.split(b"\n", 1)[0].decode(errors="replace")


def run_timed(argv, timeout, stdout, stderr=subprocess.STDOUT, env=None):
    """Run argv to completion (killed after timeout seconds) and return
    (returncode, timed_out, rusage, wall_s). rusage is the child's own
    (os.wait4), so a client's CPU time is measured, not guessed."""
    t0 = time.monotonic()
    p = spawn(argv, stdout=stdout, stderr=stderr, env=env)
    deadline = t0 + timeout
    timed_out = False
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid == p.pid:
            break
        if time.monotonic() > deadline:
            timed_out = True
            p.kill()
            pid, status, ru = os.wait4(p.pid, 0)
            break
        time.sleep(0.02)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    forget(p)
    return p.returncode, timed_out, ru, wall


def stat_ticks(pid):
    """(utime, stime) of pid in clock ticks from /proc/PID/stat; None if gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]), int(fields[12])         # fields 14 and 15 of stat(5)
    except (OSError, ValueError, IndexError):
        return None


# ---------------------------------------------------------------------------
# the window meter: a server's CPU, context switches and the machine's
# counters, read at the two edges of a measured window

def process_tree(pid):
    """[pid] and every descendant still running (reuseport workers, nginx
    workers), found through the ppid field of /proc/*/stat: this kernel may be
    built without /proc/PID/task/TID/children."""
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return sorted(out)


_getcpuclockid = None


def _process_clock_ns(pid):
    """CPU time of the whole process pid in ns: clock_gettime on its
    clock_getcpuclockid() clock, which the kernel reads as the sum of
    sum_exec_runtime over the thread group, threads that already exited
    included. None where that clock is not available."""
    global _getcpuclockid
    if _getcpuclockid is None:
        try:
            fn = ctypes.CDLL(None, use_errno=True).clock_getcpuclockid
            fn.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
            _getcpuclockid = fn
        except (OSError, AttributeError):
            _getcpuclockid = False
    if not _getcpuclockid:
        return None
    cid = ctypes.c_int()
    if _getcpuclockid(pid, ctypes.byref(cid)) != 0:
        return None
    try:
        return time.clock_gettime_ns(cid.value)
    except OSError:
        return None


def _tasks(pid):
    try:
        return [int(t) for t in os.listdir("/proc/%d/task" % pid)]
    except (OSError, ValueError):
        return []


def _schedstat_ns(pid):
    """Sum of /proc/PID/task/TID/schedstat's first field (ns on a CPU) over pid's
    live threads; None if any cannot be read."""
    total = 0
    for tid in _tasks(pid):
        try:
            with open("/proc/%d/task/%d/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None
    return total


def _ticks_ns(pid):
    ticks = stat_ticks(pid)
    return sum(ticks) * 1_000_000_000 // os.sysconf("SC_CLK_TCK") if ticks else None


# the instruments, best first: (what the row's server_cpu_source says, reader)
CPU_METERS = (
    ("process CPU clock (clock_gettime on clock_getcpuclockid: the kernel's "
     "sum_exec_runtime of every thread, exited ones included; ns)", _process_clock_ns),
    ("/proc/PID/task/TID/schedstat summed over live threads (ns)", _schedstat_ns),
    ("/proc/PID/stat utime+stime (clock ticks of %d ms)" % (1000 // os.sysconf("SC_CLK_TCK")),
     _ticks_ns),
)


def _ctx_switches(pid):
    """voluntary + involuntary context switches summed over pid's live threads."""
    total = 0
    for tid in _tasks(pid):
        try:
            with open("/proc/%d/task/%d/status" % (pid, tid)) as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches:",
                                        "nonvoluntary_ctxt_switches:")):
                        total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total


def server_snapshot(pid):
    """What a server (pid and its descendants) has used so far:
    {"pids", "tasks", "cpu_ns", "cpu_source", "ctx_switches"}; cpu_ns is None
    when no instrument could read every process."""
    pids = process_tree(pid)
    snap = {"pids": pids, "tasks": sum(len(_tasks(p)) for p in pids),
            "cpu_ns": None, "cpu_source": None,
            "ctx_switches": sum(_ctx_switches(p) for p in pids)}
    for source, read in CPU_METERS:
        vals = [read(p) for p in pids]
        if vals and all(v is not None for v in vals):
            snap["cpu_ns"], snap["cpu_source"] = sum(vals), source
            break
    return snap


def per_cpu_counts(path, cpus, label=None):
    """{cpu: count} from a per-CPU table of /proc (/proc/interrupts, /proc/softirqs: a header of
    CPU names, then one line per source with a count per CPU): the line whose first field is
    label, or every line summed when label is None (each interrupt source, IPIs included).
    None when unreadable or cpus is None."""
    if cpus is None:
        return None
    try:
        with open(path) as f:
            head = f.readline().split()
            col = {int(name[3:]): i for i, name in enumerate(head) if name.startswith("CPU")}
            out = {c: 0 for c in cpus}
            for line in f:
                parts = line.split()
                if not parts or (label is not None and parts[0] != label):
                    continue
                for c in cpus:
                    i = col[c] + 1              # + 1: the source's name comes first
                    if i < len(parts) and parts[i].isdigit():
                        out[c] += int(parts[i])
            return out
    except (OSError, ValueError, KeyError):
        return None


def machine_snapshot(cpus, pid):
    """Counters beyond the server: clock ticks of /proc/stat on the given CPUs
    (a list of ints; None = every CPU) and the TCP segments sent in pid's
    network namespace (/proc/PID/net/snmp Tcp OutSegs, every socket there).
    {"busy_ticks" (summed over cpus), "cpu_ticks" {cpu: {"busy", "steal",
    "total"}} (each CPU of cpus), "out_segs", "interrupts" and "net_rx" (see
    per_cpu_counts)}; a value is None when unreadable.
    busy is user nice system irq softirq (guest time is inside user); total
    adds idle, iowait and steal."""
    snap = {"busy_ticks": None, "cpu_ticks": {}, "out_segs": None,
            "interrupts": per_cpu_counts("/proc/interrupts", cpus),
            "net_rx": per_cpu_counts("/proc/softirqs", cpus, "NET_RX:")}
    names = ("cpu",) if cpus is None else tuple("cpu%d" % c for c in cpus)
    try:
        with open("/proc/stat") as f:
            busy = 0
            for line in f:
                parts = line.split()
                if parts and parts[0] in names:
                    # user nice system idle iowait irq softirq steal
                    v = [int(x) for x in parts[1:9]] + [0] * (9 - len(parts))
                    b = v[0] + v[1] + v[2] + v[5] + v[6]
                    busy += b
                    if cpus is not None:
                        snap["cpu_ticks"][int(parts[0][3:])] = {
                            "busy": b, "steal": v[7], "total": b + v[3] + v[4] + v[7]}
            snap["busy_ticks"] = busy
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open("/proc/%d/net/snmp" % pid) as f:
            tcp = [line.split() for line in f if line.startswith("Tcp:")]
        snap["out_segs"] = int(tcp[1][tcp[0].index("OutSegs")])
    except (OSError, ValueError, IndexError):
        pass
    return snap


def last_line(path):
    """A log file's last line (what a child said last before it died), or None."""
    try:
        with open(path, errors="replace") as f:
            lines = f.read().strip().splitlines()
        return lines[-1] if lines else None
    except OSError:
        return None
