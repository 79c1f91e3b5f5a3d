#!/usr/bin/python3
"""test_freestanding_e2e.py — syspath-asm-server end to end, over loopback.

usage: test_freestanding_e2e.py [BINARY_NAME]   (default syspath-asm-server;
       the ABI-check build, syspath-asm-server-abicheck, runs the same test)

Starts the server on port 0 with N connections, reads the port from its
`listening on 127.0.0.1:PORT` line, then, in order:
  GET (Connection: close)     -> 200, Content-Length 14, body, then EOF
  GET (keep-alive asked)      -> still answered and closed (Connection: close)
  connect, close, no request  -> server survives
  64 KiB without a blank line -> server survives (answer optional: it may reset)
  GET split over 3 sends      -> answered once the head is complete
  silent client held open     -> a GET behind it is answered after the receive
                                 timeout (5 s), well within the 30 s bound
  after exactly N connections -> exit status 0, stdout exactly one line
Also: a second server on the same port exits 2 with `port P in use`; with no
descriptor left it exits 2 naming the errno; bad arguments exit 2 with one
line on stderr; --help exits 0.
Every socket operation has a timeout and the server is killed on any exit,
so ctest never hangs.
"""
import os
import resource
import selectors
import socket
import subprocess
import sys
import time

BODY = b"Hello, World!\n"
OP_TIMEOUT = 10.0           # any single socket operation
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, flush=True)


def ok(msg):
    print("ok:   " + msg, flush=True)


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=OP_TIMEOUT)


def read_all(s, limit=1 << 20):
    """Read until EOF (the server closes after answering)."""
    data = b""
    while len(data) < limit:
        chunk = s.recv(65536)
        if not chunk:
            return data, True
        data += chunk
    return data, False


def check_response(what, data, eof):
    head, sep, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    if not data.startswith(b"HTTP/1.1 200 OK\r\n"):
        return fail(f"{what}: status line {lines[0]!r}, expected b'HTTP/1.1 200 OK'")
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(b":") for l in lines[1:])}
    if headers.get(b"content-length") != str(len(BODY)).encode():
        return fail(f"{what}: Content-Length {headers.get(b'content-length')!r}, expected b'14'")
    if headers.get(b"connection", b"").lower() != b"close":
        return fail(f"{what}: Connection header {headers.get(b'connection')!r}, expected b'close'")
    if body != BODY:
        return fail(f"{what}: body {body!r}, expected {BODY!r}")
    if not eof:
        return fail(f"{what}: the server did not close the connection after answering")
    ok(f"{what}: 200, Content-Length 14, body, closed")


def get(port, what, request):
    with connect(port) as s:
        s.sendall(request)
        data, eof = read_all(s)
    check_response(what, data, eof)


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "syspath-asm-server"
    if name in ("-h", "--help"):
        print(__doc__)
        return 0
    bindir = os.environ.get("SYSPATH_BIN")
    if not bindir:
        print("SYSPATH_BIN is not set (run through ctest)", file=sys.stderr)
        return 2
    exe = os.path.join(bindir, name)
    if not os.access(exe, os.X_OK):
        print(f"FAIL: {exe} is missing or not executable", flush=True)
        return 1

    conns = 7       # the connections made below (numbered 1-7), each counted by the server
    server = subprocess.Popen([exe, "0", str(conns)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        return run(exe, server, conns)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def run(exe, server, conns):
    # The listening line (bounded wait: the server is killed if it never comes).
    sel = selectors.DefaultSelector()
    sel.register(server.stdout, selectors.EVENT_READ)
    if not sel.select(timeout=OP_TIMEOUT):
        fail("no 'listening on' line within 10 s")
        return 1
    line = server.stdout.readline().decode()
    prefix = "listening on 127.0.0.1:"
    if not line.startswith(prefix) or not line.endswith("\n") or not line[len(prefix):-1].isdigit():
        fail(f"first line {line!r}, expected 'listening on 127.0.0.1:PORT\\n'")
        return 1
    port = int(line[len(prefix):-1])
    if not 0 < port < 65536:
        fail(f"port {port} out of range")
        return 1
    ok(f"listening line read: port {port}")

    # 1, 2: GET, with and without asking for close.
    get(port, "GET, Connection: close",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    get(port, "GET, keep-alive asked", b"GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")

    # 3: connect and close without a byte.
    s = connect(port)
    s.close()
    ok("a client connected and closed without sending")

    # 4: 64 KiB with no blank line. The server answers after its 8 KiB head
    # buffer fills and closes with data unread, which may reset us mid-send.
    s = connect(port)
    try:
        s.sendall(b"X" * 65536)
        read_all(s)
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()
    ok("a client sent 64 KiB")

    # 5: the head split over three sends (the blank line itself split).
    with connect(port) as s:
        for part in (b"GET / HTTP/1.1\r\nHo", b"st: 127.0.0.1\r\n\r", b"\n"):
            s.sendall(part)
            time.sleep(0.05)
        data, eof = read_all(s)
    check_response("GET split over 3 sends (still alive after 3 and 4)", data, eof)

    # 6, 7: a silent client holds the one-at-a-time server until its receive
    # timeout (5 s); a GET queued behind it must then be answered.
    silent = connect(port)
    try:
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            data, eof = read_all(s)
        check_response("GET behind a silent client", data, eof)
        ok(f"the silent client was dropped and the GET answered ({time.monotonic() - t0:.1f} s)")
    except socket.timeout:
        fail("a GET behind a silent client got no answer within 30 s")
    finally:
        silent.close()

    # After exactly `conns` connections the server exits 0.
    try:
        rc = server.wait(timeout=OP_TIMEOUT)
    except subprocess.TimeoutExpired:
        fail(f"server still running {OP_TIMEOUT:.0f} s after its {conns} connections")
        return 1
    rest = server.stdout.read().decode()
    err = server.stderr.read().decode()
    if rc != 0:
        fail(f"server exited {rc} after {conns} connections, expected 0 (stderr: {err!r})")
    elif rest:
        fail(f"server printed more than the listening line: {rest!r}")
    else:
        ok(f"exit 0 after exactly {conns} connections, one line on stdout")

    check_errors(exe)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    return 0


def run_cli(args, timeout=OP_TIMEOUT):
    return subprocess.run(args, capture_output=True, timeout=timeout)


def check_errors(exe):
    # Port in use: hold a listener, start the server on its port.
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    try:
        r = run_cli([exe, str(port), "1"])
    finally:
        holder.close()
    want = f"syspath-asm-server: port {port} in use\n".encode()
    if r.returncode != 2 or r.stderr != want or r.stdout:
        fail(f"port in use: exit {r.returncode}, stderr {r.stderr!r}, stdout {r.stdout!r}; "
             f"expected exit 2 and {want!r}")
    else:
        ok(f"port in use: exit 2, {want!r}")

    # Any other failure to listen: the errno in one line. With only three
    # descriptors allowed (0, 1, 2 are taken), socket() itself fails (EMFILE).
    r = subprocess.run([exe, "0", "1"], capture_output=True, timeout=OP_TIMEOUT,
                       preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (3, 3)))
    want = b"syspath-asm-server: cannot listen on 127.0.0.1:0: errno 24\n"
    if r.returncode != 2 or r.stderr != want:
        fail(f"no descriptors left: exit {r.returncode}, stderr {r.stderr!r}; "
             f"expected exit 2 and {want!r}")
    else:
        ok(f"no descriptors left: exit 2, {want!r}")

    for args in (["abc"], ["65536"], ["-1"], [""], ["80x"], ["8080", "many"],
                 ["8080", "-2"], ["1", "2", "3"]):
        r = run_cli([exe] + args)
        lines = r.stderr.decode(errors="replace").splitlines()
        if r.returncode != 2 or len(lines) != 1 or not lines[0].startswith("syspath-asm-server: ") \
                or r.stdout:
            fail(f"args {args}: exit {r.returncode}, stderr {r.stderr!r}; "
                 "expected exit 2 and one line")
        else:
            ok(f"args {args}: exit 2, {lines[0]!r}")

    r = run_cli([exe, "--help"])
    if r.returncode != 0 or not r.stdout.startswith(b"usage: syspath-asm-server"):
        fail(f"--help: exit {r.returncode}, stdout {r.stdout[:60]!r}")
    else:
        ok("--help: exit 0, usage on stdout")


if __name__ == "__main__":
    sys.exit(main())
