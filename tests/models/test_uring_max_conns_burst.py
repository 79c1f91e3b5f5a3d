#!/usr/bin/python3
"""--max-conns N with more clients than N connecting at once: a multishot
accept may hand the server more connections than it wants before its cancel
takes effect. Exactly N clients are answered, the rest are closed unanswered,
the server exits 0, and --stats counts exactly N connections and N requests.

usage: test_uring_max_conns_burst.py MODEL   (registered for uring)
"""
import os
import socket
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import check, load_json, recv_until_close, run, skip, syspath_server, model_unavailable

N, CLIENTS = 4, 12


def main():
    model = sys.argv[1] if len(sys.argv) > 1 else "uring"
    why = model_unavailable(model)
    if why:
        skip(f"model {model} unavailable here: {why}")
    with tempfile.TemporaryDirectory() as tmp:
        stats = os.path.join(tmp, "stats.json")
        srv = syspath_server("libc", model, "--max-conns", str(N), "--stats", stats)
        # Connect all first, then send all: with deferred accept a connection
        # reaches accept only with its request, so the requests arrive in one
        # burst, and the server may exit before the last ones are sent.
        clients = [socket.create_connection(("127.0.0.1", srv.port), timeout=5) for _ in range(CLIENTS)]
        for s in clients:
            try:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            except OSError:
                pass                           # already reset: the server has served N and left
        answered = 0
        for s in clients:
            data = recv_until_close(s)
            answered += data.startswith(b"HTTP/1.1 200 OK")
            s.close()
        rc = srv.wait()
        check(rc == 0, f"exit status after --max-conns {N}", 0, rc)
        check(answered == N, f"clients answered of {CLIENTS}", N, answered)
        st = load_json(stats)
        check((st["connections"], st["requests"]) == (N, N), "stats connections, requests", (N, N),
              (st["connections"], st["requests"]))


run(main)
