#!/usr/bin/python3
"""Where io_uring cannot be used, --model uring says why and nothing else
breaks: `--list` names the reason, the server exits 2 with one line on stderr
for every backend, the end-to-end test reports SKIP, the other models still run.

io_uring is forced off with the test hook SYSPATH_URING_DISABLE=1 (read by
the model's available(), the same path a kernel with io_uring_disabled=2 or a
seccomp filter takes). Skipped when the server was built without liburing.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import backends, check, get, models, run, server_path, skip, Server

HOOK = "io_uring disabled by SYSPATH_URING_DISABLE=1 (test hook)"


def main():
    env = dict(os.environ, SYSPATH_URING_DISABLE="1")
    if "uring" not in models():
        skip("syspath-server was built without the uring model (no liburing at configure time)")

    out = subprocess.run([server_path(), "--list"], capture_output=True, text=True, timeout=10, env=env)
    check(out.returncode == 0, "--list exit status", 0, out.returncode)
    want = f"unavailable: uring ({HOOK})"
    check(want in out.stdout.splitlines(), "--list names the reason", want, out.stdout)
    # the hook changes what runs here, never what is built: the same models line as without it
    plain = "models: " + " ".join(models())
    check(plain in out.stdout.splitlines(), "uring still listed as a model", plain, out.stdout)
    check(out.stdout.count("unavailable:") == 1, "only uring unavailable", 1, out.stdout)

    for backend in backends():
        p = subprocess.run([server_path(), "--backend", backend, "--model", "uring", "--port", "0"],
                           capture_output=True, text=True, timeout=10, env=env)
        check(p.returncode == 2, f"{backend}: exit status", 2, p.returncode)
        want = f"syspath-server: model uring is unavailable here: {HOOK}"
        check(p.stderr.splitlines() == [want], f"{backend}: the one stderr line", want, p.stderr)
        check(p.stdout == "", f"{backend}: nothing on stdout (never listened)", "", p.stdout)

    e2e = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server", "test_server_http_e2e.py")
    p = subprocess.run([e2e, "libc", "uring"], capture_output=True, text=True, timeout=60, env=env)
    check(p.returncode == 77, "the end-to-end test skips", 77, (p.returncode, p.stdout[-200:]))
    check(HOOK in p.stdout, "the skip says why", HOOK, p.stdout)

    srv = Server([server_path(), "--model", "epoll", "--port", "0", "--max-conns", "1"], env=env)
    status, _, _ = get(srv.port, "/", {"Connection": "close"})
    check(status == 200, "epoll unaffected by the hook", 200, status)
    check(srv.wait() == 0, "epoll exit after --max-conns 1")


run(main)
