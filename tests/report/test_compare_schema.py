#!/usr/bin/python3
"""Behaviour: a run folder from elsewhere is read as it is: one copied under any name compares like
the original; one written by a newer scripts/bench (a higher machine.json schema) is read as far as
its rows go, with a note; a schema that is no version number, or a newer one with nothing this
reader recognises, is refused with one line and exit 2 — by scripts/compare and scripts/index alike.
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import check, mkrun, need, run, script, tmpdir  # noqa: E402

need("scipy", "numpy")
T = tmpdir()
A = mkrun(os.path.join(T, "results", "zen3", "2026-01-01T000000Z"), "--machine", "zen3", "--seed", "1")
COPY = os.path.join(T, "from-a-colleague")
shutil.copytree(A, COPY)


def with_machine(name, edit, keep_rows=True):
    d = os.path.join(T, "results", name, "2026-02-01T000000Z")
    if keep_rows:
        shutil.copytree(A, d)
    else:
        os.makedirs(d)
        shutil.copy(os.path.join(A, "machine.json"), d)
    p = os.path.join(d, "machine.json")
    with open(p) as f:
        m = json.load(f)
    edit(m)
    with open(p, "w") as f:
        json.dump(m, f)
    return d


FUTURE = with_machine("future", lambda m: m.update(schema=9, cpu={"renamed": True}))
EMPTY_FUTURE = with_machine("future-empty", lambda m: m.update(schema=9), keep_rows=False)
ALIEN = with_machine("alien", lambda m: m.update(schema="2.0-beta"))

js = os.path.join(T, "c.json")
rc, out, err = run([script("compare"), A, COPY, "--json", js], expect_rc=0)
with open(js) as f:
    rows = json.load(f)["comparisons"][0]["rows"]
check(all(r["verdict_kind"] in ("equivalent", "undetermined", "untested", "threshold") or r["verdict"] == "exact: same"
          for r in rows) and not any(r["significant"] for r in rows),
      "a copied folder against its original: expected no difference, got %s" %
      sorted({r["verdict"] for r in rows if r["significant"] or r["verdict_kind"] in ("exact", "n/a")}))

rc, out, err = run([script("compare"), A, FUTURE, "--filter", "^syscall/getppid/libc$"], expect_rc=0)
check("schema 9 is newer than this reader" in out, "newer schema: expected a note saying so, got:\n%s" % out[:600])
check("syscall/getppid/libc" in out, "newer schema: expected the rows it recognises")

for bad, why in ((ALIEN, "schema '2.0-beta'"), (EMPTY_FUTURE, "no row was recognised")):
    rc, out, err = run([script("compare"), A, bad], expect_rc=2)
    check(len(err.strip().splitlines()) == 1 and why in err and err.startswith("compare: "),
          "refused folder %s: expected one 'compare: …%s…' line, got %r" % (bad, why, err))

rc, out, err = run([script("index"), "--results", os.path.join(T, "results"), "--out", "-", "--readme", "none"],
                   expect_rc=0)
readable = [l for l in out.split("## Headline figures", 1)[1].splitlines() if l.startswith("| [`")]
check(len(readable) == 2, "index: expected the original and the newer-schema folder as rows, got %d" % len(readable))
check("alien/2026-02-01T000000Z: machine.json has schema '2.0-beta'" in out and "future-empty" in out,
      "index: expected the refused folders listed with their reasons")
print("ok: copied folder reads as the original, newer schema read with a note, unknown schema refused (exit 2)")
