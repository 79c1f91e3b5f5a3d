#!/usr/bin/python3
"""Behaviour: scripts/compare with three or more folders opens with a matrix — rows by name, one
column per folder, each folder's ratio to A with its interval and verdict, led by the key figures —
in text, --markdown, --json and a --plot heat map; --matrix-only leaves out the per-folder sections.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import SRC, check, mkrun, need, run, script, tmpdir  # noqa: E402

need("scipy", "numpy", "matplotlib")
sys.path.insert(0, os.path.join(SRC, "scripts", "lib"))
import runfolder  # noqa: E402

T = tmpdir()
A = mkrun(os.path.join(T, "zen3"), "--machine", "zen3", "--seed", "1")
B = mkrun(os.path.join(T, "spr"), "--machine", "spr", "--seed", "2")
C = mkrun(os.path.join(T, "zen3-again"), "--machine", "zen3", "--seed", "3", "--drop", "accept.json")
# calibrated thresholds: B's rep-string threshold moved, C's did not
for folder, rep in ((A, 2048), (B, 8192), (C, 2048)):
    with open(os.path.join(folder, "calibrate.json"), "w") as f:
        json.dump({"memset": {"rep_threshold": rep, "nt_threshold": None}, "max_size": 268435456}, f)
md, png, js = (os.path.join(T, f) for f in ("m.md", "m.png", "m.json"))
rc, out, err = run([script("compare"), A, B, C, "--markdown=" + md, "--plot", png, "--json", js], expect_rc=0)

i_matrix, i_pairs = out.find("== matrix: every folder relative to A (3 folders) =="), out.find("== machine: A vs B ==")
check(0 <= i_matrix < i_pairs, "expected the matrix before the per-folder sections, got positions %d, %d" % (i_matrix, i_pairs))
head = [l for l in out[i_matrix:i_pairs].splitlines() if l.strip().startswith("row ")]
check(head and "B/A" in head[0] and "C/A" in head[0], "matrix: expected a B/A and a C/A column, got %r" % head[:1])

with open(js) as f:
    doc = json.load(f)
mx = doc.get("matrix")
check(mx is not None and mx["folders"] == [A, B, C], "--json: expected a matrix over the three folders, got %r" % (mx or {}).get("folders"))
rows = {r["name"]: r for r in mx["rows"]}
g = rows["syscall/getppid/libc"]
check(g["cells"][0]["verdict"] == "better" and g["cells"][0]["ratio"] < 1,
      "getppid libc on the faster-syscall machine (B): expected better and a ratio < 1, got %s" % g["cells"][0])
check(g["cells"][1]["verdict_kind"] in ("equivalent", "undetermined") and not g["cells"][1]["significant"],
      "getppid libc, the same machine again (C): expected equivalent or undetermined, got %s" % g["cells"][1])
lo, hi = g["cells"][0]["ci95"]
check(lo is not None and lo <= g["cells"][0]["ratio"] <= hi, "B/A: expected the ratio inside its interval, got %s" % g["cells"][0])
# rows missing on a side are n/a cells, not errors
check(rows["memset/avx512/4096"]["a_median"] is None and rows["memset/avx512/4096"]["cells"][0]["verdict"].startswith("n/a"),
      "memset/avx512/4096 (AVX-512 on B only): expected n/a against A")
check(rows["accept/raw/epoll"]["cells"][1]["verdict"].startswith("n/a"), "C without accept.json: expected n/a accept cells")

# the key figures are the folders' own medians
keys = {k["figure"]: k for k in mx["key"]}
want = [runfolder.load(p).get("syscall/getppid/libc").median for p in (A, B, C)]
k = keys["null syscall, libc"]
check([k["a"]] + [c["value"] for c in k["cells"]] == want, "key figure 'null syscall, libc': expected %s, got %s" % (want, k))
check(keys["accept: server CPU raw/epoll × nginx"]["cells"][1]["value"] is None,
      "key figure from a missing accept.json: expected None (n/a)")
# a threshold moves; it is never better or worse, in the key figures and in the rows
rep = keys["memset rep stosb from (calibrated)"]
check([c["verdict"] for c in rep["cells"]] == ["moved", "unchanged"] and rep["a_text"] == "≥ 2 KiB",
      "calibrated rep threshold: expected moved in B, unchanged in C, got %s" % rep)
cal = rows["calibrate/memset/rep"]["cells"]
check([c["verdict"] for c in cal] == ["moved", "unchanged"] and not any(c["significant"] for c in cal),
      "row calibrate/memset/rep: expected moved / unchanged and never significant, got %s" % cal)
sys.path.insert(0, os.path.join(SRC, "scripts", "lib"))
import math  # noqa: E402
import matrix  # noqa: E402
good = matrix.goodness_map(mx["key"], 3)
i = [k["figure"] for k in mx["key"]].index("memset rep stosb from (calibrated)")
check(all(math.isnan(v) for v in good[i]), "heat map: a threshold must not be painted better or worse")

with open(md, encoding="utf-8") as f:
    text = f.read()
check("## Matrix: every folder relative to A" in text and "| figure | A | B | C |" in text
      and "| row | unit | A | B/A | C/A |" in text and "| memset rep stosb from (calibrated) | ≥ 2 KiB | ≥ 8 KiB (moved) |" in text,
      "--markdown: expected the key-figure and row matrices, a moved threshold said moved")
with open(png, "rb") as f:
    check(f.read(8) == b"\x89PNG\r\n\x1a\n", "--plot: expected a PNG file")

rc, out, err = run([script("compare"), A, B, C, "--matrix-only", "--filter", "^syscall/"], expect_rc=0)
check("== matrix:" in out and "== machine: A vs B ==" not in out, "--matrix-only: expected the matrix alone")
check("memset/" not in out.split("-- syscall paths --", 1)[-1], "--filter: expected only syscall rows in the matrix")
rc, out, err = run([script("compare"), A, B, "--matrix-only"], expect_rc=2)
check(err.startswith("compare: --matrix-only") and len(err.strip().splitlines()) == 1,
      "--matrix-only with two folders: expected one line and exit 2, got %r" % err)
print("ok: matrix first, per-folder ratios with intervals and verdicts, key figures, markdown/json/plot, --matrix-only")
