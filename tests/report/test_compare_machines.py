#!/usr/bin/python3
"""Behaviour: comparing two different machines prints the machine differences first, shows rows
that exist on one side only as n/a (never an error), and writes --markdown=FILE, --plot and --json;
with three folders each is compared to the first.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import check, mkrun, need, run, script, tmpdir  # noqa: E402

need("scipy", "numpy", "matplotlib")
T = tmpdir()
# 20 hyperfine runs a command, not 100: the rows are still compared, and the exact U
# distribution of 100 v 100 runs alone took most of this test's time
A = mkrun(os.path.join(T, "zen3"), "--machine", "zen3", "--seed", "1", "--hyperfine-runs", "20")
B = mkrun(os.path.join(T, "spr"), "--machine", "spr", "--seed", "2", "--hyperfine-runs", "20")
C = mkrun(os.path.join(T, "zen3-again"), "--machine", "zen3", "--seed", "3", "--hyperfine-runs", "20")
md, png, js = (os.path.join(T, f) for f in ("cmp.md", "cmp.png", "cmp.json"))
rc, out, err = run([script("compare"), A, B, C, "--markdown=" + md, "--plot", png, "--json", js], expect_rc=0)

# machine differences come before the rows, and name what differs
i_machine, i_rows = out.find("== machine: A vs B =="), out.find("== rows: B/A ==")
check(0 <= i_machine < i_rows, "expected the machine section before the rows, got positions %d, %d" % (i_machine, i_rows))
mpart = out[i_machine:i_rows]
for field in ("cpu.model_name", "cpu.flags.avx512f", "kernel.release", "cpu.caches.l3"):
    check(field in mpart, "machine differences: expected %s listed, got:\n%s" % (field, mpart))
check("== machine: A vs C ==" in out, "three folders: expected a second comparison (A vs C)")

with open(js) as f:
    doc = json.load(f)
check(len(doc["comparisons"]) == 2, "expected 2 comparisons in --json, got %d" % len(doc["comparisons"]))
rows = {r["name"]: r for r in doc["comparisons"][0]["rows"]}
# the Zen3 fixture has no AVX-512 rows: present on B only, shown as n/a
r = rows.get("memset/avx512/4096")
check(r is not None, "expected memset/avx512/4096 (only on the AVX-512 machine) among the rows")
check(r["verdict"].startswith("n/a"), "memset/avx512/4096: expected n/a, got %r" % r["verdict"])
check(r["a_median"] is None and r["b_median"] is not None, "n/a row: expected only B's median, got %s" % r)
check("n/a (not in A)" in out, "terminal table: expected an 'n/a (not in A)' row")
# different machines: the syscall cost differs, and compare must see it
g = rows["syscall/getppid/libc"]
check(g["verdict"] == "better", "syscall/getppid/libc on a faster-syscall machine: expected 'better', got %r" % g["verdict"])

with open(md, encoding="utf-8") as f:
    text = f.read()
check(text.startswith("# syspath compare"), "--markdown file: expected a '# syspath compare' heading")
check("## Machine: A vs B" in text and "| cpu.model_name |" in text, "--markdown: expected a machine table")
check("| row | unit | A | B | B/A [95% CI] | p | verdict |" in text, "--markdown: expected the row table header")
with open(png, "rb") as f:
    check(f.read(8) == b"\x89PNG\r\n\x1a\n", "--plot: expected a PNG file")

# --markdown with no file prints Markdown instead of the terminal table
rc, out, err = run([script("compare"), "--markdown", "--filter", "^syscall/getppid", A, B], expect_rc=0)
check(out.startswith("# syspath compare"), "--markdown to stdout: expected Markdown, got %r" % out[:80])
check("`syscall/getppid/asm`" in out and "memset/" not in out.split("## Rows")[1],
      "--filter: expected only syscall/getppid rows in the table")
print("ok: machine differences first, n/a rows, markdown/plot/json written, three folders")
