#!/usr/bin/python3
"""A load-bench peer (h2o or lighttpd, the argument) as scripts/bench starts it.

servers.start_server writes the peer's generated config into a temp dir,
picks a free port, starts it in the foreground pinned to the server
CPU (in a network namespace of its own where the bench uses one). Then:
  - GET / answers 200 with the body "Hello, World!\\n", and the same connection
    answers a second GET / (keep-alive), and 1098 more the same way (past
    the 1000 requests where the peers' defaults would close it); the last,
    with `Connection: close`, is answered and the peer closes the connection;
  - every process of the peer (h2o has a crash-handler helper) is inside the
    process tree the window meter sums over, and pinned to the server CPU;
  - one short accept round through bench_load.run_once measures it (no failure,
    CPU read over the whole tree), in each topology this machine can make
    (two-netns: the peer bound to the veth's address, wrk in the other namespace);
  - SIGTERM stops it within the bench's grace, and no process of it is left;
  - a peer that cannot start (a missing config) gives a one-line reason
    quickly, never a hang.
SKIP when the peer's Debian package is not installed. No speed is asserted."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import bin_dir, fail, skip, src, want  # noqa: E402

sys.path.insert(0, os.path.join(src(), "scripts", "lib"))
import bench_load  # noqa: E402
import peers  # noqa: E402
import servers  # noqa: E402
import topology  # noqa: E402
import bench_proc  # noqa: E402

if len(sys.argv) != 2 or sys.argv[1] not in peers.PEERS:
    fail("usage: test_peer_serves.py %s" % "|".join(peers.PEERS))
name = sys.argv[1]
peer = peers.PEERS[name]
if not shutil.which(peer["binary"]):
    skip("%s is not installed (Debian: %s)" % (peer["binary"], peer["package"]))
if not shutil.which("taskset"):
    skip("taskset is not installed (Debian: util-linux)")

bindir = bin_dir()
pin = bench_load.pinning()
row = bench_load.Row(name, name)

# The client runs as a child so it can join the server's network namespace
# (server.join); it prints one JSON line: the three answers it read.
CLIENT = r"""
import json, socket, sys
def answer(s, buf):
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            return None, buf
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for h in lines[1:]:
        k, _, v = h.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v)
    while len(rest) < length:
        chunk = s.recv(4096)
        if not chunk:
            break
        rest += chunk
    return {"status": lines[0], "body": rest[:length].decode("latin-1")}, rest[length:]
out = []
s = socket.create_connection((sys.argv[2], int(sys.argv[1])), timeout=5)
buf = b""
# beyond 1000, where h2o's and lighttpd's defaults would close the connection
for extra in [""] * 1100 + ["Connection: close\r\n"]:
    s.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % extra).encode())
    a, buf = answer(s, buf)
    out.append(a)
    if a is None:
        break
closed = None
if len(out) == 1101 and out[-1] is not None:
    try:
        closed = buf == b"" and s.recv(1) == b""
    except OSError:
        closed = True        # a reset after the answer is a close too
answered = [a for a in out if a is not None]
same = sum(1 for a in answered[2:-1] if a == answered[0])
print(json.dumps({"answers": answered[:2] + answered[-1:], "answered": len(answered),
                  "same": same, "closed": closed}))
"""

BODY = "Hello, World!\n"

with tempfile.TemporaryDirectory() as tmp:
    t0 = time.monotonic()
    server, why = servers.start_server(row, pin, bindir, tmp, "t", 1)
    want(server is not None, "%s did not start from its generated config: %s" % (name, why))
    try:
        p = subprocess.run(server.join + [sys.executable, "-c", CLIENT, str(server.port), server.host],
                           capture_output=True, text=True, timeout=30)
        want(p.returncode == 0, "%s: the client failed: %s" % (name, p.stderr.strip()[-300:]))
        got = json.loads(p.stdout)
        answers = got["answers"]
        want(got["answered"] == 1101, "%s answered %d of 1101 requests on one connection, "
             "then closed it: a keep-alive request limit is still in place"
             % (name, got["answered"]))
        for i, what in enumerate(("first GET /", "second GET / on the same connection "
                                  "(keep-alive)", "1101st GET / with Connection: close")):
            a = answers[i] if i < len(answers) else None
            want(a is not None, "%s: no answer to the %s" % (name, what))
            want(a["status"].startswith("HTTP/1.1 200"),
                 "%s: %s answered %r, expected HTTP/1.1 200" % (name, what, a["status"]))
            want(a["body"] == BODY, "%s: %s body %r, expected %r" % (name, what, a["body"], BODY))
        want(got["same"] == 1098, "%s: only %d of 1098 more requests on the same connection "
             "got the same answer: a keep-alive request limit is still in place"
             % (name, got["same"]))
        want(got["closed"], "%s: the connection stayed open after Connection: close" % name)

        tree = bench_proc.process_tree(server.proc.pid)
        if pin["server_cpus"] is not None:
            want_cpus = {int(c) for c in pin["server_cpus"].split(",")}
            for pid in tree:
                try:
                    cpus = os.sched_getaffinity(pid)
                except OSError:
                    continue        # gone in between: nothing left to pin
                want(cpus == want_cpus, "%s: process %d runs on CPUs %s, expected the server "
                     "CPU %s (taskset)" % (name, pid, sorted(cpus), sorted(want_cpus)))
        snap = bench_proc.server_snapshot(server.proc.pid)
        want(snap["cpu_ns"] is not None and snap["pids"] == tree,
             "%s: the meter read %r over %r, expected every process of %r"
             % (name, snap["cpu_ns"], snap["pids"], tree))
    finally:
        t1 = time.monotonic()
        _rc, clean = servers.stop(server)
        stopped_in = time.monotonic() - t1
    want(clean, "%s did not stop within 3 s of SIGTERM" % name)
    deadline = time.monotonic() + 3
    left = [pid for pid in tree if os.path.exists("/proc/%d" % pid)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [pid for pid in left if os.path.exists("/proc/%d/stat" % pid) and
                open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0] != "Z"]
    want(not left, "%s: processes %r still running 3 s after it stopped" % (name, left))
    print("%s served 1101 requests on one connection and stopped in %.2f s" % (name, stopped_in))

    # one measured round as scripts/bench runs it, in each topology this machine can make
    if shutil.which("wrk"):
        for topo in topology.TOPOLOGIES:
            why = topology.probe(topo)
            if why:
                print("%s: no round in %s: %s" % (name, topo, why))
                continue
            with open(os.devnull, "w") as log:
                res = bench_load.run_once(row, "accept", 1, pin, bindir, tmp, "r", 1, log,
                                          topo=topo)
            want("failed" not in res, "%s: a measured round in %s failed: %s"
                 % (name, topo, res.get("failed")))
            want(res.get("server_cpu_us") and res["server_cpu_us"] > 0 and res.get("units"),
                 "%s: the round in %s measured %r µs over %r connections"
                 % (name, topo, res.get("server_cpu_us"), res.get("units")))
            print("%s: one accept round in %s, %s" % (name, topo, res["cpu_source"]))
    else:
        print("%s: wrk not installed, no measured round" % name)

    # a peer that cannot start says why in one line
    real = peer["setup"]

    def broken(pdir, host, port):
        argv = real(pdir, host, port)
        conf = argv[-1]
        os.remove(conf)
        return argv
    peer["setup"] = broken
    try:
        t2 = time.monotonic()
        server, why = servers.start_server(row, pin, bindir, tmp, "b", 1)
        took = time.monotonic() - t2
    finally:
        peer["setup"] = real
    if server is not None:
        servers.stop(server)
        fail("%s started without its config file" % name)
    want(isinstance(why, str) and why.startswith("%s did not start: " % name) and
         "\n" not in why and len(why) > len("%s did not start: " % name),
         "%s: the reason for a failed start is %r, expected one line" % (name, why))
    want(took < 20, "%s: a failed start took %.1f s to report" % (name, took))
    print("a failed start: %s (%.2f s)" % (why, took))
