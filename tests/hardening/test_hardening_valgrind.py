#!/usr/bin/python3
"""valgrind memcheck over one end-to-end run of syspath-server, one backend x
model: keep-alive and pipelined requests, HEAD, a 400, a 431 (16 KiB head), a
partial head then close, a reset mid-response, then SIGTERM. Passes when the
server exits 0 with no memcheck error and no definite leak
(--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite;
reuseport's workers are forked, so memcheck checks them too). Skipped in a
sanitizer build (ASan and valgrind cannot share a process) and where valgrind
is missing. Prints memcheck's summary lines.

usage: test_hardening_valgrind.py BACKEND MODEL
"""
import os
import re
import shutil
import signal
import socket
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import (check, connect, get, load_json, model_unavailable, read_response,
                    recv_until_close, run, server_path, skip, Server)

REQ = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def sanitized_build():
    cache = os.path.join(os.environ.get("SYSPATH_BUILD", ""), "CMakeCache.txt")
    try:
        with open(cache) as f:
            return re.search(r"^SYSPATH_SANITIZE:BOOL=(ON|1|TRUE)$", f.read(), re.M | re.I) is not None
    except OSError:
        return False


def exercise(port):
    with connect(port, timeout=30) as s:
        for _ in range(3):
            s.sendall(REQ)
            status, _, _ = read_response(s)
            check(status == 200, "keep-alive GET under valgrind", 200, status)
        s.sendall(REQ * 20 + b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = recv_until_close(s)
        check(data.count(b"HTTP/1.1 200 OK") == 21, "pipelined under valgrind", 21,
              data.count(b"HTTP/1.1 200 OK"))
    for bad, status in ((b"BLAH\r\n\r\n", b"400"),
                        (b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 16384 + b"\r\n\r\n", b"431")):
        with connect(port, timeout=30) as s:
            s.sendall(bad)
            data = recv_until_close(s)
            check(data.startswith(b"HTTP/1.1 " + status), f"{status.decode()} under valgrind",
                  status, data[:20])
    with connect(port, timeout=30) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHo")
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(30)
    s.connect(("127.0.0.1", port))
    s.sendall(REQ * 3000)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    status, _, _ = get(port, "/", {"Connection": "close"})
    check(status == 200, "GET after the bad ones under valgrind", 200, status)


def main():
    backend, model = sys.argv[1], sys.argv[2]
    if not shutil.which("valgrind"):
        skip("valgrind is not installed")
    if sanitized_build():
        skip("sanitizer build: ASan and valgrind cannot run in one process")
    # uring runs too: uring.c marks received bytes defined for memcheck (it cannot
    # see the kernel write them through the ring) and yields once a turn under
    # valgrind so SIGTERM is delivered (valgrind 3.19 blocks signals across
    # io_uring_enter).
    why = model_unavailable(model)
    if why:
        skip(f"model {model} unavailable here: {why}")
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "memcheck.%p")
        stats = os.path.join(tmp, "stats.json")
        srv = Server(["valgrind", "--tool=memcheck", "--error-exitcode=99", "--leak-check=full",
                      "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
                      f"--log-file={log}", server_path(), "--backend", backend, "--model", model,
                      "--port", "0", "--header-timeout", "30", "--stats", stats,
                      *(["--workers", "2"] if model == "reuseport" else [])], listen_timeout=60)
        exercise(srv.port)
        if srv.proc.poll() is None:
            srv.signal(signal.SIGTERM)
        rc = srv.wait(timeout=60)       # memcheck's leak check takes a moment
        logs = sorted(os.listdir(tmp))
        text = ""
        for name in logs:
            if name.startswith("memcheck."):
                with open(os.path.join(tmp, name)) as f:
                    text += f.read()
        summaries = [l.split("== ", 1)[-1] for l in text.splitlines()
                     if "ERROR SUMMARY" in l or "definitely lost" in l or "All heap blocks" in l]
        for line in summaries:
            print("memcheck:", line)
        if rc != 0:
            print(text[-8000:])
        check(rc != 99, "memcheck errors or definite leaks (exit 99)", "none", "see the log above")
        check(rc == 0, "exit status under valgrind", 0, rc)
        check(any("ERROR SUMMARY: 0 errors" in l for l in summaries), "memcheck ran and found nothing",
              "ERROR SUMMARY: 0 errors", summaries)
        st = load_json(stats)
        check(st["requests"] >= 25, "stats requests under valgrind", ">= 25", st["requests"])


run(main)
