#!/usr/bin/python3
"""Errors are results: scripts/bench counts wrk's socket errors and non-2xx
answers from wrk's real output, and a row with any of them (or a failed round)
is flagged, in accept.json and in summary.md.

wrk runs for real against two tiny local servers: one answers every request
with 500 (non-2xx), one resets every connection (socket errors). Behaviour
only; no speed is looked at."""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import shutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import fail, skip, src, want  # noqa: E402

sys.path.insert(0, os.path.join(src(), "scripts", "lib"))
import bench_load  # noqa: E402
import bench_summary  # noqa: E402

if not shutil.which("wrk"):
    skip("wrk is not installed (Debian: wrk)")


def serve(listener, mode, stop):
    listener.settimeout(0.2)
    while not stop.is_set():
        try:
            c, _ = listener.accept()
        except socket.timeout:
            continue
        except OSError:
            return
        if mode == "reset":
            # linger 0: close sends RST, wrk sees a socket error
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close()
            continue
        c.settimeout(1.0)
        try:
            while not stop.is_set():
                data = c.recv(4096)
                if not data:
                    break
                for _ in range(data.count(b"\r\n\r\n")):
                    c.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            pass
        c.close()


def wrk_against(mode):
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    stop = threading.Event()
    t = threading.Thread(target=serve, args=(ls, mode, stop), daemon=True)
    t.start()
    try:
        p = subprocess.run(["wrk", "-t1", "-c1", "-d1s", "--timeout", "2s",
                            "http://127.0.0.1:%d/" % ls.getsockname()[1]],
                           capture_output=True, text=True, timeout=30)
    finally:
        stop.set()
        ls.close()
        t.join(5)
    return p.stdout


# 1. the parser reads this wrk's real output
text = wrk_against("500")
w = bench_load.parse_wrk(text)
want(w is not None, "parse_wrk found no summary in wrk's output:\n%s" % text)
want(w["requests"] > 0 and w["errors"]["non2xx"] > 0,
     "500 answers: parse_wrk gave %r from:\n%s" % (w, text))
text = wrk_against("reset")
w2 = bench_load.parse_wrk(text)
want(w2 is not None, "parse_wrk found no summary in wrk's output:\n%s" % text)
sock_errs = sum(w2["errors"][k] for k in ("connect", "read", "write", "timeout"))
want(sock_errs > 0, "reset connections: no socket errors counted %r from:\n%s" % (w2, text))
want(bench_load.parse_wrk("wrk: connection refused\n") is None,
     "parse_wrk should return None without a summary")

# 2. a row with errors is flagged, a clean row is not, a failed round flags too
def run_result(errors):
    return {"rate": 1000.0, "requests": 1000, "duration_s": 1.0, "errors": dict(errors),
            "cpu_per_unit": 10.0, "server_cpu_pct": 50.0, "client_cpu_pct": 90.0}

clean = {"connect": 0, "read": 0, "write": 0, "timeout": 0, "non2xx": 0}
rows = []
for name, runs in (("raw/epoll", [run_result(clean), run_result(w["errors"])]),
                   ("libc/epoll", [run_result(clean), run_result(clean)]),
                   ("asm/epoll", [run_result(clean), {"failed": "syspath-server did not start"}]),
                   ("nginx", [run_result(clean), run_result(clean)])):
    r = bench_load.Row("nginx" if name == "nginx" else "syspath", name,
                       *(name.split("/") if "/" in name else (None, None)))
    r.runs = runs
    rows.append(r)
doc = bench_load.result_json("accept", rows, [], {"server_cpus": "0", "client_cpus": "1"},
                             1, 2, "test")
by = {r["name"]: r for r in doc["rows"]}
want(by["raw/epoll"]["flagged"] and by["raw/epoll"]["errors"]["non2xx"] == w["errors"]["non2xx"],
     "row with non-2xx: %r" % by["raw/epoll"])
want(not by["libc/epoll"]["flagged"], "clean row flagged: %r" % by["libc/epoll"])
want(by["asm/epoll"]["flagged"] and "did not start" in (by["asm/epoll"]["note"] or ""),
     "row with a failed round: %r" % by["asm/epoll"])
want(by["asm/epoll"]["rounds"] == [1000.0], "a failed round must not enter the values: %r"
     % by["asm/epoll"]["rounds"])

# 3. summary.md says so
with tempfile.TemporaryDirectory() as tmp:
    import json
    with open(os.path.join(tmp, "accept.json"), "w") as f:
        json.dump(doc, f)
    bench_summary.write(tmp)
    with open(os.path.join(tmp, "summary.md")) as f:
        md = f.read()
    want("Flagged rows" in md and "raw/epoll ⚠" in md and "asm/epoll ⚠" in md,
         "summary.md does not flag the rows with errors:\n%s" % md)
    want("libc/epoll ⚠" not in md, "summary.md flags a clean row")
print("ok: non-2xx %d and socket errors %d counted from real wrk output; flagged rows marked"
      % (w["errors"]["non2xx"], sock_errs))
