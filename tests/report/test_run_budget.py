#!/usr/bin/python3
"""Behaviour: run_budget.keep() drops only microbench.json's mean/stddev/cv aggregates, so every
reader sees the same rows and values after it; a second pass changes nothing; a folder still over
the budget gets one warning naming its largest files; every committed run folder is within budget.
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import SRC, check, mkrun, need, tmpdir  # noqa: E402

need("numpy")
sys.path.insert(0, os.path.join(SRC, "scripts", "lib"))
import run_budget  # noqa: E402
import runfolder   # noqa: E402

T = tmpdir()
A = mkrun(os.path.join(T, "a"), "--machine", "spr", "--seed", "1")
B = os.path.join(T, "b")
shutil.copytree(A, B)

with open(os.path.join(A, "microbench.json")) as f:
    before = json.load(f)["benchmarks"]
logged = []
disk, stored, over = run_budget.keep(B, logged.append)
with open(os.path.join(B, "microbench.json")) as f:
    after = json.load(f)["benchmarks"]

aggs = lambda bs, n: [b for b in bs if b.get("run_type") == "aggregate" and b.get("aggregate_name") == n]  # noqa: E731
check(aggs(before, "mean") and not aggs(after, "mean") and not aggs(after, "stddev") and not aggs(after, "cv"),
      "expected the mean/stddev/cv aggregates present before and gone after")
check(aggs(after, "median") == aggs(before, "median"), "expected the median aggregates kept as they were")
iters = lambda bs: [b for b in bs if b.get("run_type") != "aggregate"]  # noqa: E731
check(iters(after) == iters(before), "expected every per-repetition row kept unchanged")

ra, rb = runfolder.load(A), runfolder.load(B)
check(list(ra.rows) == list(rb.rows), "expected the same rows after pruning")
diff = [n for n in ra.rows if ra.rows[n].values != rb.rows[n].values or ra.rows[n].median != rb.rows[n].median]
check(not diff, "expected identical values and medians after pruning, these differ: %s" % diff[:5])
check(not over and not logged, "a synthetic folder: expected it within budget and no warning, got %s" % logged)

size = os.path.getsize(os.path.join(B, "microbench.json"))
run_budget.keep(B, logged.append)
check(os.path.getsize(os.path.join(B, "microbench.json")) == size, "a second pass: expected no change")

with open(os.path.join(B, "noise.bin"), "wb") as f:
    f.write(os.urandom(run_budget.BUDGET_STORED + 4096))   # random bytes do not compress
disk, stored, over = run_budget.keep(B, logged.append)
check(over and len(logged) == 1 and "noise.bin" in logged[0] and "budget" in logged[0],
      "a folder over budget: expected one warning naming noise.bin, got %s" % logged)

results = os.path.join(SRC, "results")
for slug in sorted(os.listdir(results)) if os.path.isdir(results) else []:
    for ts in sorted(os.listdir(os.path.join(results, slug))) if os.path.isdir(os.path.join(results, slug)) else []:
        folder = os.path.join(results, slug, ts)
        if os.path.isdir(folder):
            _, stored = run_budget.sizes(folder)
            check(stored <= run_budget.BUDGET_STORED, "committed run %s/%s: %.2f MiB stored, over the %d MiB budget"
                  % (slug, ts, stored / 2 ** 20, run_budget.BUDGET_STORED >> 20))
print("ok: only mean/stddev/cv aggregates dropped, readers see the same rows, idempotent, over-budget warned, "
      "committed runs within budget")
