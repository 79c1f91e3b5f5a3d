#!/usr/bin/python3
"""bench/load's binaries do what hyperfine is told they do:
  - the three hello worlds print exactly "Hello, World!\\n" and exit 0;
    syspath-hello-raw has no dynamic loader and no libc in it, the static
    glibc one has no loader, the dynamic one has one;
  - syspath-client makes exactly N sequential connections and checks each
    answer: exit 0 against a real server (--serve, and --port), 1 when answers
    are not 200 or nobody listens (bounded, never a hang), 2 for bad usage."""
import os
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import bin_dir, fail, run, want  # noqa: E402
from sptest import Failure, backends  # noqa: E402  (runcheck put tests/lib on the path)

bindir = bin_dir()


def exe(name):
    p = os.path.join(bindir, name)
    want(os.access(p, os.X_OK), "%s is not built" % p)
    return p


def program_headers(path):
    rc, so, se = run(["readelf", "-lW", path], 30)
    want(rc == 0, "readelf -l %s: %s" % (path, se.strip()))
    return so


for name, loader in (("syspath-hello-raw", False), ("syspath-hello-glibc", True),
                     ("syspath-hello-glibc-static", False)):
    p = exe(name)
    r = subprocess.run([p], capture_output=True, timeout=10)
    want(r.returncode == 0 and r.stdout == b"Hello, World!\n" and r.stderr == b"",
         "%s: exit %d, stdout %r, stderr %r; expected 0 and b'Hello, World!\\n'"
         % (name, r.returncode, r.stdout, r.stderr))
    has_interp = "INTERP" in program_headers(p)
    want(has_interp == loader, "%s: %s a program interpreter (dynamic loader)"
         % (name, "has" if has_interp else "lacks"))
rc, so, se = run(["nm", exe("syspath-hello-raw")], 30)
want(rc == 0 and "_start" in so and "__libc_start_main" not in so and "write@" not in so,
     "syspath-hello-raw should have its own _start and no libc symbols:\n%s" % so)

client = exe("syspath-client")
rc, so, se = run([client, "--help"], 10)
want(rc == 0 and "--serve" in so and "--count" in so, "syspath-client --help: exit %d" % rc)
for bad in ([], ["--count", "x", "--port", "80"], ["--serve", "nope"], ["--port", "0"],
            ["--serve", "raw", "--port", "80"], ["--frob"]):
    rc, so, se = run([client] + bad, 10)
    want(rc == 2 and len(se.strip().splitlines()) == 1,
         "syspath-client %s: exit %d, stderr %r; expected 2 and one line" % (bad, rc, se))

# nobody listening: exit 1 after the bounded connect retry, not a hang
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
rc, so, se = run([client, "--port", str(port), "--count", "3", "--timeout", "1"], 20)
want(rc == 1 and "refused" in se, "no server: exit %d, stderr %r; expected 1 naming the refusal"
     % (rc, se))


def answer_500(ls, n):
    for _ in range(n):
        c, _ = ls.accept()
        c.settimeout(5)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = c.recv(4096)
            if not chunk:
                break
            buf += chunk
        c.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        c.close()


ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(8)
t = threading.Thread(target=answer_500, args=(ls, 2), daemon=True)
t.start()
rc, so, se = run([client, "--port", str(ls.getsockname()[1]), "--count", "2"], 20)
t.join(5)
ls.close()
want(rc == 1 and "2 of 2" in se and "not HTTP 200" in se,
     "500 answers: exit %d, stderr %r; expected 1 and '2 of 2 ... not HTTP 200'" % (rc, se))

# against the real servers, the way hyperfine-serve.json runs them
served = []
if os.access(os.path.join(bindir, "syspath-server"), os.X_OK):
    try:
        served += backends(bindir)
    except Failure as e:
        fail(str(e))
if os.access(os.path.join(bindir, "syspath-asm-server"), os.X_OK):
    served.append("freestanding")
for b in served:
    rc, so, se = run([client, "--serve", b, "--count", "25", "--timeout", "5"], 60)
    want(rc == 0 and "25 ok, 0 failed" in so,
         "--serve %s --count 25: exit %d, stdout %r, stderr %r" % (b, rc, so, se))
    rc, so, se = run([client, "--serve", b, "--count", "5", "--quiet"], 60)
    want(rc == 0 and so == "", "--serve %s --quiet: exit %d, stdout %r" % (b, rc, so))
print("ok: hello worlds, client usage and failures; served by %s" % (", ".join(served) or
                                                                     "no server (not built)"))
