#!/usr/bin/python3
"""SIGTERM while connections have operations in flight on the ring (idle
keep-alive connections waiting in recv, a half-sent request head, fresh
connections never answered): the server cancels them, closes every one, exits
0 within the bound, counts them all as served, and the clients see the close.

usage: test_uring_stop_cancels.py MODEL   (registered for uring)
"""
import os
import signal
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import check, connect, load_json, read_response, run, skip, syspath_server, model_unavailable

CONNS = 40


def main():
    model = sys.argv[1] if len(sys.argv) > 1 else "uring"
    why = model_unavailable(model)
    if why:
        skip(f"model {model} unavailable here: {why}")
    with tempfile.TemporaryDirectory() as tmp:
        stats = os.path.join(tmp, "stats.json")
        srv = syspath_server("libc", model, "--stats", stats)
        conns = [connect(srv.port) for _ in range(CONNS)]
        for s in conns[:20]:                   # answered once, now idle in keep-alive
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            status, _, _ = read_response(s)
            check(status == 200, "keep-alive GET", 200, status)
        for s in conns[20:30]:                 # a head begun, never finished
            s.sendall(b"GET / HTTP/1.1\r\nHo")
        # conns[30:] never send: with deferred accept they may not even be accepted yet
        time.sleep(0.3)
        t0 = time.monotonic()
        srv.signal(signal.SIGTERM)
        rc = srv.wait(timeout=3)
        took = time.monotonic() - t0
        check(rc == 0, "exit status after SIGTERM", 0, rc)
        check(took < 2.0, "stopped within 2 s (generous: the contract says 1 s)", "< 2 s", f"{took:.2f} s")
        st = load_json(stats)
        check(30 <= st["connections"] <= CONNS, "connections counted (the 30 that sent, maybe the silent ones)",
              f"30..{CONNS}", st["connections"])
        check(st["requests"] == 20 and st["timeouts"] == 0, "stats requests, timeouts", (20, 0),
              (st["requests"], st["timeouts"]))
        for i, s in enumerate(conns[:30]):
            s.settimeout(2)
            try:
                data = s.recv(100)
            except ConnectionResetError:
                data = b""
            check(data == b"", f"connection {i} closed by the server", b"", data)
            s.close()


run(main)
