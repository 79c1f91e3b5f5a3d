#!/usr/bin/python3
"""Back-pressure: a client with a tiny receive window pipelines thousands of
requests without reading, so the server's sends complete short or wait, its
recvs stop while responses are pending, and out[] fills many times over. Every
request is still answered, in order, and the server keeps serving others.

usage: test_uring_pipelined_flood.py MODEL   (registered for uring)
"""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import check, get, run, skip, syspath_server, model_unavailable

N = 4000
REQ = b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n"


def flood(port, n, rcvbuf):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)   # before connect: a small window
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    reqs = b"".join(REQ % i for i in range(n - 1)) + \
        b"GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    err = []

    def send():
        try:
            s.sendall(reqs)
        except OSError as e:
            err.append(e)
    t = threading.Thread(target=send)
    t.start()
    time.sleep(0.5)                           # read nothing for a while: the server must wait
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    t.join(10)
    s.close()
    check(not err, "client send", "no error", err)
    return data


def main():
    model = sys.argv[1] if len(sys.argv) > 1 else "uring"
    why = model_unavailable(model)
    if why:
        skip(f"model {model} unavailable here: {why}")
    srv = syspath_server("libc", model)
    for rcvbuf in (2048, 1 << 20):
        data = flood(srv.port, N, rcvbuf)
        got = data.count(b"HTTP/1.1 200 OK\r\n")
        check(got == N, f"responses to {N} pipelined requests (SO_RCVBUF {rcvbuf})", N, got)
        check(data.count(b"Hello, World!\n") == N, "bodies", N, data.count(b"Hello, World!\n"))
        check(data.endswith(b"Hello, World!\n"), "the stream ends with a whole response", "...Hello, World!\\n",
              data[-40:])
        status, _, _ = get(srv.port, "/", {"Connection": "close"})
        check(status == 200, "a fresh GET afterwards", 200, status)
    check(srv.stop() == 0, "exit status after SIGTERM", 0, srv.proc.returncode)


run(main)
