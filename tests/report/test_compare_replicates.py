#!/usr/bin/python3
"""Behaviour: scripts/compare A1 A2 A3 --vs B1 B2 B3 takes each run's median as one replicate. Runs
of one machine whose medians drift (tight rounds within each) are not called different, though two
single runs of them are; a real 20% change across 6 runs a side is called worse; 2 runs on a side,
two machines on a side, a folder given twice, or a machine's folder without --vs are refused with
one line and exit 2; runs of one side measured by two methods leave that part's rows not judged.
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import check, mkrun, need, run, script, tmpdir  # noqa: E402

need("scipy", "numpy")
T = tmpdir()
# the syscall rows alone keep the test small; 9 repetitions give each run a tight interval
SMALL = ["--no-helpers", "--reps", "9"] + [a for f in ("counts.json", "accept.json", "keepalive.json",
                                                         "hyperfine-hello.json", "hyperfine-serve.json")
                                             for a in ("--drop", f)]
DRIFT_A = [1.0, 1.06, 0.95, 1.03, 0.97, 1.02]   # whole runs slower or faster: another boot, a neighbour
DRIFT_B = [1.08, 0.99, 1.03, 0.96, 1.05, 1.0]


def machine(name, seed, factors):
    d = mkrun(os.path.join(T, name), "--runs", str(len(factors)), "--seed", str(seed),
              "--drift", ",".join("%g" % f for f in factors), *SMALL)
    return [os.path.join(d, e) for e in sorted(os.listdir(d))]


A = machine("A", 10, DRIFT_A)
B = machine("B", 20, DRIFT_B)
C = machine("C", 30, [1.2 * f for f in DRIFT_B])   # the same drift, and every row 20% slower


def compare(*args):
    js = os.path.join(T, "c.json")
    rc, out, err = run([script("compare")] + list(args) + ["--json", js], expect_rc=0)
    with open(js) as f:
        doc = json.load(f)
    rows = [r for r in doc["comparisons"][0]["rows"] if r["section"] == "syscalls"]
    check(len(rows) >= 20, "expected the fixture's syscall rows compared, got %d" % len(rows))
    return doc, rows, out


def verdicts(rows):
    return sorted({r["verdict"] for r in rows})


# (a) drift alone: two single runs (A's at 1.00, B's at 1.08) call most rows worse ...
doc, rows, out = compare(A[0], B[0])
worse = [r for r in rows if r["verdict"] == "worse"]
check(len(worse) >= 0.8 * len(rows), "two single runs 8%% apart: expected most syscall rows worse (the rounds "
      "cannot see drift), got %d of %d: %s" % (len(worse), len(rows), verdicts(rows)))

# ... runs as replicates do not, and say every folder and "runs"
md = os.path.join(T, "rep.md")
doc, rows, out = compare(*(A[:3] + ["--vs"] + B[:3] + ["--markdown=" + md]))
check(not any(r["significant"] for r in rows), "3 v 3 runs with drift alone: expected no row better or worse, got %s"
      % sorted({(r["name"], r["verdict"]) for r in rows if r["significant"]}))
check(doc["basis"] == "runs" and doc["comparisons"][0]["a"] == A[:3] and doc["comparisons"][0]["b"] == B[:3],
      "--json: expected basis 'runs' and every folder of each side, got %s" % {k: doc["comparisons"][0][k]
                                                                              for k in ("a", "b", "basis")})
check(all(r["a_n"] == 3 and r["b_n"] == 3 for r in rows), "--json: expected a_n and b_n counting runs (3 each)")
head = out.split("== method:")[0]
check(all(f in head for f in A[:3] + B[:3]), "header: expected every folder of each side named, got:\n%s" % head)
check("3 v 3 runs" in out and "smallest two-sided p" in out and "4 v 4 runs can" in out,
      "3 v 3 runs: expected the note that no row can be better or worse, and what can, got:\n%s" % out[:3000])
check(" runs " in out and "3:3" in out and "none below 3 runs a side" in out,
      "terminal: expected a runs column (3:3) and the method line in runs, got:\n%s" % out[:3000])
with open(md, encoding="utf-8") as f:
    text = f.read()
check("| row | unit | A | B | runs | B/A [95% CI] | p | verdict |" in text and all(
    os.path.basename(f) in text for f in A[:3] + B[:3]), "--markdown: expected the runs column and every folder")

# 6 v 6 could reach p < 0.05, and drift alone still does not
doc, rows, out = compare(os.path.dirname(A[0]), "--vs", os.path.dirname(B[0]))
check(all(r["a_n"] == 6 and r["b_n"] == 6 for r in rows), "a machine's folder: expected its 6 runs a side")
check(not any(r["significant"] for r in rows), "6 v 6 runs with drift alone: expected no row better or worse, got %s"
      % sorted({(r["name"], r["verdict"]) for r in rows if r["significant"]}))

# (b) a real change, 20% slower in every run, over the same drift: worse, with its size
doc, rows, out = compare(*(A + ["--vs"] + C))
worse = [r for r in rows if r["verdict"] == "worse"]
check(len(worse) >= 0.9 * len(rows), "6 v 6 runs, every row 20%% slower: expected (nearly) every syscall row worse, "
      "got %d of %d: %s" % (len(worse), len(rows), verdicts(rows)))
check(all(1.1 < r["ratio"] < 1.3 and r["ci95"][0] > 1.0 for r in worse),
      "a 20%% slowdown: expected ratios near 1.2 with intervals above 1, got %s" %
      sorted({(round(r["ratio"], 3), round(r["ci95"][0], 3)) for r in worse})[:5])

# (c) what cannot be replicates: one line, exit 2
S = mkrun(os.path.join(T, "spr"), "--machine", "spr", "--seed", "40", *SMALL)
for args, want in ((A[:3] + ["--vs"] + B[:2], "side B has 2 run folders"),
                   (A[:2] + [S, "--vs"] + B[:3], "side A mixes machines"),
                   (A[:3] + ["--vs", A[0]] + B[:2], "given twice"),
                   ([os.path.dirname(A[0]), os.path.dirname(B[0])], "compare its runs as replicates with --vs"),
                   (A[:3] + ["--vs"] + B[:3] + ["--gbench"], "--gbench: not with --vs")):
    rc, out, err = run([script("compare")] + args, expect_rc=2)
    check(want in err and len(err.strip().splitlines()) == 1,
          "%s: expected one line saying %r, got:\n%s" % (" ".join(os.path.basename(a) for a in args), want, err))

# runs of one side measured two ways: that part's rows are shown, not judged (exact counts too:
# the same count from two counting methods is no evidence of the same code)
COUNTS = {"tool": "callgrind", "iterations": 100,
          "rows": [{"name": "syscall/getppid/asm", "instructions_per_call": 6.0, "items_per_op": 1}]}
M, MA = [], []
for i, (fa, fb) in enumerate(zip(A[:3], B[:3])):
    MA.append(os.path.join(T, "mixedA", os.path.basename(fa)))
    M.append(os.path.join(T, "mixed", os.path.basename(fb)))
    shutil.copytree(fa, MA[-1])
    shutil.copytree(fb, M[-1])
    for d in (MA[-1], M[-1]):
        with open(os.path.join(d, "counts.json"), "w") as fh:
            json.dump(COUNTS, fh)
    with open(os.path.join(M[-1], "run.json"), "w") as fh:
        json.dump({"schema": 1, "method": {"syscalls": {"version": 2 if i == 2 else 1},
                                           "counts": {"version": 2 if i == 2 else 1}}}, fh)
doc, rows, out = compare(*(MA + ["--vs"] + M))
check(all(r["verdict"] == "not judged: method mixed in B" and r["p"] is None for r in rows
          if r["verdict_kind"] != "n/a"),
      "a side whose runs record two syscall methods: expected its syscall rows not judged, got %s" % verdicts(rows))
counts = [r for r in doc["comparisons"][0]["rows"] if r["section"] == "counts"]
check(counts and all(r["verdict"] == "not judged: method mixed in B" for r in counts),
      "a side whose runs record two counting methods: expected the count rows not judged, got %s" % verdicts(counts))
part = out[out.find("== method:"):out.find("== machine:")]
check("mixed in B" in part and "method.syscalls.version" in part and os.path.basename(M[2]) in part,
      "method section: expected the part mixed in B, with the run that differs, got:\n%s" % part)
print("ok: runs as replicates see drift as drift, a real change as worse; bad sides refused, mixed methods not judged")
