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
import os
import selectors
import signal
import subprocess
import time

_PR_SET_PDEATHSIG = 1
_children = []
_libc = None


def _die_with_parent():
    # runs in the child between fork and exec: only async-signal-safe work
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def spawn(argv, **kw):
    """subprocess.Popen(argv, **kw), tracked and tied to our lifetime."""
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL(None, use_errno=True)
        except OSError:
            _libc = False
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.Popen(argv, preexec_fn=_die_with_parent if _libc else None, **kw)
    _children.append(p)
    return p


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


def user_share(pid):
    """utime / (utime + stime) of pid from /proc/PID/stat (clock ticks: coarse,
    but a ratio over a second of busy CPU is good to a few percent). None if unknown."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ut, st = int(fields[11]), int(fields[12])
        return ut / (ut + st) if ut + st else None
    except (OSError, ValueError, IndexError):
        return None


def cpu_ns(pid):
    """Nanoseconds pid has spent on a CPU (user+system), from /proc/PID/schedstat
    (precise); falls back to /proc/PID/stat utime+stime (clock ticks). None if gone."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])     # utime, stime (fields 14, 15)
        return ticks * 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
