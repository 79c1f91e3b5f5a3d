#!/usr/bin/python3
"""Security defaults.

usage: test_hardening_security.py defaults
    - without --addr the server binds 127.0.0.1 only (the listening line and
      the kernel's /proc/net/tcp agree) and prints no warning;
    - a loopback --addr (127.0.0.2, ::1) prints no warning; a non-loopback one
      (0.0.0.0, ::) prints exactly one warning line on stderr. Those run in a
      private network namespace (unshare -n: only its own lo), so nothing is
      ever reachable from another host; skipped where unshare is not allowed;
    - no format string from input: impl/server/*.c compile cleanly with
      -Werror=format-security -Werror=format-nonliteral (checked to reject
      printf(input) first, so the check can fail).

usage: test_hardening_security.py BACKEND MODEL
    - the server serves no files and takes no path from the request: path
      traversal, absolute paths, encoded dots, absolute-form targets, format
      strings in the target and in headers all get byte for byte the response
      to GET / (there is no Date header, so responses are identical);
    - under strace (when available) no file-system call it makes while
      serving them names a path from the requests.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import (check, connect, model_unavailable, recv_until_close, run, server_path, skip,
                    syspath_server, Server)

SRC = os.environ.get("SYSPATH_SRC", os.path.join(os.path.dirname(__file__), ".."))

TARGETS = [b"/", b"/../../etc/passwd", b"/etc/passwd", b"//etc//passwd", b"/%2e%2e/%2e%2e/etc/passwd",
           b"/..%2f..%2fetc%2fpasswd", b"/proc/self/environ", b"/./index.html", b"/.git/config",
           b"http://127.0.0.1/../../etc/passwd", b"*", b"/%s%s%s%n%n%x", b"/%p%p%p%p",
           b"/" + b"A" * 4000, b"/%C3%A9", b"/~root/.ssh/id_rsa"]
HEADERS = [b"", b"User-Agent: %s%s%s%n%n\r\n", b"X-Forwarded-For: ../../etc/passwd\r\n",
           b"Cookie: %x%x%x%x; a=%n\r\n", b"Host2: $(reboot)\r\n"]


def raw(port, target, headers=b"", method=b"GET"):
    with connect(port) as s:
        s.sendall(method + b" " + target + b" HTTP/1.1\r\nHost: %s\r\n" % b"x" + headers +
                  b"Connection: close\r\n\r\n")
        return recv_until_close(s)


def no_paths(backend, model):
    why = model_unavailable(model)
    if why:
        skip(f"model {model} unavailable here: {why}")
    srv = syspath_server(backend, model)
    want = {m: raw(srv.port, b"/", method=m) for m in (b"GET", b"HEAD")}
    check(want[b"GET"].startswith(b"HTTP/1.1 200 OK") and want[b"GET"].endswith(b"Hello, World!\n"),
          "GET / response", "200 ... Hello, World!", want[b"GET"][-40:])
    n = 0
    for method in (b"GET", b"HEAD"):
        for target in TARGETS:
            for headers in HEADERS:
                got = raw(srv.port, target, headers, method)
                check(got == want[method], f"{method.decode()} {target[:60]!r} with {headers!r}",
                      "the same bytes as for /", got[:100])
                n += 1
    check(srv.stop() == 0, "exit status after SIGTERM")
    print(f"{n} requests for files, traversals and format strings: each got the fixed response")

    if not shutil.which("strace"):
        print("strace not installed: the no-file-syscall check is skipped")
        return
    probe = subprocess.run(["strace", "-qq", "-e", "trace=getppid", "true"], capture_output=True)
    if probe.returncode != 0:
        print("strace cannot trace here: the no-file-syscall check is skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "trace")
        # LeakSanitizer cannot run under ptrace: in a sanitizer build it would fail the exit
        env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")
        srv = Server(["strace", "-f", "-qq", "-e", "trace=%file,%desc", "-o", log, server_path(),
                      "--backend", backend, "--model", model, "--port", "0",
                      "--max-conns", str(len(TARGETS))], listen_timeout=20, env=env)
        time.sleep(0.3)
        mark = os.path.getsize(log)
        for target in TARGETS:
            raw(srv.port, target, HEADERS[1])
        check(srv.wait(timeout=20) == 0, "exit status under strace after --max-conns")
        with open(log, errors="replace") as f:
            f.seek(mark)
            calls = f.read()
    file_calls = [l for l in calls.splitlines()
                  if re.match(r"(\d+\s+)?(open|openat|openat2|stat|lstat|newfstatat|statx|access|"
                              r"faccessat2?|readlink|readlinkat|execve|chdir|mkdir|unlink)\(", l)]
    words = ("passwd", "environ", "index.html", ".git", "id_rsa", "%s", "%n", "AAAA", "%2e", "%2f")
    touched = [l for l in file_calls if any(w in l for w in words)]
    check(not touched, "no file-system call with a path from the requests", [], touched[:5])
    print(f"under strace: no file-system call with a path from the requests "
          f"({len(file_calls)} file calls in all: {[l.split('(')[0].split()[-1] for l in file_calls]})")


def defaults():
    # 1. the default address
    srv = Server([server_path(), "--port", "0"])
    check(srv.line.startswith("listening on 127.0.0.1:"), "default listening line", "127.0.0.1:PORT", srv.line)
    port_hex = f"{srv.port:04X}"
    with open("/proc/net/tcp") as f:
        rows = [l.split() for l in f.readlines()[1:]]
    mine = [r for r in rows if r[1].endswith(":" + port_hex) and r[3] == "0A"]   # 0A: LISTEN
    check([r[1] for r in mine] == [f"0100007F:{port_hex}"], "the kernel's view of the listener",
          f"0100007F:{port_hex} (127.0.0.1) only", [r[1] for r in mine])
    check(srv.stop() == 0, "exit status")
    err = srv.proc.stderr.read().decode(errors="replace")
    check(err == "", "no warning for the default address", "", err)
    print("default: bound to 127.0.0.1 only (/proc/net/tcp), no warning")

    # 2. warnings, in a network namespace of our own
    unshare = shutil.which("unshare")
    ok = unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0
    if not ok:
        print("unshare -n not permitted here: the --addr warning checks are skipped")
    else:
        for addr, warn in (("127.0.0.2", False), ("::1", False), ("0.0.0.0", True), ("::", True)):
            cmd = f"ip link set lo up 2>/dev/null; exec '{server_path()}' --addr '{addr}' --port 0"
            srv = Server([unshare, "-n", "sh", "-c", cmd])
            check(srv.stop() == 0, f"--addr {addr}: exit status")
            err = srv.proc.stderr.read().decode(errors="replace")
            lines = err.strip().splitlines()
            if warn:
                check(len(lines) == 1 and "warning" in lines[0] and addr in lines[0],
                      f"--addr {addr}: one warning line naming the address", "1 line", err)
            else:
                check(err == "", f"--addr {addr} (loopback): no warning", "", err)
        print("--addr: no warning for 127.0.0.2 and ::1; one warning line for 0.0.0.0 and :: "
              "(in a private network namespace)")

    # 3. no format string from input, checked by the compiler
    flags = ["-fsyntax-only", "-Wformat=2", "-Werror=format-security", "-Werror=format-nonliteral",
             f"-I{SRC}/impl/include", f"-I{SRC}/impl/server"]
    uring = subprocess.run(["pkg-config", "--cflags", "liburing"], capture_output=True, text=True)
    flags += uring.stdout.split() if uring.returncode == 0 else []
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, "bad.c")
        with open(bad, "w") as f:
            f.write("#include <stdio.h>\nvoid f(const char *input) { printf(input); }\n")
        r = subprocess.run(["gcc", *flags, bad], capture_output=True, text=True)
        check(r.returncode != 0, "the format check rejects printf(input)", "a compile error", r.stderr)
    sources = sorted(glob.glob(os.path.join(SRC, "impl/server/*.c")))
    check(sources, "impl/server/*.c found", "sources", SRC)
    for src in sources:
        r = subprocess.run(["gcc", *flags, src], capture_output=True, text=True)
        check(r.returncode == 0, f"{os.path.basename(src)}: no non-literal format string", "clean",
              r.stderr[-600:])
    print(f"{len(sources)} server sources: no format string that is not a literal")


def main():
    if sys.argv[1:] == ["defaults"]:
        defaults()
    elif len(sys.argv) == 3:
        no_paths(sys.argv[1], sys.argv[2])
    else:
        raise SystemExit(__doc__)


run(main)
