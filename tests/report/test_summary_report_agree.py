#!/usr/bin/python3
"""Behaviour: summary.md (scripts/lib/bench_summary.py) and report.md (scripts/report) of one run
folder say the same things in the same words: each load row with the same ratio to nginx, the
headline with the suite's targets, the flagged rows; summary.md without plots, report.md with them.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import PY, SRC, check, mkrun, need, run, script, tmpdir  # noqa: E402

need("scipy", "numpy")
T = tmpdir()
R = mkrun(os.path.join(T, "results", "amd-epyc-7b13-zen3-2c-linux6.1", "2026-11-26T041500Z"), "--reps", "3",
          "--rounds", "5", "--hyperfine-runs", "10", "--drop", "summary.md")
run([PY, os.path.join(SRC, "scripts", "lib", "bench_summary.py"), R], expect_rc=0)
with open(os.path.join(R, "summary.md"), encoding="utf-8") as f:
    summary = f.read()
rc, report, err = run([script("report"), "--stdout", R], expect_rc=0)

for heading in ("## Headline", "## Accept throughput", "## Keep-alive", "## Syscall paths", "### memset",
                "### htons", "## Process-level cost", "## Instruction counts"):
    check(heading in summary, "summary.md: expected a %r section" % heading)
check("target ≤ 0.4×" in summary and "target ≤ 0.4×" in report,
      "both files: expected the accept CPU target in the headline")
check("**Flagged rows**" in summary and "- libc/reuseport ⚠" in summary,
      "summary.md: expected the flagged-row list naming libc/reuseport")
check("![" not in summary, "summary.md: expected no embedded plots")
check("](accept.png)" in report or "accept.png not drawn" in report, "report.md: expected the accept plot's place")

# every accept/keep-alive table line of the one file is, cell for cell, a line of the other
def load_lines(md, title):
    part = md.split(title, 1)[1].split("\n## ", 1)[0]
    return [l for l in part.splitlines() if re.match(r"^\| (⚠ )?`", l)]


for title in ("## Accept throughput", "## Keep-alive"):
    a, b = load_lines(summary, title), load_lines(report, title)
    check(len(a) > 5, "summary.md %s: expected the server rows, got %d" % (title, len(a)))
    check(a == b, "%s: summary.md and report.md rows differ:\n%s\nvs\n%s" % (title, "\n".join(a), "\n".join(b)))
print("ok: summary.md and report.md agree on every load row, the headline and the flagged rows")
