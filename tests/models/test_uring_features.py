#!/usr/bin/python3
"""The uring model picks the io_uring features this kernel has, and its
fallbacks are really taken when asked: with SYSPATH_URING_VERBOSE=1 it names
them on stderr (accept and recv multishot|oneshot, setup flags, close on the
ring and whether it skips its completion, registered ring fd, and whether the
loop's wait goes through struct sp_sys or liburing, and the gather wait:
Nus or off). On Linux 6.1+ it must
pick multishot accept, multishot recv (buffer ring) and DEFER_TASKRUN, on
5.11+ the wait through struct sp_sys; with SYSPATH_URING_PLAIN=1 (the
old-kernel path) it must use one-shot accepts and recvs, no setup flags, a
plain ring fd and liburing's wait, and no gathering. On Linux 6.12+ it
gathers completions for 50 us by default, and --gather-us sets or (0) turns
it off. Every variant serves requests.
"""
import os
import platform
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import check, connect, get, read_response, run, skip, syspath_server, model_unavailable

LINE = re.compile(r"uring: accept=(\w+) recv=(\w+) bufs=\d+ setup=([\w+]+) close=([\w+]+) ring_fd=(\w+) "
                  r"wait=(\w+) gather=(\w+)$")


def features(*args, **env):
    srv = syspath_server("libc", "uring", "--max-conns", "2", *args,
                         env=dict(os.environ, SYSPATH_URING_VERBOSE="1", **env))
    status, _, _ = get(srv.port, "/", {"Connection": "close"})
    check(status == 200, f"GET with {env or 'defaults'}", 200, status)
    with connect(srv.port) as s:              # keep-alive, then close
        for want_close in (False, True):
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n" + (b"Connection: close\r\n" if want_close else b"") + b"\r\n")
            status, _, _ = read_response(s)
            check(status == 200, f"keep-alive GET with {env or 'defaults'}", 200, status)
    check(srv.wait() == 0, f"exit after --max-conns 2 with {env or 'defaults'}")
    err = srv.proc.stderr.read().decode()
    lines = [l for l in err.splitlines() if l.startswith("uring:")]
    check(len(lines) == 1 and LINE.match(lines[0]), "one feature line on stderr",
          "uring: accept=... recv=... bufs=N setup=... close=... ring_fd=... wait=... gather=...", err)
    return LINE.match(lines[0]).groups()


def kernel():
    m = re.match(r"(\d+)\.(\d+)", platform.release())
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def main():
    why = model_unavailable("uring")
    if why:
        skip(f"model uring unavailable here: {why}")

    accept, recv, setup, close, ring_fd, wait, gather = features()
    print(f"defaults on Linux {platform.release()}: accept={accept} recv={recv} setup={setup} "
          f"close={close} ring_fd={ring_fd} wait={wait} gather={gather}")
    if kernel() >= (6, 1):
        check(accept == "multishot", "Linux 6.1+: multishot accept", "multishot", accept)
        check(recv == "multishot", "Linux 6.1+: multishot recv with a buffer ring", "multishot", recv)
        check("defer_taskrun" in setup.split("+") and "single_issuer" in setup.split("+"),
              "Linux 6.1+: SINGLE_ISSUER + DEFER_TASKRUN", "single_issuer+defer_taskrun", setup)
        check(ring_fd == "registered", "Linux 6.1+: registered ring fd", "registered", ring_fd)
        check(close == "ring+quiet", "Linux 6.1+: close on the ring without a completion (CQE_SKIP)",
              "ring+quiet", close)
    if kernel() >= (5, 11):
        check(wait == "sys", "Linux 5.11+: the turn's wait through struct sp_sys (EXT_ARG)", "sys", wait)
    check(close.startswith("ring"), "close on the ring (IORING_OP_CLOSE, Linux 5.6+)", "ring...", close)
    if kernel() >= (6, 12):
        check(gather == "50us", "Linux 6.12+: completions gathered for 50 us (min wait)", "50us", gather)
        got = features("--gather-us", "200")[6]
        check(got == "200us", "--gather-us 200", "200us", got)
    check(gather in ("50us", "off"), "the default gather wait, or none", "50us or off", gather)
    got = features("--gather-us", "0")[6]
    check(got == "off", "--gather-us 0 turns gathering off", "off", got)

    got = features(SYSPATH_URING_PLAIN="1")
    want = ("oneshot", "oneshot", "none", "ring", "plain", "liburing", "off")
    check(got == want, "SYSPATH_URING_PLAIN=1 fallbacks", want, got)


run(main)
