#!/usr/bin/python3
"""scripts/bench --quick --only helpers end to end (the ctest build, no
rebuild): calibrate.json, and microbench.json whose bench-helpers repetitions
come from the processes the context names, every row with one repetition
from each (pooled by the readers: the row's values are all of them), the
auto thresholds of calibrate.json in bench-helpers' context, and a summary
with the helper tables. No speed is asserted."""
import collections
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import bench_quick, bin_dir, skip, src, want  # noqa: E402

sys.path.insert(0, os.path.join(src(), "scripts", "lib"))
import runfolder  # noqa: E402

bindir = bin_dir()
build = os.environ.get("SYSPATH_BUILD") or os.path.dirname(bindir)
for exe in ("bench-helpers", "syspath-calibrate"):
    if not os.access(os.path.join(bindir, exe), os.X_OK):
        skip("%s is not built in %s" % (exe, bindir))

with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "run")
    se = bench_quick("helpers", out, build, timeout=300)
    want("in 3 processes" in se, "the progress line does not say the repetitions run in 3 processes")

    with open(os.path.join(out, "calibrate.json")) as f:
        cal = json.load(f)
    with open(os.path.join(out, "microbench.json")) as f:
        doc = json.load(f)
    ctx = doc["contexts"]["bench-helpers"]
    want(ctx.get("syspath_processes") == 3, "bench-helpers context syspath_processes = %r, expected 3"
         % ctx.get("syspath_processes"))
    for var, value in cal["env"].items():
        key = "auto_" + var.replace("SYSPATH_", "").lower()     # auto_memset_rep_threshold, ..._rep_end
        want(ctx.get(key) == "%s (env)" % value, "%s = %r in bench-helpers' context, calibrate.json "
             "says %s (bench-helpers should run with calibrate's env)" % (key, ctx.get(key), value))
    procs = collections.defaultdict(list)
    for b in doc["benchmarks"]:
        if b.get("run_type") != "iteration" or not b["run_name"].startswith(("memset/", "memcpy/", "strlen/")):
            continue
        want("syspath_process" in b, "%s: a repetition without syspath_process" % b["run_name"])
        procs[b["run_name"]].append(b.get("syspath_process"))
    want(procs, "no helper repetitions in microbench.json")
    for name, ps in procs.items():
        if "/libc_erms/" in name:
            continue
        want(sorted(ps) == [1, 2, 3], "%s: repetitions from processes %s, expected one from each of 1..3"
             % (name, sorted(ps)))
    r = runfolder.load(out)
    rows = {n: row for n, row in r.rows.items() if row.section == "helpers"}
    want(rows, "the run folder reader found no helper rows")
    for name, ps in procs.items():
        if name in rows:
            want(len(rows[name].values) == len(ps), "%s: the reader kept %d values of %d repetitions"
                 % (name, len(rows[name].values), len(ps)))
    with open(os.path.join(out, "summary.md")) as f:
        summary = f.read()
    want("### memcpy" in summary and "### memset" in summary, "summary.md has no helper tables")
print("ok: helpers in 3 processes, pooled")
