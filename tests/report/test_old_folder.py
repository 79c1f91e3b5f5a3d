#!/usr/bin/python3
"""Behaviour: an old run folder — files missing, keys missing, keys no reader knows — still
plots, reports and compares: a missing file skips its plot/section with a note, never an error.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import check, mkrun, need, run, script, tmpdir  # noqa: E402

need("matplotlib", "scipy", "numpy")
T = tmpdir()
OLD = mkrun(os.path.join(T, "old"), "--old", "--extra-keys", "--reps", "5", "--rounds", "6", "--hyperfine-runs", "20",
            "--drop", "keepalive.json", "--drop", "hyperfine-serve.json", "--drop", "counts.json",
            "--drop", "summary.md")

rc, out, err = run([script("plot"), OLD], expect_rc=0)
check("keepalive.png skipped: no keepalive.json" in err, "plot: expected a note that keepalive.png was skipped, got %r" % err)
for stem in ("accept", "syscalls", "hyperfine", "helpers-memset"):
    check(os.path.exists(os.path.join(OLD, stem + ".png")), "plot on an old folder: expected %s.png" % stem)
check(not os.path.exists(os.path.join(OLD, "keepalive.png")), "plot: keepalive.png written without keepalive.json")

rc, out, err = run([script("report"), OLD], expect_rc=0)
with open(os.path.join(OLD, "report.md"), encoding="utf-8") as f:
    md = f.read()
check("## Keep-alive" not in md, "report: expected no keep-alive section without keepalive.json")
check("- no keepalive.json" in md and "- no counts.json" in md, "report: expected notes naming the missing files")
# the old accept.json has no "name": rows are named from backend/model
check("`raw/epoll`" in md, "report: expected accept rows named from backend/model, e.g. raw/epoll")
check("## Instruction counts" not in md, "report: expected no instruction-count section without counts.json")
check("x_future_field" not in md, "report: a key no reader knows leaked into report.md")

# a folder that has only machine.json: every plot skipped, the report says so, exit 0
ONLY = mkrun(os.path.join(T, "only-machine"), "--drop", "microbench.json", "--drop", "accept.json",
             "--drop", "keepalive.json", "--drop", "counts.json", "--drop", "hyperfine-hello.json",
             "--drop", "hyperfine-serve.json")
rc, out, err = run([script("plot"), ONLY], expect_rc=0)
check(out.strip() == "" and err.count("skipped") == 5, "plot with machine.json only: expected 5 skip notes, got %r" % err)
run([script("report"), ONLY], expect_rc=0)

# compare a new folder with the old one: missing rows are n/a, exit 0
NEW = mkrun(os.path.join(T, "new"), "--reps", "5", "--rounds", "6", "--hyperfine-runs", "20")
rc, out, err = run([script("compare"), NEW, OLD], expect_rc=0)
check("keepalive/raw/epoll" in out and "n/a (only in A)" in out, "compare new vs old: expected keep-alive rows n/a")
check("accept/raw/epoll" in out, "compare new vs old: expected accept rows matched by name")
line = next((l for l in out.splitlines() if " accept/raw/epoll " in l), "")
check("n/a" not in line, "compare: accept/raw/epoll should match between new and old folders, got %r" % line)
print("ok: old folder plots, reports and compares; missing files are notes")
