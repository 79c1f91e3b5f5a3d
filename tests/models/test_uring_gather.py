#!/usr/bin/python3
"""Gathering completions never holds a request for long: with 40 keep-alive
connections open the uring model's wait asks for 10 completions, but once one
is in, io_uring's min wait returns it after the gather wait (50 us). A lone
request among idle connections must therefore be answered at once, not at the
loop's 200 ms tick: 50 requests one after another on one connection finish
well within 5 s (at the tick they would take 10 s; answered at once, a few
milliseconds). Then all 40 connections send together and all are
answered, and --stats reports the gather wait in force. SKIP where the kernel
has no min wait (before Linux 6.12: the model does not gather there).

usage: test_uring_gather.py
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import check, connect, load_json, read_response, run, skip, syspath_server, model_unavailable

IDLE, SEQUENTIAL, BOUND_S = 40, 50, 5.0


def ask(s, path, close=False):
    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (path, b"Connection: close\r\n" if close else b""))
    status, _, _ = read_response(s)
    return status


def main():
    why = model_unavailable("uring")
    if why:
        skip(f"model uring unavailable here: {why}")
    with tempfile.TemporaryDirectory() as tmp:
        stats = os.path.join(tmp, "stats.json")
        srv = syspath_server("libc", "uring", "--max-conns", str(IDLE + 1), "--stats", stats)
        conns = [connect(srv.port) for _ in range(IDLE)]
        for i, s in enumerate(conns):          # accepted (deferred accept: once bytes arrive) and open
            check(ask(s, b"/open%d" % i) == 200, f"first request on idle connection {i}", 200)
        lone = connect(srv.port)
        t0 = time.monotonic()
        statuses = [ask(lone, b"/seq%d" % i) for i in range(SEQUENTIAL)]
        took = time.monotonic() - t0
        check(all(st == 200 for st in statuses), f"{SEQUENTIAL} sequential requests answered 200")
        print(f"{SEQUENTIAL} sequential requests beside {IDLE} idle connections: {took:.3f} s")
        check(took < BOUND_S, f"{SEQUENTIAL} sequential requests not held to the 200 ms tick",
              f"< {BOUND_S} s", f"{took:.1f} s")
        for s in conns:                        # all at once, then every answer
            s.sendall(b"GET /together HTTP/1.1\r\nHost: x\r\n\r\n")
        for i, s in enumerate(conns):
            status, _, _ = read_response(s)
            check(status == 200, f"connection {i} answered when all {IDLE} sent together", 200, status)
        for s in conns + [lone]:
            ask(s, b"/bye", close=True)
            s.close()
        check(srv.wait() == 0, "exit after --max-conns")
        st = load_json(stats)
        if not st.get("gather_us"):
            skip("the kernel has no io_uring min wait (Linux 6.12+): no gathering to test")
        check(st["gather_us"] == 50, "--stats reports the default gather wait", 50, st["gather_us"])
        check(st["requests"] == 2 * IDLE + SEQUENTIAL + IDLE + 1, "every request counted",
              2 * IDLE + SEQUENTIAL + IDLE + 1, st["requests"])


run(main)
