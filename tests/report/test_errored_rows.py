#!/usr/bin/python3
"""Behaviour: an errored row is shown as an error, never dropped: a helper variant whose check
failed and a load row whose every round failed are listed under "Errors" in summary.md and
report.md, and the load row keeps its place in its table, marked.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import PY, SRC, check, mkrun, need, run, script, tmpdir  # noqa: E402

need("scipy", "numpy")
T = tmpdir()
R = mkrun(os.path.join(T, "errored"), "--errored", "--reps", "3", "--rounds", "3", "--hyperfine-runs", "10",
          "--drop", "counts.json", "--drop", "hyperfine-hello.json", "--drop", "hyperfine-serve.json")
run([PY, os.path.join(SRC, "scripts", "lib", "bench_summary.py"), R], expect_rc=0)
with open(os.path.join(R, "summary.md"), encoding="utf-8") as f:
    summary = f.read()
report = run([script("report"), "--stdout", R], expect_rc=0)[1]
for name, md in (("summary.md", summary), ("report.md", report)):
    errs = md.split("## ⚠ Errors", 1)[1].split("\n## ", 1)[0] if "## ⚠ Errors" in md else ""
    check("memset/broken/256: the variant did not fill the buffer" in errs,
          "%s: expected the failed helper check under Errors, got %r" % (name, errs))
    check("accept/raw/sqpoll: every round failed" in errs, "%s: expected the failed load row under Errors" % name)
    row = next((l for l in md.splitlines() if l.startswith("| ⚠ `raw/sqpoll`")), "")
    check("**error: every round failed**" in row, "%s: expected raw/sqpoll in the accept table as an error" % name)
CLEAN = mkrun(os.path.join(T, "clean"), "--reps", "3", "--rounds", "3", "--hyperfine-runs", "10", "--drop", "counts.json",
              "--drop", "microbench.json")
check("Errors" not in run([script("report"), "--stdout", CLEAN], expect_rc=0)[1], "a clean run shows an Errors section")
# scripts/bench's exit status comes from the same list: errored rows make it exit 1
probe = "import sys; sys.path.insert(0, %r); import bench_summary; print(len(bench_summary.errored(sys.argv[1])))" \
    % os.path.join(SRC, "scripts", "lib")
check(run([PY, "-c", probe, R], expect_rc=0)[1].strip() == "2", "bench_summary.errored: expected 2 errored rows")
check(run([PY, "-c", probe, CLEAN], expect_rc=0)[1].strip() == "0", "bench_summary.errored: a clean run has errors")
print("ok: errored rows listed under Errors in both files, the failed load row kept in its table")
