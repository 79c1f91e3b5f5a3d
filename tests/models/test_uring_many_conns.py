#!/usr/bin/python3
"""Many connections at once, each with requests in flight together: every
request on every connection is answered, in rounds, and the last round's
Connection: close ends each one; --stats counts them all. With few provided
buffers (SYSPATH_URING_BUFS=1) the ring runs dry (-ENOBUFS) and connections
fall back to one-shot recvs: the answers must not change.

usage: test_uring_many_conns.py MODEL   (registered for uring)
"""
import os
import resource
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import check, connect, load_json, read_response, recv_until_close, run, skip, \
    syspath_server, model_unavailable

CONNS, ROUNDS = 300, 3


def main():
    model = sys.argv[1] if len(sys.argv) > 1 else "uring"
    why = model_unavailable(model)
    if why:
        skip(f"model {model} unavailable here: {why}")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < CONNS + 64:
        if hard < CONNS + 64:
            skip(f"RLIMIT_NOFILE {hard} is too low for {CONNS} client sockets")
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))   # the server inherits it too
    with tempfile.TemporaryDirectory() as tmp:
        stats = os.path.join(tmp, "stats.json")
        srv = syspath_server("libc", model, "--max-conns", str(CONNS), "--stats", stats)
        conns = [connect(srv.port) for _ in range(CONNS)]
        for r in range(ROUNDS):
            last = r == ROUNDS - 1
            req = b"GET /%d HTTP/1.1\r\nHost: x\r\n%s\r\n" % (r, b"Connection: close\r\n" if last else b"")
            for s in conns:                    # all sent before any is read
                s.sendall(req)
            for i, s in enumerate(conns):
                status, _, body = read_response(s)
                check(status == 200 and body == b"Hello, World!\n", f"round {r} connection {i}",
                      (200, b"Hello, World!\n"), (status, body))
        for i, s in enumerate(conns):
            check(recv_until_close(s) == b"", f"connection {i} closed after Connection: close", b"", "more bytes")
            s.close()
        check(srv.wait(timeout=10) == 0, f"exit after --max-conns {CONNS}")
        st = load_json(stats)
        check((st["connections"], st["requests"]) == (CONNS, CONNS * ROUNDS), "stats connections, requests",
              (CONNS, CONNS * ROUNDS), (st["connections"], st["requests"]))


run(main)
