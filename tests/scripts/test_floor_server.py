#!/usr/bin/python3
"""syspath-floor, the load bench's reference row, does what its row says:
  - it prints `listening on ADDR:PORT` (PORT 0: the kernel's choice) and
    answers HTTP 200 "Hello, World!\\n";
  - a request with Connection: close: the answer says so, then it closes;
  - without: an answer for every request on one connection, the connection
    closed only after the client's EOF;
  - bad usage and a port in use: one line on stderr, exit 2.
Only loopback, only its own process."""
import os
import re
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import bin_dir, want  # noqa: E402

FLOOR = os.path.join(bin_dir(), "syspath-floor")
want(os.access(FLOOR, os.X_OK), "%s is not built" % FLOOR)
REQ = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
CLOSE = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def start(*args):
    p = subprocess.Popen([FLOOR] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = p.stdout.readline().decode()
    m = re.match(r"listening on 127\.0\.0\.1:(\d+)\n$", line)
    if not m:
        p.kill()
        p.wait()
        want(False, "%s: first line %r, expected 'listening on 127.0.0.1:PORT'" % (args, line))
    return p, int(m.group(1))


def answer(s):
    """One whole answer off s (headers and the Content-Length body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        want(chunk, "the connection closed before a whole answer: %r" % buf)
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    want(head.startswith(b"HTTP/1.1 200 ") and body == b"Hello, World!\n",
         "answer %r, expected HTTP/1.1 200 and 'Hello, World!\\n'" % buf)
    return head


procs = []
try:
    p, port = start("127.0.0.1", "0")
    procs.append(p)
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(CLOSE)
            head = answer(s)
            want(b"Connection: close" in head, "answer without Connection: close: %r" % head)
            want(s.recv(1) == b"", "Connection: close: the connection stays open after it")

    # a port in use (its own): one line, exit 2
    r = subprocess.run([FLOOR, "127.0.0.1", str(port)], capture_output=True, text=True, timeout=10)
    want(r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and
         "in use" in r.stderr, "port in use: exit %d, stderr %r; expected 2 and one line"
         % (r.returncode, r.stderr))

    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        for i in range(5):
            s.sendall(REQ)
            head = answer(s)
            want(b"Connection: close" not in head, "keep-alive answer %d says close" % i)
        s.shutdown(socket.SHUT_WR)
        want(s.recv(1) == b"", "keep-alive: the connection stays open after the client's EOF")

    for bad in ([], ["127.0.0.1"], ["nowhere", "0"], ["127.0.0.1", "70000"],
                ["127.0.0.1", "8x"], ["--keepalive", "127.0.0.1", "0"]):
        r = subprocess.run([FLOOR] + bad, capture_output=True, text=True, timeout=10)
        want(r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and r.stdout == "",
             "syspath-floor %s: exit %d, stderr %r; expected 2 and one line"
             % (" ".join(bad), r.returncode, r.stderr))
finally:
    for p in procs:
        p.kill()
        p.wait()
print("ok: syspath-floor answers, closes or keeps alive as asked, refuses bad usage")
