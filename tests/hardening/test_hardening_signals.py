#!/usr/bin/python3
"""Signals, one backend x model:
  - SIGTERM and SIGINT stop the server within 2 s (it promises 1), exit 0, and
    --stats counts the finished connections; also with a keep-alive client
    connected and idle;
  - Ctrl-C in a terminal (SIGINT to the whole process group: for reuseport the
    workers get it too) stops it the same way, exit 0;
  - a second signal exits at once with 128+signal (the server is stopped with
    SIGSTOP, sent SIGTERM and SIGINT, then continued: both arrive together);
    reuseport's workers do not outlive it;
  - SIGPIPE is harmless: a client that resets with responses pending does not
    kill the server.

usage: test_hardening_signals.py BACKEND MODEL
"""
import os
import signal
import socket
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import (backend_and_model, check, connect, get, load_json, model_unavailable, proc_tree, read_response,
                    run, skip, syspath_server)

STOP_S = 2.0


def stop_time(srv, send):
    """Send the signal(s) with send(), return (exit status, seconds to exit)."""
    t0 = time.monotonic()
    send()
    rc = srv.wait(timeout=STOP_S + 3)
    return rc, time.monotonic() - t0


def served(backend, model, tmp, n, *extra, preexec_fn=None):
    stats = os.path.join(tmp, f"stats-{time.monotonic_ns()}.json")
    srv = syspath_server(backend, model, "--stats", stats, *extra, preexec_fn=preexec_fn)
    for _ in range(n):
        status, _, _ = get(srv.port, "/", {"Connection": "close"})
        check(status == 200, "GET before the signal", 200, status)
    return srv, stats


def stop_signals(backend, model, tmp):
    for sig in (signal.SIGTERM, signal.SIGINT):
        srv, stats = served(backend, model, tmp, 3)
        rc, took = stop_time(srv, lambda: srv.signal(sig))
        name = signal.Signals(sig).name
        check(rc == 0, f"exit status after {name} (and stderr)", 0, (rc, srv.stderr_now()))
        check(took < STOP_S, f"stopped within {STOP_S} s of {name}", f"< {STOP_S} s", f"{took:.2f} s")
        st = load_json(stats)
        check(st["connections"] == 3 and st["requests"] == 3, f"stats after {name}: connections, requests",
              (3, 3), (st["connections"], st["requests"]))
        print(f"{name}: exit 0 after {took * 1000:.0f} ms, 3 connections counted")


def stop_with_idle_keepalive(backend, model, tmp):
    srv, stats = served(backend, model, tmp, 0)
    s = connect(srv.port)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    status, _, _ = read_response(s)
    check(status == 200, "keep-alive request", 200, status)
    rc, took = stop_time(srv, lambda: srv.signal(signal.SIGTERM))
    check(rc == 0, "exit status after SIGTERM with an idle keep-alive client", 0, rc)
    check(took < STOP_S, "stopped within 2 s despite the idle keep-alive client", f"< {STOP_S} s",
          f"{took:.2f} s")
    s.settimeout(2)
    try:
        rest = s.recv(100)
    except ConnectionResetError:
        rest = b""
    s.close()
    check(rest == b"", "the keep-alive client sees its connection closed", b"", rest)
    st = load_json(stats)
    check(st["connections"] == 1 and st["requests"] == 1,
          "stats: the keep-alive connection closed at stop is counted", (1, 1),
          (st["connections"], st["requests"]))
    print(f"SIGTERM with an idle keep-alive client: exit 0 after {took * 1000:.0f} ms, connection counted")


def ctrl_c(backend, model, tmp):
    # a new session: the server and its workers are a process group, as under a shell
    srv, stats = served(backend, model, tmp, 2, preexec_fn=os.setsid)
    time.sleep(0.3)              # reuseport: let every worker start
    rc, took = stop_time(srv, lambda: os.killpg(srv.proc.pid, signal.SIGINT))
    err = srv.proc.stderr.read().decode(errors="replace").strip()
    check(rc == 0, "exit status after SIGINT to the process group (Ctrl-C)", 0, (rc, err))
    check(took < STOP_S, "stopped within 2 s of Ctrl-C", f"< {STOP_S} s", f"{took:.2f} s")
    st = load_json(stats)
    check(st["connections"] == 2, "stats connections after Ctrl-C", 2, st["connections"])
    print(f"Ctrl-C (SIGINT to the group): exit 0 after {took * 1000:.0f} ms")


def second_signal(backend, model, tmp):
    srv, stats = served(backend, model, tmp, 1)
    time.sleep(0.3)
    pids = proc_tree(srv.proc.pid)

    def both():
        srv.signal(signal.SIGSTOP)
        srv.signal(signal.SIGTERM)
        srv.signal(signal.SIGINT)
        srv.signal(signal.SIGCONT)      # both are delivered now, one after the other
    rc, took = stop_time(srv, both)
    check(rc in (128 + signal.SIGTERM, 128 + signal.SIGINT), "exit status after a second signal",
          "128+SIGINT or 128+SIGTERM (130 or 143)", rc)
    check(took < STOP_S, "exited at once on the second signal", f"< {STOP_S} s", f"{took:.2f} s")
    deadline = time.monotonic() + STOP_S
    alive = pids[1:]
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if running(p)]
        time.sleep(0.05)
    check(not alive, "no worker outlives the server", [], alive)
    print(f"second signal: exit {rc} after {took * 1000:.0f} ms"
          + (f", {len(pids) - 1} workers gone" if len(pids) > 1 else ""))


def running(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def sigpipe(backend, model, tmp):
    srv, stats = served(backend, model, tmp, 0)
    for _ in range(3):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", srv.port))
        s.setblocking(False)
        data = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 20000
        sent, t0 = 0, time.monotonic()
        while sent < len(data) and time.monotonic() - t0 < 0.5:
            try:
                sent += s.send(data[sent:sent + 65536])
            except BlockingIOError:
                time.sleep(0.01)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()                       # RST with responses pending: the server's next write fails
    time.sleep(0.3)
    check(srv.proc.poll() is None, "server alive after clients reset mid-response (SIGPIPE)",
          "running", srv.proc.returncode)
    status, _, _ = get(srv.port, "/", {"Connection": "close"})
    check(status == 200, "GET after the resets", 200, status)
    rc = srv.stop()
    check(rc == 0, "exit status (death by SIGPIPE would be -13)", 0, rc)
    print("three clients reset mid-response: server alive, exit 0")


def main():
    backend, model = backend_and_model()
    with tempfile.TemporaryDirectory() as tmp:
        stop_signals(backend, model, tmp)
        stop_with_idle_keepalive(backend, model, tmp)
        ctrl_c(backend, model, tmp)
        second_signal(backend, model, tmp)
        sigpipe(backend, model, tmp)


run(main)
