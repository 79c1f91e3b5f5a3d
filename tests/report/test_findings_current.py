#!/usr/bin/python3
"""Behaviour: the committed findings (docs/FINDINGS.md's block and the README's one-run block) are
what scripts/findings renders from the committed run folders today, so no figure in them was typed
by hand or left behind by a new run; --check catches a block that differs (exit 1, one line) and
a file without its markers (exit 2, one line); a render is repeatable (a second one changes nothing).
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import PY, SRC, check, need, run, script, tmpdir  # noqa: E402

need("numpy", "scipy")
FINDINGS = script("findings")
BEGIN, END = "<!-- findings:begin -->", "<!-- findings:end -->"

# 1. the committed blocks match a fresh render of the committed run folders
rc, _, err = run([PY, FINDINGS, "--check"], timeout=300)
check(rc == 0, "docs/FINDINGS.md or README.md differs from what scripts/findings renders from results/ "
               "(run scripts/findings and commit the result): exit %d, %s" % (rc, err.strip()))

# 2. a figure changed by hand inside the block is caught, with one line and exit 1
T = tmpdir()
mine = os.path.join(T, "FINDINGS.md")
shutil.copy(os.path.join(SRC, "docs", "FINDINGS.md"), mine)
with open(mine, encoding="utf-8") as f:
    text = f.read()
i, j = text.find(BEGIN), text.find(END)
check(0 <= i < j, "docs/FINDINGS.md: expected the %s … %s block" % (BEGIN, END))
block = text[i:j]
k = next((n for n, ch in enumerate(block) if ch.isdigit() and block[n - 1] in " (|"), None)
check(k is not None, "docs/FINDINGS.md: expected figures in the block (is results/ empty?)")
tampered = block[:k] + ("8" if block[k] != "8" else "7") + block[k + 1:]
with open(mine, "w", encoding="utf-8") as f:
    f.write(text[:i] + tampered + text[j:])
rc, out, err = run([PY, FINDINGS, "--findings", mine, "--readme", "none", "--check"], timeout=300)
check(rc == 1, "--check over a tampered block: expected exit 1, got %d (%s)" % (rc, err.strip()))
lines = [l for l in err.splitlines() if l.strip()]
check(len(lines) == 1 and "stale" in lines[0], "--check: expected one line saying the file is stale, got %r" % err)

# 3. a render over the tampered copy gives what a render over an untouched copy beside it gives
#    (links are relative to the file, so both live in the same folder), and a second one changes nothing
clean = os.path.join(T, "clean.md")
shutil.copy(os.path.join(SRC, "docs", "FINDINGS.md"), clean)
for path in (mine, clean):
    run([PY, FINDINGS, "--findings", path, "--readme", "none"], expect_rc=0, timeout=300)
with open(mine, encoding="utf-8") as f, open(clean, encoding="utf-8") as g:
    check(f.read() == g.read(), "a render over the tampered copy differs from a render over an untouched one")
run([PY, FINDINGS, "--findings", mine, "--readme", "none", "--check"], expect_rc=0, timeout=300)

# 4. a file without the markers is one line and exit 2, never a traceback
bare = os.path.join(T, "bare.md")
with open(bare, "w", encoding="utf-8") as f:
    f.write("# no block here\n")
rc, _, err = run([PY, FINDINGS, "--findings", bare, "--readme", "none"], expect_rc=2)
check(len(err.strip().splitlines()) == 1 and "findings:begin" in err,
      "a file without markers: expected one line naming the markers, got %r" % err)
with open(bare, encoding="utf-8") as f:
    check(f.read() == "# no block here\n", "a file without markers was changed")
print("findings current: the committed blocks match a fresh render; tampering and missing markers are caught")
