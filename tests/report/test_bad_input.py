#!/usr/bin/python3
"""Behaviour: a run folder that cannot be read — missing, not a folder, empty, or with a corrupt
JSON file — makes plot, report and compare exit 2 with one line naming it; never a traceback.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import check, mkrun, need, run, script, tmpdir  # noqa: E402

need("scipy", "numpy", "matplotlib")
T = tmpdir()
GOOD = mkrun(os.path.join(T, "good"), "--reps", "3", "--rounds", "3")
EMPTY = os.path.join(T, "empty")
os.makedirs(EMPTY)
MISSING = os.path.join(T, "no-such-run")
AFILE = os.path.join(GOOD, "summary.md")
CORRUPT = mkrun(os.path.join(T, "corrupt"), "--reps", "3", "--rounds", "3")
with open(os.path.join(CORRUPT, "accept.json"), "w") as f:
    f.write('{"rows": [ {"server": "nginx", ')   # a run killed mid-write


def one_line_exit2(cmd, must_name):
    rc, out, err = run(cmd, expect_rc=2)
    lines = [l for l in err.splitlines() if l.strip()]
    check(len(lines) == 1, "%s: expected one line on stderr, got %d:\n%s" % (" ".join(cmd), len(lines), err))
    check(must_name in lines[0], "%s: expected the message to name %s, got %r" % (" ".join(cmd), must_name, lines[0]))


for tool in ("plot", "report"):
    one_line_exit2([script(tool), MISSING], MISSING)
    one_line_exit2([script(tool), EMPTY], EMPTY)
    one_line_exit2([script(tool), AFILE], AFILE)
    one_line_exit2([script(tool), CORRUPT], os.path.join(CORRUPT, "accept.json"))
    one_line_exit2([script(tool)], "RUN_DIR")
    one_line_exit2([script(tool), "--bogus", GOOD], "--bogus")
    rc, out, err = run([script(tool), "--help"], expect_rc=0)
    check("usage:" in out, "%s --help: expected a usage text" % tool)

one_line_exit2([script("compare"), GOOD, MISSING], MISSING)
one_line_exit2([script("compare"), MISSING, GOOD], MISSING)
one_line_exit2([script("compare"), GOOD, CORRUPT], os.path.join(CORRUPT, "accept.json"))
one_line_exit2([script("compare"), GOOD, EMPTY], EMPTY)
one_line_exit2([script("compare"), GOOD], "two run folders")
one_line_exit2([script("compare"), GOOD, GOOD, "--alpha", "7"], "--alpha")
one_line_exit2([script("compare"), GOOD, GOOD, "--filter", "("], "--filter")
rc, out, err = run([script("compare"), "--help"], expect_rc=0)
check("usage:" in out and "Mann-Whitney" in out, "compare --help: expected usage and the method")
print("ok: every unreadable input gives exit 2 and one line naming it")
