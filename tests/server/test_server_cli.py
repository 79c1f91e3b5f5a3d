#!/usr/bin/python3
"""syspath-server's startup errors: each is one line on stderr and exit 2, and
nothing is left listening. Also --help and --list answer and exit 0."""
import os
import re
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import backends, check, run, server_path, Server

def cli(*args, env=None):
    p = subprocess.run([server_path(), *args], capture_output=True, text=True, timeout=10,
                       env=None if env is None else {**os.environ, **env})
    return p.returncode, p.stdout, p.stderr


def expect_error(args, fragment, env=None):
    rc, out, err = cli(*args, env=env)
    check(rc == 2, f"exit status of {' '.join(args)}", 2, rc)
    lines = err.strip().splitlines()
    check(len(lines) == 1, f"one-line message for {' '.join(args)}", 1, err)
    check(fragment in lines[0], f"message for {' '.join(args)}", f"...{fragment}...", lines[0])
    check(out == "", f"nothing on stdout for {' '.join(args)}", "", out)


def main():
    # the refusal names the same paths, in the same order, as --list (the registry's rows)
    expect_error(["--backend", "nope"], "unknown backend 'nope' (known: %s)" % ", ".join(backends()))
    expect_error(["--model", "nope"], "unknown model 'nope' (known: iterative")
    expect_error(["--port", "70000"], "invalid port '70000'")
    expect_error(["--port", "abc"], "invalid port 'abc'")
    expect_error(["--max-conns", "-1"], "invalid max-conns")
    expect_error(["--header-timeout", "0"], "invalid header-timeout")
    expect_error(["--quickack", "2"], "invalid quickack '2'")
    expect_error(["--gather-us", "-1"], "invalid gather-us '-1'")
    expect_error(["--gather-us", "100001"], "invalid gather-us '100001'")
    expect_error(["--addr", "localhost", "--port", "0"], "invalid address 'localhost'")
    expect_error(["--bogus"], "unknown option '--bogus'")
    expect_error(["--port"], "needs a value")
    expect_error(["extra"], "unexpected argument 'extra'")
    # 192.0.2.1 (TEST-NET-1) is never a local address: bind gives EADDRNOTAVAIL.
    expect_error(["--addr", "192.0.2.1", "--port", "0"], "address 192.0.2.1 is not local")
    # the test-only burn knob: a bad value or a misspelt backend is refused, never ignored
    for bad in ("abc", "-5", "100:bogus", "100x"):
        expect_error(["--port", "0"], "invalid SYSPATH_TEST_BURN_NS '%s'" % bad,
                     env={"SYSPATH_TEST_BURN_NS": bad})

    # port in use: a plain socket holds a port, the server must refuse it
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    for backend in backends():
        expect_error(["--backend", backend, "--port", str(port)], f"port {port} in use")
    holder.close()

    rc, out, _ = cli("--help")
    check(rc == 0 and "--backend" in out and "--max-conns" in out, "--help", "usage text, exit 0", (rc, out[:80]))
    rc, out, _ = cli("--list")
    # its format: a backends line, then a models line, names split by one space;
    # libc (the default path) among the paths, iterative (the default model) first
    lines = out.splitlines()
    check(rc == 0 and len(lines) >= 2 and re.fullmatch(r"backends: \S+( \S+)*", lines[0])
          and "libc" in lines[0].split()[1:] and re.fullmatch(r"models: iterative( \S+)*", lines[1]),
          "--list", "backends: ... libc ... / models: iterative ...", out[:80])

    # IPv6 loopback works too, when the machine has it
    if socket.has_ipv6:
        try:
            probe = socket.socket(socket.AF_INET6)
            probe.bind(("::1", 0))
            probe.close()
            have6 = True
        except OSError:
            have6 = False
        if have6:
            srv = Server([server_path(), "--addr", "::1", "--port", "0", "--max-conns", "1"])
            check(srv.line.startswith("listening on [::1]:"), "IPv6 listening line", "[::1]:PORT", srv.line)
            with socket.create_connection(("::1", srv.port), timeout=5) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                data = s.recv(4096)
            check(data.startswith(b"HTTP/1.1 200 OK"), "GET over ::1", "200", data[:20])
            check(srv.wait() == 0, "exit after --max-conns 1 over ::1")


run(main)
