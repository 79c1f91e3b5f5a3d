#!/usr/bin/python3
"""Bad and awkward input, one backend x model: garbage, NUL bytes, bare LF, a
request line without version, a 16 KiB header (431, and the client really
receives it), a partial head then close, pipelined requests (answered in
order), a client that resets mid-response, a client that pipelines and reads
nothing for a while. Each gets the right status (whole response, then a clean
close) or a clean close, and the server answers a GET after every one.
--stats counts every error response in bad_requests. Prints how many distinct
bad inputs it fed.

usage: test_hardening_bad_input.py BACKEND MODEL
"""
import os
import random
import socket
import struct
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import (backend_and_model, check, connect, get, load_json, model_unavailable, run, skip, syspath_server,
                    wait_closed)

BODY = b"Hello, World!\n"
HOST = b"Host: x\r\n"


def req(method=b"GET", path=b"/", version=b"HTTP/1.1", headers=HOST):
    return method + b" " + path + b" " + version + b"\r\n" + headers + b"\r\n"


def parse_responses(data, head_flags):
    """Split a byte stream into responses; head_flags[i]: response i answers a HEAD (no body).
    Returns [(status, headers, body)] and the bytes left over."""
    out, pos = [], 0
    for is_head in head_flags:
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            break
        lines = data[pos:end].decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
        n = 0 if is_head else int(headers.get("content-length", "0"))
        body = data[end + 4:end + 4 + n]
        if len(body) < n:
            break
        out.append((status, headers, body))
        pos = end + 4 + n
    return out, data[pos:]


# ---- one case each: (name, bytes) -> expected status, then a clean close ----

def random_bytes(n, seed):
    rnd = random.Random(seed)
    return bytes(rnd.randrange(256) for _ in range(n))


ERRORS = [
    ("garbage: a TLS ClientHello", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(32), 400),
    ("garbage: 4 KiB of random bytes", random_bytes(4096, 7), 400),
    ("garbage: text without a request line", b"hello there\r\n\r\n", 400),
    ("garbage: JSON", b'{"get": "/"}\r\n\r\n', 400),
    ("garbage: 64 KiB, no line end", b"x" * 65536, 400),
    ("NUL bytes only", b"\0" * 16, 400),
    ("NUL in the target", b"GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("NUL in a header value", b"GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", 400),
    ("bare LF line ends", b"GET / HTTP/1.1\nHost: x\n\n", 400),
    ("bare LF inside the head", b"GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", 400),
    ("CR without LF", b"GET / HTTP/1.1\rHost: x\r\n\r\n", 400),
    ("request line without version", b"GET /\r\n\r\n", 400),
    ("request line without target", b"GET  HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("empty request line", b"\r\n\r\n", 400),
    ("version garbage", b"GET / HTTP/one\r\nHost: x\r\n\r\n", 400),
    ("method of 40 bytes", req(method=b"A" * 40), 400),
    ("HTTP/1.1 without Host", b"GET / HTTP/1.1\r\n\r\n", 400),
    ("two Host headers", req(headers=b"Host: a\r\nHost: b\r\n"), 400),
    ("a body (Content-Length: 5)", req(headers=HOST + b"Content-Length: 5\r\n") + b"hello", 400),
    ("Transfer-Encoding: chunked", req(headers=HOST + b"Transfer-Encoding: chunked\r\n") + b"0\r\n\r\n", 400),
    ("Content-Length overflow", req(headers=HOST + b"Content-Length: 99999999999999999999\r\n"), 400),
    ("conflicting Content-Length", req(headers=HOST + b"Content-Length: 0\r\nContent-Length: 1\r\n"), 400),
    ("space before a header colon", req(headers=b"Host : x\r\n"), 400),
    ("header without colon", req(headers=HOST + b"NoColon\r\n"), 400),
    ("obs-fold continuation line", req(headers=HOST + b"X: a\r\n folded\r\n"), 400),
    ("control byte 0x01 in a value", req(headers=HOST + b"X: \x01\r\n"), 400),
    ("DEL byte in a value", req(headers=HOST + b"X: \x7f\r\n"), 400),
    ("16 KiB header", req(headers=HOST + b"X-Big: " + b"a" * 16384 + b"\r\n"), 431),
    ("16 KiB request target", req(path=b"/" + b"a" * 16384), 431),
    ("1000 small headers", req(headers=HOST + b"".join(b"X-%d: v\r\n" % i for i in range(1000))), 431),
    ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
    ("HTTP/1.2", req(version=b"HTTP/1.2"), 505),
    ("DELETE", req(method=b"DELETE"), 405),
    ("lower-case get", req(method=b"get"), 405),
]


def expect_error(port, name, data, status):
    with connect(port) as s:
        s.sendall(data)
        got, closed_after = wait_closed(s, 10)
    check(closed_after is not None, f"{name}: connection closed after the error", "closed", "still open")
    resps, rest = parse_responses(got, [False])
    check(len(resps) == 1, f"{name}: one whole response", f"HTTP/1.1 {status} ...", got[:80])
    check(resps[0][0] == status, f"{name}: status", status, resps[0][0])
    check(resps[0][1].get("connection") == "close", f"{name}: Connection: close", "close",
          resps[0][1].get("connection"))
    check(rest == b"", f"{name}: nothing after the response", b"", rest[:40])


def alive(port, after):
    status, _, body = get(port, "/", {"Connection": "close"})
    check(status == 200 and body == BODY, f"GET after {after}", (200, BODY), (status, body))


# ---- cases that need more than send-and-read ----

def partial_then_close(port):
    with connect(port) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHo")
    return "partial head, then close"


def partial_then_half_close(port):
    with connect(port) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        s.shutdown(socket.SHUT_WR)
        got, closed_after = wait_closed(s, 10)
    check(closed_after is not None and got == b"", "partial head then EOF: a clean close, no answer",
          b"", got[:60])
    return "partial head, then half-close"


def connect_close(port):
    socket.create_connection(("127.0.0.1", port), timeout=5).close()
    return "connect, then close at once"


def rst(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def request_then_reset(port):
    s = connect(port)
    s.sendall(req())
    rst(s)
    return "request, then reset before reading"


def split_byte_by_byte(port):
    with connect(port) as s:
        for b in req(headers=HOST + b"Connection: close\r\n"):
            s.send(bytes([b]))
        got, _ = wait_closed(s, 10)
    resps, rest = parse_responses(got, [False])
    check(len(resps) == 1 and resps[0][0] == 200 and resps[0][2] == BODY and rest == b"",
          "a request sent one byte per segment", "200 + body", got[:80])
    return None       # a valid input


def pipelined_in_order(port):
    reqs = [req(path=b"/1"), req(method=b"HEAD", path=b"/2"),
            req(path=b"/3", version=b"HTTP/1.0", headers=b"Connection: keep-alive\r\n"),
            req(method=b"HEAD", path=b"/4", version=b"HTTP/1.0", headers=b"Connection: keep-alive\r\n"),
            req(path=b"/5", headers=HOST + b"Connection: close\r\n")]
    with connect(port) as s:
        s.sendall(b"".join(reqs))
        got, closed_after = wait_closed(s, 10)
    heads = [False, True, False, True, False]
    resps, rest = parse_responses(got, heads)
    check(len(resps) == 5 and rest == b"", "pipelined: five whole responses", 5, (len(resps), rest[:40]))
    check(all(r[0] == 200 for r in resps), "pipelined: every status", [200] * 5, [r[0] for r in resps])
    bodies = [r[2] for r in resps]
    check(bodies == [BODY, b"", BODY, b"", BODY], "pipelined: bodies in order (GET HEAD GET HEAD GET)",
          [BODY, b"", BODY, b"", BODY], bodies)
    conns = [r[1].get("connection") for r in resps]
    check(conns == [None, None, "keep-alive", "keep-alive", "close"], "pipelined: Connection headers in order",
          [None, None, "keep-alive", "keep-alive", "close"], conns)
    check(closed_after is not None, "pipelined: closed after Connection: close")
    return None       # valid input


def pipelined_error_in_middle(port):
    with connect(port) as s:
        s.sendall(req(path=b"/1") + b"BLAH\r\n\r\n" + req(path=b"/3"))
        got, closed_after = wait_closed(s, 10)
    resps, rest = parse_responses(got, [False, False, False])
    check([r[0] for r in resps] == [200, 400], "pipelined GET, garbage, GET: answered up to the error",
          [200, 400], [r[0] for r in resps])
    check(rest == b"" and closed_after is not None, "pipelined error: closed after the 400", b"", rest[:40])
    return "pipelined: a bad request between two good ones"


def reset_mid_response(port):
    """Thousands of pipelined requests, never read, then a reset (SO_LINGER 0):
    the server's writes fail with EPIPE/ECONNRESET; SIGPIPE must not kill it."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    data = req() * 5000
    s.setblocking(False)
    sent, t0 = 0, time.monotonic()
    while sent < len(data) and time.monotonic() - t0 < 1.0:
        try:
            sent += s.send(data[sent:sent + 65536])
        except BlockingIOError:
            time.sleep(0.01)
    rst(s)
    return "reset mid-response (thousands of responses pending)"


def pipelined_slow_reader(port, n, rcvbuf, pause):
    """n pipelined requests (GET and HEAD alternating, so a response out of
    order would not parse), nothing read for `pause` seconds, then everything."""
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(30)
    s.connect(("127.0.0.1", port))
    heads = [i % 2 == 1 for i in range(n)]
    data = b"".join(req(method=b"HEAD" if h else b"GET", path=b"/%d" % i) for i, h in enumerate(heads))
    data += req(headers=HOST + b"Connection: close\r\n")
    heads.append(False)
    err = []

    def sender():
        try:
            s.sendall(data)       # blocks while the server, unread, stops reading
        except OSError as e:
            err.append(e)
    t = threading.Thread(target=sender, daemon=True)
    t.start()
    time.sleep(pause)
    got, closed_after = wait_closed(s, 30)
    t.join(5)
    s.close()
    check(not err, f"{n} pipelined, slow reader: the requests were all sent", "no error", err)
    resps, rest = parse_responses(got, heads)
    check(len(resps) == n + 1, f"{n} pipelined, read after {pause} s: responses", n + 1, len(resps))
    check(all(r[0] == 200 for r in resps) and rest == b"", f"{n} pipelined: all 200, nothing extra",
          "all 200", [r[0] for r in resps if r[0] != 200][:5] or rest[:40])
    check(all(r[2] == (b"" if h else BODY) for r, h in zip(resps, heads)),
          f"{n} pipelined: GET/HEAD bodies in order")
    check(closed_after is not None, f"{n} pipelined: closed after the last (Connection: close)")


def more_than_buffers():
    """Enough pipelined requests that their responses overflow the server's
    largest send buffer (net.ipv4.tcp_wmem max), so its writes must block."""
    try:
        with open("/proc/sys/net/ipv4/tcp_wmem") as f:
            wmem = int(f.read().split()[2])
    except (OSError, ValueError, IndexError):
        wmem = 4 << 20
    resp = len(b"HTTP/1.1 200 OK\r\nServer: syspath\r\nContent-Type: text/plain\r\n"
               b"Content-Length: 14\r\n\r\n") + len(BODY)
    return min(2 * wmem // resp + 1000, 400000)


def main():
    backend, model = backend_and_model()
    with tempfile.TemporaryDirectory() as tmp:
        stats = os.path.join(tmp, "stats.json")
        srv = syspath_server(backend, model, "--stats", stats)
        port = srv.port
        bad = []
        for name, data, status in ERRORS:
            expect_error(port, name, data, status)
            alive(port, name)
            bad.append(name)
        expected_bad = len(ERRORS)
        for case in (partial_then_close, partial_then_half_close, connect_close, request_then_reset,
                     split_byte_by_byte, pipelined_in_order, pipelined_error_in_middle,
                     reset_mid_response):
            name = case(port)
            alive(port, case.__name__)
            if name:
                bad.append(name)
        expected_bad += 1                    # the 400 in pipelined_error_in_middle
        pipelined_slow_reader(port, 100, 0, 1.0)
        alive(port, "100 pipelined requests read late")
        bad.append("100 pipelined requests, nothing read for 1 s")
        # more than the socket buffers hold: the server must wait for the reader, not drop it
        n = more_than_buffers()
        pipelined_slow_reader(port, n, 4096, 1.0)
        alive(port, f"{n} pipelined requests read late")
        bad.append(f"{n} pipelined requests (responses beyond the send buffer), nothing read for 1 s")
        check(srv.proc.poll() is None, "server still running", "running", srv.proc.returncode)
        rc = srv.stop()
        check(rc == 0, "exit status after SIGTERM (a negative one is death by signal, e.g. SIGPIPE)", 0, rc)
        st = load_json(stats)
        check(st["bad_requests"] == expected_bad, "stats bad_requests", expected_bad, st["bad_requests"])
    print(f"{len(bad)} distinct bad inputs fed to {backend}/{model}; each answered right or closed "
          f"cleanly, and the server answered a GET after each")


run(main)
