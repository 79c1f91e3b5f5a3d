#!/usr/bin/python3
"""Behaviour: the per-row counters (segments, context switches, syscalls, total and pair CPU)
show in summary.md, report.md and a plot beside server CPU, with what each counts (loopback
segments count both sides), the network namespace, the warm-up as the run did it and each CPU
figure's instrument; a folder written before the counters renders without them.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import PY, SRC, check, mkrun, need, run, script, tmpdir  # noqa: E402

need("matplotlib", "scipy", "numpy")
T = tmpdir()
SUMMARY = os.path.join(SRC, "scripts", "lib", "bench_summary.py")
R = mkrun(os.path.join(T, "new"), "--reps", "3", "--rounds", "1", "--hyperfine-runs", "10",
          "--drop", "microbench.json", "--drop", "counts.json", "--drop", "hyperfine-hello.json",
          "--drop", "hyperfine-serve.json")
run([PY, SUMMARY, R], expect_rc=0)
with open(os.path.join(R, "summary.md"), encoding="utf-8") as f:
    summary = f.read()
report = run([script("report"), "--stdout", R], expect_rc=0)[1]
for name, md in (("summary.md", summary), ("report.md", report)):
    for per in ("connection", "request"):
        check("### Where the cost of a %s goes: counters per row" % per in md, "%s: no counters for %s" % (name, per))
    head = next((l for l in md.splitlines() if l.startswith("| row | server CPU µs/conn | TCP segments")), "")
    for col in ("TCP segments/conn", "context switches/conn", "syscalls/conn", "total CPU µs/conn",
                "server+wrk CPU µs/conn"):
        check(col in head, "%s: expected a %r column beside server CPU, got %r" % (name, col, head))
    row = next((l for l in md.split("counters per row", 1)[1].splitlines() if l.startswith("| `nginx` |")), "")
    check(re.search(r"\| 10\.0 \| 0\.3\d+ \| 6\.02 \|", row), "%s: expected nginx's counters, got %r" % (name, row))
    check("both sides' segments count" in md, "%s: expected loopback segments to count both sides" % name)
    check("each server in a network namespace of its own" in md, "%s: expected the netns" % name)
    check("warm-up per run, against the same server process" in md and "0 warm-up" not in md,
          "%s: expected the run's warm-up text" % name)
    check("clock ticks of 10 ms), window only for `h2o`" in md,
          "%s: expected h2o's tick-based CPU figure to name its instrument" % name)
    check("on 9 clock ticks of 10 ms per row: a coarse figure" in md, "%s: expected the user share's ticks" % name)
    check("getrusage over the same window differs from its processes' CPU clock by at most -0.40%" in md,
          "%s: expected the rusage cross-check" % name)

rc, out, err = run([script("plot"), "--svg", "--only", "accept", "--only", "keepalive", R], expect_rc=0)
for stem in ("accept-counters", "keepalive-counters"):
    check(os.path.join(R, stem + ".png") in out.split(), "plot: expected %s.png, got %s" % (stem, out))
    with open(os.path.join(R, stem + ".svg"), encoding="utf-8") as f:
        svg = f.read()
    check("1 round: medians, no interval bars" in svg and "TCP segments" in svg,
          "%s.svg: expected the counters and the round count" % stem)
    check("](%s.png)" % stem in run([script("report"), "--stdout", R], expect_rc=0)[1],
          "report.md: expected %s.png embedded" % stem)
with open(os.path.join(R, "accept.svg"), encoding="utf-8") as f:
    check("1 round: medians, no interval bars" in f.read(), "accept.svg: expected '1 round' said on the plot")

OLD = mkrun(os.path.join(T, "old"), "--old", "--reps", "3", "--rounds", "5", "--hyperfine-runs", "10",
            "--drop", "microbench.json", "--drop", "counts.json")
run([PY, SUMMARY, OLD], expect_rc=0)
old = run([script("report"), "--stdout", OLD], expect_rc=0)[1]
check("counters per row" not in old and "## Accept throughput" in old,
      "old folder: expected the load section without counters")
check("does not name the instrument" in old, "old folder: expected the CPU figure's instrument said to be unknown")
rc, out, err = run([script("plot"), "--only", "accept", OLD], expect_rc=0)
check("accept-counters" not in out, "old folder: a counters plot without counters")
print("ok: counters, instruments, netns and warm-up in both files and the plots; old folders without them")
