#!/usr/bin/python3
"""Behaviour: scripts/index writes one row per run folder with the machine and the headline
figures read from the folders alone; a folder missing parts gets n/a cells, an unreadable one is
listed with its reason, and nothing crashes; re-running rewrites nothing; --check says when the
page is stale; the README block between the markers is replaced; bad options are one line, exit 2.
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import SRC, check, mkrun, need, run, script, tmpdir  # noqa: E402

sys.path.insert(0, os.path.join(SRC, "scripts", "lib"))
need("numpy")
import runfolder  # noqa: E402

T = tmpdir()
R = os.path.join(T, "results")
ZEN = mkrun(os.path.join(R, "amd-zen3", "2026-01-01T000000Z"), "--machine", "zen3", "--seed", "1")
SPR = mkrun(os.path.join(R, "intel-spr", "2026-01-02T000000Z"), "--machine", "spr", "--seed", "2")
OLD = mkrun(os.path.join(R, "intel-spr", "2025-06-01T000000Z"), "--machine", "spr", "--seed", "3", "--old",
            "--drop", "microbench.json", "--drop", "keepalive.json")
# a calibration on one folder, a torn one on another: thresholds in one, n/a in the other
with open(os.path.join(ZEN, "calibrate.json"), "w") as f:
    json.dump({"memset": {"rep_threshold": 2048, "nt_threshold": None}, "max_size": 268435456}, f)
with open(os.path.join(SPR, "calibrate.json"), "w") as f:
    f.write("{\"memset\": {")
# unreadable folders: broken JSON, and a schema this reader cannot know
BROKEN = os.path.join(R, "broken", "2026-02-01T000000Z")
os.makedirs(BROKEN)
with open(os.path.join(BROKEN, "accept.json"), "w") as f:
    f.write("{\"rows\": [")
ALIEN = os.path.join(R, "alien", "2026-02-02T000000Z")
os.makedirs(ALIEN)
with open(os.path.join(ALIEN, "machine.json"), "w") as f:
    json.dump({"schema": "v2-draft"}, f)

OUT = os.path.join(T, "index.md")
rc, out, err = run([script("index"), "--results", R, "--out", OUT, "--readme", "none"], expect_rc=0)
with open(OUT, encoding="utf-8") as f:
    page = f.read()


def table_rows(text, heading):
    part = text.split(heading, 1)[1].split("\n## ", 1)[0]
    return [l for l in part.splitlines() if l.startswith("| [`")]


for heading in ("## Machines", "## Headline figures"):
    rows = table_rows(page, heading)
    check(len(rows) == 3, "%s: expected 3 rows (the 3 readable folders), got %d:\n%s" % (heading, len(rows), page))

machines = "\n".join(table_rows(page, "## Machines"))
check("AMD EPYC 7B13" in machines and "zen3" in machines and "sapphirerapids" in machines,
      "machine table: expected both CPUs and microarchs, got:\n%s" % machines)
heads = {l.split("`")[1]: [c.strip() for c in l.split("|")[2:-1]] for l in table_rows(page, "## Headline figures")}

# the figures are the folders' own medians (read through runfolder, as the page does)
zen = runfolder.load(ZEN)
want = zen.get("syscall/getppid/libc").median
zen_cells = heads["amd-zen3/2026-01-01T000000Z"]
check(zen_cells[2] == ("%.0f" % want if want >= 100 else "%.1f" % want),
      "zen3 getppid libc: expected the folder's median %.3f, got cell %r" % (want, zen_cells[2]))
ratio = zen.get("accept-cpu/raw/epoll").median / zen.get("accept-cpu/nginx").median
check(zen_cells[8] == "%.2f×" % ratio, "zen3 accept CPU × nginx: expected %.2f×, got %r" % (ratio, zen_cells[8]))
check(zen_cells[6] == "≥ 2 KiB" and zen_cells[7].startswith("none up to 256 MiB"),
      "zen3 memset crossovers from calibrate.json: expected '≥ 2 KiB' and 'none up to 256 MiB', got %s" % zen_cells[6:8])
# missing parts: n/a, never a crash
old_cells = heads["intel-spr/2025-06-01T000000Z"]
check(old_cells[:6] == ["n/a"] * 6, "old folder without microbench.json: expected n/a syscall cells, got %s" % old_cells)
check(old_cells[9] == "n/a" and old_cells[8] != "n/a",
      "old folder without keepalive.json: expected keep-alive n/a and an accept ratio, got %s" % old_cells[8:])
check(heads["intel-spr/2026-01-02T000000Z"][6] == "n/a", "torn calibrate.json: expected an n/a crossover cell")
# unreadable folders are listed with the reason, and said on stderr
bad = page.split("## Folders that could not be read", 1)
check(len(bad) == 2 and "broken/2026-02-01T000000Z/accept.json: not valid JSON" in bad[1]
      and "alien/2026-02-02T000000Z: machine.json has schema 'v2-draft'" in bad[1],
      "expected both unreadable folders listed with their reasons, got:\n%s" % page[-800:])
check("skipped" in err, "expected a note on stderr for the skipped folders, got %r" % err)
check("Across 2 machines" in page, "two machines: expected the spread lines, got:\n%s" % page[-1500:])

# regenerating from the same folders changes nothing, and --check agrees
mtime = os.stat(OUT).st_mtime_ns
rc, out, err = run([script("index"), "--results", R, "--out", OUT, "--readme", "none"], expect_rc=0)
check(os.stat(OUT).st_mtime_ns == mtime and "wrote" not in err, "second run: expected no rewrite, got %r" % err)
run([script("index"), "--results", R, "--out", OUT, "--readme", "none", "--check"], expect_rc=0)
shutil.rmtree(OLD)
rc, out, err = run([script("index"), "--results", R, "--out", OUT, "--readme", "none", "--check"], expect_rc=1)
check("stale" in err and os.stat(OUT).st_mtime_ns == mtime, "--check on a stale page: expected 'stale' and no write")

# one machine: the page says so instead of an empty comparison
ONE = os.path.join(T, "one")
shutil.copytree(ZEN, os.path.join(ONE, "amd-zen3", "2026-01-01T000000Z"))
rc, out, err = run([script("index"), "--results", ONE, "--out", "-", "--readme", "none"], expect_rc=0)
check("One machine so far" in out and len(table_rows(out, "## Headline figures")) == 1,
      "one machine: expected one row and the one-machine sentence, got:\n%s" % out)

# the README block between the markers is replaced, the rest kept byte for byte
README = os.path.join(T, "README.md")
with open(README, "w") as f:
    f.write("intro\n<!-- results-index:begin -->\nold table\n<!-- results-index:end -->\noutro\n")
run([script("index"), "--results", R, "--out", OUT, "--readme", README], expect_rc=0)
with open(README, encoding="utf-8") as f:
    text = f.read()
check(text.startswith("intro\n<!-- results-index:begin -->") and text.endswith("<!-- results-index:end -->\noutro\n")
      and "old table" not in text and "amd-zen3/2026-01-01T000000Z" in text,
      "README block: expected the generated table between the markers, got:\n%s" % text)

# bad input: one line, exit 2
with open(README, "w") as f:
    f.write("no markers here\n")
for argv in (["--results", os.path.join(T, "nope")], ["--bogus"], ["--out"],
             ["--results", ONE, "--out", OUT, "--readme", README]):
    rc, out, err = run([script("index")] + argv, expect_rc=2)
    check(len(err.strip().splitlines()) == 1 and err.startswith("index: "),
          "%s: expected one 'index: …' line on stderr, got %r" % (argv, err))
rc, out, err = run([script("index"), "--help"], expect_rc=0)
check("usage: scripts/index" in out, "--help: expected the usage text")
print("ok: rows per folder, figures from the folders, n/a cells, unreadable folders listed, "
      "idempotent, --check, README block, one-line errors")
