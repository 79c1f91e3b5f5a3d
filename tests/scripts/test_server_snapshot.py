#!/usr/bin/python3
"""syspath-server's SIGUSR1 snapshot, which the load bench reads at the edges
of its measured window:
  - with --stats PATH, each SIGUSR1 replaces PATH by one JSON line
    {"snapshot": N, "user_us", "system_us"}, N counting up, and the server
    keeps answering; at exit PATH holds the full --stats document;
  - with --stats -, the snapshot line goes to stdout;
  - without --stats, SIGUSR1 is ignored (its default action would kill)."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import bin_dir, fail, skip, want  # noqa: E402

server = os.path.join(bin_dir(), "syspath-server")
if not os.access(server, os.X_OK):
    skip("syspath-server is not built")


def start(extra):
    p = subprocess.Popen([server, "--model", "epoll", "--port", "0"] + extra,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    want(line.startswith("listening on "), "no listening line, got %r" % line)
    return p, int(line.split()[2].rsplit(":", 1)[1])


def get(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    want(data.startswith(b"HTTP/1.1 200"), "answer %r, expected HTTP/1.1 200" % data[:40])


def wait_snapshot(path, n):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            with open(path) as f:
                doc = json.load(f)
            if doc.get("snapshot") == n:
                return doc
        except (OSError, ValueError):
            pass
        time.sleep(0.01)
    fail("snapshot %d did not land in %s within 5 s" % (n, path))


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        out, err = p.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        fail("the server did not stop within 5 s of SIGTERM")
    want(p.returncode == 0, "exit %d after SIGTERM, expected 0 (stderr %r)"
         % (p.returncode, err))
    return out


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "stats.json")
    p, port = start(["--stats", path])
    get(port)
    p.send_signal(signal.SIGUSR1)
    first = wait_snapshot(path, 1)
    want(set(first) == {"snapshot", "user_us", "system_us"} and
         all(isinstance(first[k], int) and first[k] >= 0 for k in ("user_us", "system_us")),
         "snapshot %r, expected {snapshot, user_us, system_us} as whole numbers" % first)
    get(port)
    p.send_signal(signal.SIGUSR1)
    second = wait_snapshot(path, 2)
    want(second["user_us"] + second["system_us"] >= first["user_us"] + first["system_us"],
         "CPU time went down between snapshots: %r then %r" % (first, second))
    want(not os.path.exists(path + ".tmp"), "%s.tmp left behind" % path)
    get(port)
    stop(p)
    with open(path) as f:
        final = json.load(f)
    want("snapshot" not in final and final.get("connections") == 3,
         "--stats at exit %r, expected the full document with 3 connections" % final)

p, port = start(["--stats", "-"])
p.send_signal(signal.SIGUSR1)
get(port)
out = stop(p)
lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
want(len(lines) == 2 and lines[0].get("snapshot") == 1 and "connections" in lines[1],
     "--stats -: stdout %r, expected a snapshot line, then the exit document" % out)

p, port = start([])
p.send_signal(signal.SIGUSR1)
get(port)
want(p.poll() is None, "without --stats SIGUSR1 stopped the server (exit %r)" % p.returncode)
stop(p)
print("ok: SIGUSR1 snapshots land in --stats PATH and on stdout; ignored without --stats")
