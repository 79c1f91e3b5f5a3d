#!/usr/bin/python3
"""End to end, one backend x model: GET/HEAD give 200 and the body, keep-alive
and Connection: close are honoured, pipelined requests are answered in order,
a malformed request line gets 400, another method 405, and --max-conns exits 0
with the connections counted in --stats.

usage: test_server_http_e2e.py BACKEND MODEL
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import (backend_and_model, check, connect, get, read_response, recv_until_close, run, skip,
                    model_unavailable, syspath_server, load_json)

BODY = b"Hello, World!\n"


def main():
    backend, model = backend_and_model()

    srv = syspath_server(backend, model)
    check(srv.line.endswith(f"backend={backend} model={model}"), "listening line", 
          f"... backend={backend} model={model}", srv.line)
    port = srv.port

    status, headers, body = get(port, "/", {"Connection": "close"})
    check(status == 200, "GET status", 200, status)
    check(body == BODY, "GET body", BODY, body)
    check(headers.get("content-length") == "14", "Content-Length", "14", headers.get("content-length"))
    check(headers.get("connection") == "close", "Connection header on a close request", "close",
          headers.get("connection"))

    status, headers, body = get(port, "/", {"Connection": "close"}, method="HEAD")
    check(status == 200 and body == b"", "HEAD", (200, b""), (status, body))

    # keep-alive: two requests on one connection, then Connection: close ends it
    with connect(port) as s:
        for i in range(2):
            s.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            status, headers, body = read_response(s)
            check(status == 200 and body == BODY, f"keep-alive request {i + 1}", (200, BODY), (status, body))
            check("connection" not in headers, "no Connection header on keep-alive", None,
                  headers.get("connection"))
        s.sendall(b"GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status, headers, body = read_response(s)
        check(status == 200, "third request", 200, status)
        check(recv_until_close(s) == b"", "server closes after Connection: close", b"", "more bytes")

    # HTTP/1.0 closes by default
    with connect(port) as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        status, _, body = read_response(s)
        check(status == 200 and body == BODY, "HTTP/1.0 GET", (200, BODY), (status, body))
        check(recv_until_close(s) == b"", "HTTP/1.0 connection closed", b"", "more bytes")

    # pipelined: three requests in one packet, answered in order
    with connect(port) as s:
        s.sendall(b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = recv_until_close(s)
        want = 3
        check(data.count(b"HTTP/1.1 200 OK") == want, "pipelined responses", want,
              data.count(b"HTTP/1.1 200 OK"))
        check(data.count(BODY) == 2, "pipelined bodies (GET, HEAD, GET)", 2, data.count(BODY))

    # malformed request line -> 400 and close; other method -> 405
    with connect(port) as s:
        s.sendall(b"BLAH\r\n\r\n")
        data = recv_until_close(s)
        check(data.startswith(b"HTTP/1.1 400 "), "malformed request line", "HTTP/1.1 400 ...", data[:40])
    status, headers, _ = get(port, "/", method="POST")
    check(status == 405, "POST", 405, status)
    check(headers.get("allow") == "GET, HEAD", "Allow header", "GET, HEAD", headers.get("allow"))

    rc = srv.stop()
    check(rc == 0, "exit status after SIGTERM", 0, rc)

    # --max-conns N: exactly N connections, then exit 0 with the stats written
    with tempfile.TemporaryDirectory() as tmp:
        stats = os.path.join(tmp, "stats.json")
        srv = syspath_server(backend, model, "--max-conns", "3", "--stats", stats)
        for _ in range(3):
            status, _, _ = get(srv.port, "/", {"Connection": "close"})
            check(status == 200, "GET under --max-conns", 200, status)
        rc = srv.wait()
        check(rc == 0, "exit status after --max-conns 3", 0, rc)
        st = load_json(stats)
        check(st["connections"] == 3, "stats connections", 3, st["connections"])
        check(st["requests"] == 3, "stats requests", 3, st["requests"])
        check(st["backend"] == backend and st["model"] == model, "stats backend/model",
              (backend, model), (st["backend"], st["model"]))
        check(st["user_us"] + st["system_us"] > 0, "stats CPU time", "> 0", st["user_us"] + st["system_us"])


run(main)
