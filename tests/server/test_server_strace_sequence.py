#!/usr/bin/python3
"""Under strace, one served connection makes the same syscall sequence with
the asm, raw and libc paths: the backends differ in how they enter the
kernel, never in what they ask of it. Skipped where strace is missing.

usage: test_server_strace_sequence.py MODEL
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import backends, check, get, run, server_path, skip, Server, model_unavailable

OPS = "socket,setsockopt,bind,listen,getsockname,accept4,read,write,sendto,close,shutdown," \
      "epoll_create1,epoll_ctl,epoll_wait"


def sequence(backend, model, tmp):
    log = os.path.join(tmp, f"{backend}.strace")
    # -ff: one file per process, so reuseport's workers do not interleave
    srv = Server(["strace", "-ff", "-qq", "-e", f"trace={OPS}", "-o", log, server_path(),
                  "--backend", backend, "--model", model, "--port", "0", "--max-conns", "1",
                  # one worker: which of several would get the connection is the kernel's hash
                  *(["--workers", "1"] if model == "reuseport" else [])])
    status, _, _ = get(srv.port, "/", {"Connection": "close"})
    check(status == 200, f"{backend}: GET under strace", 200, status)
    check(srv.wait(timeout=20) == 0, f"{backend}: exit after one connection")
    per_process = []
    for path in sorted(glob.glob(log + ".*")):
        per_process.append(calls_in(path))
    # the parent is the one that made the listening socket; its sequence starts there
    # (what happens before main() is the C runtime's, not the path's)
    for calls in per_process:
        if "listen" in calls:
            calls[:] = calls[calls.index("socket"):]
    check(any(per_process), f"{backend}: a traced process")
    return sorted(per_process)


def calls_in(path):
    calls = []
    with open(path) as f:
        for line in f:
            m = re.match(r"(?:\d+\s+)?(\w+)\(", line)
            if not m:
                continue
            name = m.group(1)
            # EAGAIN/EINTR wake-ups of the stop-poll tick depend on timing, not on the path
            if "EAGAIN" in line or "EINTR" in line or "ERESTART" in line:
                continue
            if name == "epoll_wait" and line.rstrip().endswith("= 0"):
                continue
            calls.append(name)
    return calls


def main():
    if not shutil.which("strace"):
        skip("strace is not installed")
    model = sys.argv[1] if len(sys.argv) > 1 else "iterative"
    why = model_unavailable(model)
    if why:
        skip(f"model {model} unavailable here: {why}")
    probe = subprocess.run(["strace", "-qq", "-e", "trace=getppid", "true"], capture_output=True)
    if probe.returncode != 0:
        skip("strace cannot trace here (no ptrace permission)")
    with tempfile.TemporaryDirectory() as tmp:
        seqs = {b: sequence(b, model, tmp) for b in backends()}
    # glibc's path is the reference every other path is held to
    check("libc" in seqs, "a libc path to compare with", "libc", sorted(seqs))
    for b in (b for b in seqs if b != "libc"):
        check(seqs[b] == seqs["libc"], f"{b} syscall sequence equals libc's", seqs["libc"], seqs[b])
    for i, calls in enumerate(seqs["libc"]):
        print(f"{model} process {i}: {len(calls)} syscalls, same on every path: {' '.join(calls)}")


run(main)
