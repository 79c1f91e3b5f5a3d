#!/usr/bin/python3
"""Ten keep-alive connections at once are all answered promptly, whatever the
model: none waits behind another that the server keeps open.

  1. ten connections are opened, then each sends one HTTP/1.1 request (which
     asks for keep-alive by default); every one must be answered within 1 s;
  2. each sends a second request: on the same connection if its first answer
     kept it alive (it must then be answered there), else on a new connection
     after the server closed the old one. Every answer again within 1 s.

Models that keep connections (epoll, uring, reuseport) must keep all ten.
iterative answers "Connection: close" while another client waits, so it may
close some; the last connection it serves must stay alive. syspath-asm-server
closes after every answer and says so.

usage: test_concurrent_keepalive.py BACKEND MODEL
       test_concurrent_keepalive.py syspath-asm-server
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from sptest import (backend_and_model, check, connect, read_response, run, server_path,
                    syspath_server, wait_closed, Server)

N = 10
LIMIT = 1.0
REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def answer_all(socks, what):
    """Read one response from each socket, every one within LIMIT seconds of
    now (the requests were just sent). Returns whether each was kept alive."""
    start = time.monotonic()
    kept = []
    for i, s in enumerate(socks):
        late = f"{what}: connection {i} answered within {LIMIT} s"
        left = start + LIMIT - time.monotonic()
        check(left > 0, late, "an answer", f"only {len(kept)} of {len(socks)} answered")
        s.settimeout(left)
        try:
            status, headers, body = read_response(s)
        except socket.timeout:
            check(False, late, "an answer", f"only {len(kept)} of {len(socks)} answered")
        check(status == 200, f"{what}: connection {i} status", 200, status)
        check(body == b"Hello, World!\n", f"{what}: connection {i} body", b"Hello, World!\n", body)
        kept.append(headers.get("connection", "").lower() != "close")
    return kept


def main():
    if sys.argv[1] == "syspath-asm-server":
        srv = Server([server_path("syspath-asm-server"), "0"])
        model = "syspath-asm-server"
    else:
        backend, model = backend_and_model()
        srv = syspath_server(backend, model)

    socks = [connect(srv.port) for _ in range(N)]
    for s in socks:
        s.sendall(REQUEST)
    kept = answer_all(socks, f"{model}: first requests")

    if model in ("epoll", "uring", "reuseport"):
        check(all(kept), f"{model} keeps every connection alive", [True] * N, kept)
    elif model == "iterative":
        check(kept[-1], "iterative keeps the connection it served last (nobody waits then) alive",
              "the last kept", kept)
    else:
        check(not any(kept), "syspath-asm-server says Connection: close", [False] * N, kept)

    # Second round: the kept connections first (a client reuses what it
    # holds), then the closed ones: each must see the server's close, and a
    # new connection is answered.
    second = []
    for s, k in zip(socks, kept):
        if k:
            s.sendall(REQUEST)
            second.append(s)
    for i, (s, k) in enumerate(zip(socks, kept)):
        if not k:
            _, closed = wait_closed(s, LIMIT)
            check(closed is not None, f"connection {i} closed after its Connection: close answer",
                  "end of stream", "still open")
            s.close()
            n = connect(srv.port)
            n.sendall(REQUEST)
            second.append(n)
    answer_all(second, f"{model}: second requests")
    for s in socks + second:
        s.close()
    print(f"{model}: {sum(kept)} of {N} connections kept alive, every request answered within {LIMIT} s")
    srv.stop()


run(main)
