#!/usr/bin/python3
"""syspath-asm-server against clients that do not send one request and wait:

  - a client trickling its head one byte every 4 s (each read succeeds long
    before a per-read timeout) is cut off at the whole-head deadline (5 s),
    so a second client that arrived meanwhile is served within the deadline
    + 1 s of the trickler's connect;
  - two pipelined requests in one send: the server reads only the first, yet
    the answer arrives whole, followed by an orderly close (FIN), never a
    reset that would destroy it (the answer is held back with MSG_MORE for
    the close, and unread input is drained first);
  - 64 KiB of junk: the 200 arrives whole, then the close.

usage: test_freestanding_slow_clients.py [PROGRAM]   (default syspath-asm-server)
"""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from sptest import check, connect, run, server_path, Server

HEAD_DEADLINE = 5.0
REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
BODY = b"Hello, World!\n"


def read_all(s, timeout):
    """Everything until the server closes: (bytes, 'fin' | 'reset' | 'open')."""
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data, "fin"
            data += chunk
    except ConnectionResetError:
        return data, "reset"
    except socket.timeout:
        return data, "open"


def trickle(port):
    start = time.monotonic()
    t = connect(port)
    stop = threading.Event()

    def drip():
        for b in b"GET / HTTP/1.1\r\n":
            try:
                t.send(bytes([b]))
            except OSError:
                return                          # cut off: what we expect
            if stop.wait(4.0):
                return

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    time.sleep(0.5)
    c = connect(port)
    c.sendall(REQUEST)
    limit = HEAD_DEADLINE + 1.0
    data, how = read_all(c, max(0.1, start + limit - time.monotonic()))
    served = time.monotonic() - start
    stop.set()
    check(data.startswith(b"HTTP/1.1 200 OK") and data.endswith(BODY),
          f"second client answered within the head deadline + 1 s ({limit:.0f} s) of a trickler's connect",
          "the 200 response", f"{data[:40]!r} after {served:.1f} s ({how})")
    c.close()
    t.close()
    dripper.join(1)
    print(f"trickler cut off; second client served {served:.1f} s after the trickler connected")


def pipelined(port):
    s = connect(port)
    s.sendall(REQUEST + REQUEST)
    data, how = read_all(s, 5)
    check(how == "fin", "two pipelined requests: the server closes with a FIN after its answer",
          "fin", f"{how} after {data[:40]!r}")
    check(data.startswith(b"HTTP/1.1 200 OK") and data.endswith(BODY) and data.count(b"HTTP/1.1") == 1,
          "two pipelined requests: one whole answer", "one 200 with its body", data)
    s.close()


def junk(port):
    s = connect(port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 256 * 1024)
    s.sendall(b"A" * 65536)
    data, how = read_all(s, 5)
    check(data.startswith(b"HTTP/1.1 200 OK") and data.endswith(BODY),
          "64 KiB of junk: the answer arrives whole", "the 200 response", f"{data[:40]!r} ({how})")
    s.close()


def main():
    prog = sys.argv[1] if len(sys.argv) > 1 else "syspath-asm-server"
    srv = Server([server_path(prog), "0"])
    pipelined(srv.port)
    junk(srv.port)
    trickle(srv.port)
    check(srv.proc.poll() is None, "the server still runs")


run(main)
