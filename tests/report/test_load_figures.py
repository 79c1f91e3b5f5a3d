#!/usr/bin/python3
"""Behaviour: the figures newer benches add to a load row and to run.json show in summary.md and
report.md — the server core's busy time per connection (with its interval), busy and steal %,
the client's core, the server processes' CPU clock, whether each row was server-bound (and so
whether its rate is the server's throughput), the topology and the method versions — and a
folder without them renders as before, each of them shown as unknown, never guessed.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import PY, SRC, check, mkrun, need, run, script, tmpdir  # noqa: E402

need("scipy", "numpy")
T = tmpdir()
SUMMARY = os.path.join(SRC, "scripts", "lib", "bench_summary.py")
ARGS = ("--reps", "3", "--rounds", "5", "--hyperfine-runs", "10", "--drop", "microbench.json",
        "--drop", "counts.json", "--drop", "hyperfine-hello.json", "--drop", "hyperfine-serve.json")


def both(folder):
    run([PY, SUMMARY, folder], expect_rc=0)
    with open(os.path.join(folder, "summary.md"), encoding="utf-8") as f:
        summary = f.read()
    return summary, run([script("report"), "--stdout", folder], expect_rc=0)[1]


def edit(path, fn):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    fn(doc)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)


NEW = mkrun(os.path.join(T, "new"), *ARGS)


def add_core(doc, per):
    doc["topology"] = "two-netns"
    for r in doc["rows"]:
        base = r.get("server_cpu_us_per_" + per) or 10.0
        rounds = [base * (1.02 + 0.01 * i) for i in range(5)]
        r["server_core_us_per_" + per] = sorted(rounds)[2]
        r["server_core_us_per_%s_rounds" % per] = rounds
        r["server_core_busy_pct"] = 97.5 if r.get("name") == "nginx" else 41.0
        r["server_core_steal_pct"] = 0.4
        r["server_bound"] = r.get("name") == "nginx"


for kind, per in (("accept", "conn"), ("keepalive", "req")):
    edit(os.path.join(NEW, kind + ".json"), lambda doc: add_core(doc, per))
with open(os.path.join(NEW, "run.json"), "w", encoding="utf-8") as f:
    json.dump({"schema": 1, "elapsed_s": 12.5, "options": {"quick": False},
               "method": {"load": {"version": 3, "meter": "core busy time from /proc/stat"},
                          "helpers": {"version": 2, "processes": 3}}}, f)

for name, md in zip(("summary.md", "report.md"), both(NEW)):
    check("**Method:** load v3 (meter core busy time from /proc/stat); helpers v2 (processes 3)." in md,
          "%s: expected the method versions in words, got %r" % (name, [l for l in md.splitlines() if "Method" in l]))
    check("topology two-netns" in md, "%s: expected the topology" % name)
    check("### The server's core" in md, "%s: expected the server's core table" % name)
    head = next((l for l in md.splitlines() if l.startswith("| row | server core µs/conn (/proc/stat)")), "")
    check("server core busy %" in head and "server core steal %" in head and head.endswith("| server-bound |"),
          "%s: expected the core columns, got %r" % (name, head))
    core = md.split("### The server's core", 1)[1]
    ng = next((l for l in core.splitlines() if l.startswith("| `nginx` |")), "")
    check(re.search(r"\| \d[\d.,]* \[\d[\d.,]*, \d[\d.,]*\] \|", ng) and ng.endswith("| yes |"),
          "%s: expected nginx's core time with its interval, server-bound, got %r" % (name, ng))
    row = next((l for l in md.splitlines() if l.startswith("| `libc/epoll`") and "client (wrk" in l), "")
    check(row.endswith("| no |"), "%s: expected libc/epoll's rate marked as not the server's throughput: %r"
          % (name, row))
    rate = next((l for l in md.splitlines() if l.startswith("- conn/s against nginx")), "")
    check("not server-bound" in rate and "no target judged" in rate,
          "%s: expected a rate that is not the server's throughput never judged: %r" % (name, rate))

OLD = mkrun(os.path.join(T, "old"), *ARGS)
for name, md in zip(("summary.md", "report.md"), both(OLD)):
    # no method recorded: only what its rows say of themselves (their server_cpu_source: load v1
    # for the process clock, v0 for mixed meters), and the load file's topology stays unknown
    method = next((l for l in md.splitlines() if l.startswith("**Method:**")), "")
    check(method.startswith("**Method:** load v") and "server_cpu_source" in method and "topology unknown" in md,
          "%s: an old folder's method must be what its rows say (load v0 or v1) and its topology unknown, got %r"
          % (name, method))
    check("### The server's core" not in md, "%s: a core table without any core figure" % name)
    row = next((l for l in md.splitlines() if l.startswith("| `libc/epoll`") and "client (wrk" in l), "")
    check(row.endswith("| unknown |"), "%s: expected server-bound unknown in an old folder, got %r" % (name, row))
print("ok: core figures, server-bound rows, topology and method shown; unknown where a folder lacks them")
