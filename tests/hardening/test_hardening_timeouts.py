#!/usr/bin/python3
"""Slow and silent clients, one backend x model:
  - a silent client (connects, sends nothing) is closed at --header-timeout,
    and a client arriving meanwhile is served (iterative: once the silent one
    has timed out; the other models at once);
  - a slowloris client that sends one byte every 100 ms is still closed at the
    header timeout: bytes trickling in do not push the deadline back;
  - an idle keep-alive connection is closed after --idle-timeout, and one that
    sends its next request before then is served;
  - a client that pipelines more than the socket buffers hold and never reads
    is closed at the timeout, and the server goes on serving;
  - --stats counts each of these in "timeouts".

The bounds are behaviour, not speed: never closed before the timeout, and
closed within a generous margin after it (the event models use
TCP_DEFER_ACCEPT, so a silent client is only accepted about a second late).

usage: test_hardening_timeouts.py BACKEND MODEL
"""
import os
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import (backend_and_model, check, connect, get, load_json, model_unavailable, read_response, run, skip,
                    syspath_server, wait_closed)

TIMEOUT_S = 0.5         # the timeout under test
EARLY = 0.4             # closed before this: the timeout fired early (timer granularity aside)
LATE = 8.0              # still open after this: the timeout did not fire
REQ = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def closed_in_time(s, what):
    """The server closes s with nothing sent (or a 408), between EARLY and LATE seconds from now."""
    data, after = wait_closed(s, LATE)
    check(after is not None, f"{what}: closed by the server", f"closed within {LATE} s", "still open")
    check(data == b"" or data.startswith(b"HTTP/1.1 408 "), f"{what}: what the server sent",
          "nothing (or a 408)", data[:60])
    return after


def header_timeouts(backend, model, tmp):
    stats = os.path.join(tmp, "header.json")
    srv = syspath_server(backend, model, "--header-timeout", str(TIMEOUT_S), "--idle-timeout", "60",
                         "--stats", stats)
    expected = 0

    # a silent client, and a second client that sends a request meanwhile
    silent = connect(srv.port, timeout=LATE)
    t0 = time.monotonic()
    with connect(srv.port, timeout=LATE + 5) as other:
        other.sendall(REQ)
        status, _, _ = read_response(other)
        check(status == 200, "a client arriving while a silent one is connected", 200, status)
    after = closed_in_time(silent, "silent client")
    total = time.monotonic() - t0
    check(total >= EARLY, "silent client closed no earlier than the header timeout",
          f">= {EARLY} s", round(total, 3))
    print(f"silent client closed after {total:.2f} s; the other client was served meanwhile")
    silent.close()
    expected += 1

    # slowloris: a first byte at once, then one byte every 100 ms, never a complete head
    with connect(srv.port, timeout=LATE) as s:
        t0 = time.monotonic()
        s.sendall(b"G")
        s.setblocking(False)
        head = b"ET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
        sent, closed_at = 0, None
        while time.monotonic() - t0 < LATE:
            try:
                if s.recv(4096) == b"":
                    closed_at = time.monotonic() - t0
                    break
            except BlockingIOError:
                pass
            except ConnectionResetError:
                closed_at = time.monotonic() - t0
                break
            try:
                s.send(head[sent:sent + 1])
                sent += 1
            except (BrokenPipeError, ConnectionResetError):
                closed_at = time.monotonic() - t0
                break
            time.sleep(0.1)
        check(closed_at is not None, "slowloris client closed by the header timeout",
              f"closed within {LATE} s", f"still open after {sent + 1} bytes")
        check(closed_at >= EARLY, "slowloris closed no earlier than the header timeout",
              f">= {EARLY} s", round(closed_at, 3))
        print(f"slowloris closed after {closed_at:.2f} s and {sent + 1} bytes, one per 100 ms")
    expected += 1

    # the server still serves
    status, _, _ = get(srv.port, "/", {"Connection": "close"})
    check(status == 200, "GET after the timeouts", 200, status)
    rc = srv.stop()
    check(rc == 0, "exit status after SIGTERM", 0, rc)
    st = load_json(stats)
    check(st["timeouts"] == expected, "stats timeouts (silent, slowloris)", expected, st["timeouts"])


def idle_timeouts(backend, model, tmp):
    stats = os.path.join(tmp, "idle.json")
    srv = syspath_server(backend, model, "--header-timeout", "60", "--idle-timeout", str(TIMEOUT_S),
                         "--stats", stats)
    with connect(srv.port, timeout=LATE) as s:
        s.sendall(REQ)
        status, _, _ = read_response(s)
        check(status == 200, "first request on a keep-alive connection", 200, status)
        # a second request well inside the idle timeout is served
        time.sleep(TIMEOUT_S / 5)
        s.sendall(REQ)
        status, _, _ = read_response(s)
        check(status == 200, "second request inside the idle timeout", 200, status)
        t0 = time.monotonic()
        after = closed_in_time(s, "idle keep-alive connection")
        check(after >= EARLY, "idle connection closed no earlier than the idle timeout",
              f">= {EARLY} s", round(after, 3))
        print(f"idle keep-alive connection closed {after:.2f} s after its last response "
              f"(header timeout 60 s: it was the idle timeout)")
    status, _, _ = get(srv.port, "/", {"Connection": "close"})
    check(status == 200, "GET after the idle timeout", 200, status)
    rc = srv.stop()
    check(rc == 0, "exit status after SIGTERM", 0, rc)
    st = load_json(stats)
    check(st["timeouts"] == 1, "stats timeouts (one idle connection)", 1, st["timeouts"])
    check(st["requests"] == 3, "stats requests", 3, st["requests"])


def stalled_reader(backend, model, tmp):
    """A client that pipelines more than the socket buffers hold and never
    reads: the server's writes stall; it must give up at the timeout (not
    hang, not spin), count it, and serve others."""
    stats = os.path.join(tmp, "stalled.json")
    srv = syspath_server(backend, model, "--header-timeout", str(TIMEOUT_S), "--idle-timeout",
                         str(TIMEOUT_S), "--stats", stats)
    with open("/proc/sys/net/ipv4/tcp_wmem") as f:
        wmem = int(f.read().split()[2])
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", srv.port))
    data = REQ * min(2 * wmem // 90 + 1000, 400000)
    s.setblocking(False)
    sent, t0, closed_at = 0, time.monotonic(), None
    while time.monotonic() - t0 < LATE:
        try:
            sent += s.send(data[sent:sent + 65536])
            continue
        except BlockingIOError:
            pass                    # the server stopped reading: its writes are stalled
        except (BrokenPipeError, ConnectionResetError):
            closed_at = time.monotonic() - t0
            break
        # never read the responses; ask the kernel whether the server closed its side
        st = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
        if st in (7, 8):            # TCP_CLOSE, TCP_CLOSE_WAIT: the server's FIN or RST arrived
            closed_at = time.monotonic() - t0
            break
        time.sleep(0.05)
    s.close()
    check(closed_at is not None, "a client that never reads its responses is closed",
          f"closed within {LATE} s", f"still open after {sent} bytes sent")
    print(f"stalled reader ({sent} bytes of requests, nothing read) closed after {closed_at:.2f} s")
    status, _, _ = get(srv.port, "/", {"Connection": "close"})
    check(status == 200, "GET after the stalled reader", 200, status)
    rc = srv.stop()
    check(rc == 0, "exit status after SIGTERM", 0, rc)
    st = load_json(stats)
    check(st["timeouts"] == 1, "stats timeouts (the stalled reader)", 1, st["timeouts"])


def main():
    backend, model = backend_and_model()
    with tempfile.TemporaryDirectory() as tmp:
        header_timeouts(backend, model, tmp)
        idle_timeouts(backend, model, tmp)
        stalled_reader(backend, model, tmp)


run(main)
