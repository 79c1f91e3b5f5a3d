#!/usr/bin/python3
"""Descriptor exhaustion, one backend x model. The server runs out of file
descriptors, so accept fails with EMFILE:
  - event models: RLIMIT_NOFILE 32 from the start, and more connections held
    open than that (each sends a byte, so TCP_DEFER_ACCEPT hands it over);
  - iterative holds one connection at a time, so clients cannot exhaust it:
    its limit is lowered (prlimit) to the descriptors it has open.
Then clients keep connecting for a while. The server must not spin (its CPU
over the flood, from /proc, stays under half a core: a generous bound, so
this is behaviour, not speed), must not crash, must shed the connections it
cannot take (they are closed, not left hanging), must count the failures in
--stats accept_errors, and must serve again once descriptors are free.

usage: test_hardening_emfile.py BACKEND MODEL
"""
import os
import resource
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import (backend_and_model, Failure, check, connect, cpu_seconds, fd_count, get, load_json, model_unavailable,
                    proc_tree, run, skip, syspath_server, wait_closed)

LIMIT = 32
WORKERS = 2
FLOOD_S = 1.5
MAX_CPU = 0.5           # share of one core while flooded


def low_limit():
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))


def flood(port, seconds):
    """Connect, send a GET and wait for the outcome, again and again.
    Returns (shed, answered): connections closed unanswered, and 200s."""
    shed = answered = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
        except OSError:
            shed += 1                       # refused or reset during the handshake
            continue
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        except OSError:
            pass
        data, closed_after = wait_closed(s, 3)
        s.close()
        check(closed_after is not None, "a connection the server cannot take is closed, not left hanging",
              "closed within 3 s", "still open")
        if data.startswith(b"HTTP/1.1 200 "):
            answered += 1
        else:
            shed += 1
        # a few hundred a second: enough to keep the accept queue busy, little
        # enough that shedding them costs the server a few percent of a core,
        # while a server spinning on accept would burn a whole one
        time.sleep(0.002)
    return shed, answered


def wait_listeners(port, n, timeout=5.0):
    """Wait until n sockets listen on port (reuseport: every worker has its own),
    so the held connections spread over all of them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open("/proc/net/tcp") as f:
            listening = sum(1 for l in f.readlines()[1:]
                            if l.split()[1].endswith(f":{port:04X}") and l.split()[3] == "0A")
        if listening >= n:
            return
        time.sleep(0.05)
    raise Failure(f"{n} listeners on port {port}: only {listening} after {timeout} s")


def main():
    backend, model = backend_and_model()
    with tempfile.TemporaryDirectory() as tmp:
        stats = os.path.join(tmp, "stats.json")
        extra = ["--header-timeout", "60", "--idle-timeout", "60", "--stats", stats]
        held, saved_limit = [], None
        if model == "iterative":
            srv = syspath_server(backend, model, *extra)
            pid = srv.proc.pid
            # one answered request, read until the server's close: it is back in its
            # accept loop, its spare taken and that connection's descriptor freed
            with connect(srv.port) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                data, closed = wait_closed(s, 5)
            check(data.startswith(b"HTTP/1.1 200 ") and closed is not None,
                  "GET before the limit is lowered, then close", "200, closed", data[:20])
            saved_limit = resource.prlimit(pid, resource.RLIMIT_NOFILE)
            # the lowest free descriptor number: a new one can only be below the
            # limit, and every lower one is taken (its spare included)
            fds = {int(fd) for fd in os.listdir(f"/proc/{pid}/fd")}
            n = min(set(range(len(fds) + 1)) - fds)
            # the soft limit only: raising a hard limit again needs CAP_SYS_RESOURCE
            resource.prlimit(pid, resource.RLIMIT_NOFILE, (n, saved_limit[1]))
            print(f"iterative: limit lowered to {n}, its lowest free descriptor "
                  f"(open: {sorted(fds)})")
        else:
            if model == "reuseport":
                extra += ["--workers", str(WORKERS)]
            srv = syspath_server(backend, model, *extra, preexec_fn=low_limit)
            workers = WORKERS if model == "reuseport" else 1
            wait_listeners(srv.port, workers)
            # each holds a byte of a request head, so the server must keep it open
            for _ in range(2 * LIMIT * workers):
                s = connect(srv.port)
                s.sendall(b"G")
                held.append(s)
            time.sleep(0.5)
            fds = [fd_count(p) for p in proc_tree(srv.proc.pid)]
            print(f"{len(held)} connections held; server processes' descriptors: {fds} (limit {LIMIT})")
        port = srv.port

        pids = proc_tree(srv.proc.pid)
        cpu0, t0 = cpu_seconds(pids), time.monotonic()
        shed, answered = flood(port, FLOOD_S)
        cpu1, t1 = cpu_seconds(pids), time.monotonic()
        share = (cpu1 - cpu0) / (t1 - t0)
        print(f"flood: {shed} connections shed, {answered} answered in {t1 - t0:.1f} s; "
              f"server CPU {share * 100:.0f}% of one core")
        check(srv.proc.poll() is None, "server alive after the flood", "running", srv.proc.returncode)
        check(shed > 0, "connections refused while out of descriptors", "> 0", shed)
        check(share < MAX_CPU, "server CPU while out of descriptors (no spinning on accept)",
              f"< {MAX_CPU * 100:.0f}% of a core", f"{share * 100:.0f}%")

        # quiet now, still exhausted: nothing may spin either
        cpu0, t0 = cpu_seconds(pids), time.monotonic()
        time.sleep(1.0)
        share = (cpu_seconds(pids) - cpu0) / (time.monotonic() - t0)
        check(share < MAX_CPU, "server CPU while exhausted and quiet", f"< {MAX_CPU * 100:.0f}%",
              f"{share * 100:.0f}%")

        # descriptors come back: it serves again
        if saved_limit:
            resource.prlimit(srv.proc.pid, resource.RLIMIT_NOFILE, saved_limit)
        for s in held:
            s.close()
        deadline, status = time.monotonic() + 5, None
        while time.monotonic() < deadline:
            try:
                status, _, _ = get(port, "/", {"Connection": "close"})
                if status == 200:
                    break
            except (OSError, Failure):
                pass                      # shed while the held connections were being closed
            time.sleep(0.05)
        check(status == 200, "GET once descriptors are free again", 200, status)
        rc = srv.stop()
        check(rc == 0, "exit status after SIGTERM", 0, rc)
        st = load_json(stats)
        check(st["accept_errors"] > 0, "stats accept_errors (EMFILE counted)", "> 0", st["accept_errors"])
        print(f"stats: accept_errors {st['accept_errors']}, connections {st['connections']}, "
              f"requests {st['requests']}")


run(main)
