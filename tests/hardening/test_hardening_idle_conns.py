#!/usr/bin/python3
"""An event model keeps serving while 500 idle connections are open: 200
silent ones (connected, nothing sent), 150 with a partial request head, 150
idle keep-alive connections that had one answer. A fresh GET must answer
within a generous 2 s (behaviour, not speed: a model that served one
connection at a time would wait for the timeouts, 60 s here). Afterwards the
held connections still work: the partial heads are completed and answered,
the keep-alive ones send a second request.

Not for iterative: it serves one connection at a time by design.

usage: test_hardening_idle_conns.py BACKEND MODEL
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import (backend_and_model, check, connect, get, model_unavailable, read_response, run, skip,
                    syspath_server)

SILENT, PARTIAL, KEEPALIVE = 200, 150, 150
PROMPT = 2.0
REQ = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def main():
    backend, model = backend_and_model()
    srv = syspath_server(backend, model, "--header-timeout", "60", "--idle-timeout", "60")
    port = srv.port
    silent = [connect(port) for _ in range(SILENT)]
    partial = []
    for _ in range(PARTIAL):
        s = connect(port)
        s.sendall(b"GET / HTTP/1.1\r\nHo")
        partial.append(s)
    keep = []
    for _ in range(KEEPALIVE):
        s = connect(port)
        s.sendall(REQ)
        status, _, _ = read_response(s)
        check(status == 200, "request on a connection to be kept idle", 200, status)
        keep.append(s)

    worst = 0.0
    for i in range(5):
        t0 = time.monotonic()
        status, _, _ = get(port, "/", {"Connection": "close"})
        took = time.monotonic() - t0
        worst = max(worst, took)
        check(status == 200, f"fresh GET {i + 1} with 500 idle connections open", 200, status)
    check(worst < PROMPT, "fresh GETs answered promptly beside 500 idle connections",
          f"< {PROMPT} s", f"{worst:.2f} s")
    print(f"{SILENT + PARTIAL + KEEPALIVE} idle connections open; 5 fresh GETs, slowest {worst * 1000:.0f} ms")

    for i, s in enumerate(partial):
        s.sendall(b"st: x\r\n\r\n")
    for i, s in enumerate(partial):
        status, _, _ = read_response(s)
        check(status == 200, f"partial head {i} completed later", 200, status)
    for i, s in enumerate(keep):
        s.sendall(REQ)
    for i, s in enumerate(keep):
        status, _, _ = read_response(s)
        check(status == 200, f"second request on idle keep-alive connection {i}", 200, status)
    for s in silent + partial + keep:
        s.close()
    check(srv.proc.poll() is None, "server still running", "running", srv.proc.returncode)
    rc = srv.stop()
    check(rc == 0, "exit status after SIGTERM", 0, rc)


run(main)
