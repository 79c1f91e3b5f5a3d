#!/usr/bin/python3
"""The FIN rides with the last response, and nothing is lost for it, on one
backend x model, over real sockets:

- Connection: close: the whole response, then EOF, and by then the client
  has taken in at most three segments from the server: the SYN-ACK, the ACK
  of the request (Linux acks at once early in a connection) and the response
  with the FIN; a FIN of its own makes four. A slow machine can add a
  segment (a retransmission, a window update), so the best of a few
  exchanges is what counts; with --quickack 0 (delayed ACKs from the first
  request) the ACK rides on the response: two segments;
- HTTP/1.0 (closes by default): the whole response, then EOF;
- pipelined keep-alive requests ending with Connection: close, sent at once
  and more than one output buffer holds: every answer, in order, then EOF;
- an error response to a request that was not read whole (a bad request line
  followed by 64 KiB the server never parses): the whole response arrives
  before the connection ends, never a reset that eats it (the linger path).

usage: test_server_fin_with_response.py BACKEND MODEL
"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import (backend_and_model, check, connect, run, syspath_server, wait_closed)

BODY = b"Hello, World!\n"
TCPI_SEGS_IN = 140          # offsetof(struct tcp_info, tcpi_segs_in), <linux/tcp.h> (Linux 4.2+)
MAX_SEGS_IN = 3             # SYN-ACK, ACK of the request, response+FIN
TRIES = 10


def responses(data):
    """Split bytes into [(status, headers, body)]; the rest that is not a whole response."""
    out = []
    while b"\r\n\r\n" in data:
        head, rest = data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = dict((k.strip().lower(), v.strip()) for k, v in (l.split(":", 1) for l in lines[1:]))
        n = int(headers.get("content-length", "0"))
        if len(rest) < n:
            break
        out.append((int(lines[0].split(" ")[1]), headers, rest[:n]))
        data = rest[n:]
    return out, data


def exchange(port, request):
    """Send request at once, read until the server closes: (bytes, closed, segments in)."""
    with connect(port) as s:
        s.sendall(request)
        got, closed_after = wait_closed(s, 10)
        info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 232)
    segs_in = struct.unpack_from("I", info, TCPI_SEGS_IN)[0] if len(info) >= TCPI_SEGS_IN + 4 else None
    return got, closed_after is not None, segs_in


def connection_close(port, max_segs_in=MAX_SEGS_IN, what="SYN-ACK, ACK, response+FIN"):
    best = None
    for _ in range(TRIES):
        got, closed, segs_in = exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        resps, rest = responses(got)
        check(closed, "Connection: close: the server closed", "EOF", "still open")
        check(len(resps) == 1 and resps[0][0] == 200 and resps[0][2] == BODY and rest == b"",
              "Connection: close: one whole 200 response", f"200 {BODY!r}", got[:80])
        if segs_in is None:
            print("ok: Connection: close (TCP_INFO has no segment counters here: not counted)")
            return
        best = segs_in if best is None else min(best, segs_in)
        if best <= max_segs_in:
            break
    check(best <= max_segs_in, f"Connection: close: segments the client took in ({what}), "
          f"best of {TRIES}", f"<= {max_segs_in}", best)
    print(f"ok: Connection: close: whole response, EOF, {best} segments in ({what})")


def http10(port):
    got, closed, _ = exchange(port, b"GET / HTTP/1.0\r\n\r\n")
    resps, rest = responses(got)
    check(closed, "HTTP/1.0: the server closed", "EOF", "still open")
    check(len(resps) == 1 and resps[0][0] == 200 and resps[0][2] == BODY and rest == b"",
          "HTTP/1.0: one whole 200 response", f"200 {BODY!r}", got[:80])
    print("ok: HTTP/1.0: whole response, EOF")


def pipelined_then_close(port):
    n = 100                 # ~100 bytes each: more than one 4 KiB output buffer
    keep = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    last = b"GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    got, closed, _ = exchange(port, keep * n + last)
    resps, rest = responses(got)
    check(closed, "pipelined then close: the server closed", "EOF", "still open")
    check(len(resps) == n + 1, "pipelined then close: every answer", n + 1, len(resps))
    check(all(r[0] == 200 and r[2] == BODY for r in resps), "pipelined then close: all 200 with the body")
    check(resps[-1][1].get("connection") == "close", "pipelined then close: the last says close",
          "close", resps[-1][1].get("connection"))
    check(rest == b"", "pipelined then close: nothing after the last answer", b"", rest[:40])
    print(f"ok: {n} pipelined keep-alive requests then Connection: close: {n + 1} answers, EOF")


def error_with_unread_input(port):
    junk = b"x" * 65536
    got, closed, _ = exchange(port, b"NOT A REQUEST LINE\r\n\r\n" + junk)
    resps, _ = responses(got)
    check(closed, "error with unread input: the server closed", "closed", "still open")
    check(len(resps) == 1 and resps[0][0] == 400, "error with unread input: the whole 400 response",
          "HTTP/1.1 400 ...", got[:80])
    print("ok: error response with 64 KiB unread: whole response before the close")


def main():
    backend, model = backend_and_model()
    srv = syspath_server(backend, model)
    connection_close(srv.port)
    http10(srv.port)
    pipelined_then_close(srv.port)
    error_with_unread_input(srv.port)
    check(srv.stop() == 0, "server exits 0 on SIGTERM")
    # the request's ACK waits for the response and rides on it
    srv = syspath_server(backend, model, "--quickack", "0")
    connection_close(srv.port, 2, "--quickack 0: SYN-ACK, response+FIN with the ACK")
    check(srv.stop() == 0, "server exits 0 on SIGTERM")


run(main)
