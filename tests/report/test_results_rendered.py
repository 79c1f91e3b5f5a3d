#!/usr/bin/python3
"""Behaviour: every committed run folder's report.md and summary.md are what today's renderer
makes of its JSON (scripts/report: render.report; bench_summary.py: render.summary), so no
committed file says what the code no longer would. A difference names the folder, the first
differing line, and the two commands that re-render it.

usage: test_results_rendered.py [K/N]   only the K-th of N equal shares of the folders (1-based),
so ctest runs the shares side by side; without it, every folder.
"""
import difflib
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import SRC, check, fail, need, skip  # noqa: E402

need("scipy", "numpy")
sys.path.insert(0, os.path.join(SRC, "scripts", "lib"))


def rendered(folder):
    """[(file, first difference or None)] for one folder's committed markdown."""
    import render
    import runfolder
    run = runfolder.load(folder)
    out = []
    for name, make in (("report.md", render.report), ("summary.md", render.summary)):
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            committed = f.read()
        fresh = make(run)
        diff = None
        if fresh != committed:
            lines = list(difflib.unified_diff(committed.splitlines(), fresh.splitlines(), "committed", "today", n=0))
            diff = "\n".join(lines[:8])
        out.append((name, diff))
    return folder, out


folders = sorted(d for d in glob.glob(os.path.join(SRC, "results", "*", "*"))
                 if os.path.isdir(d) and (os.path.exists(os.path.join(d, "report.md")) or
                                          os.path.exists(os.path.join(d, "summary.md"))))
if len(sys.argv) > 1:
    k, n = (int(x) for x in sys.argv[1].split("/"))
    folders = folders[k - 1::n]
if not folders:
    skip("no committed run folder with a report.md or summary.md under %s%s"
         % (os.path.join(SRC, "results"), " in share " + sys.argv[1] if len(sys.argv) > 1 else ""))
results = [rendered(f) for f in folders]
bad = []
for folder, files in results:
    rel = os.path.relpath(folder, SRC)
    for name, diff in files:
        if diff:
            bad.append("%s/%s differs from today's render:\n%s" % (rel, name, diff))
if bad:
    fail("%d committed file(s) differ; re-render with `scripts/report DIR` and "
         "`/usr/bin/python3 scripts/lib/bench_summary.py DIR`:\n\n%s" % (len(bad), "\n\n".join(bad)))
n = sum(len(files) for _, files in results)
check(n >= len(folders), "expected at least one file per folder, checked %d" % n)
print("ok: %d committed report.md/summary.md in %d run folders equal today's render" % (n, len(folders)))
