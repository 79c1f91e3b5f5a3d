#!/usr/bin/python3
"""Behaviour: summary.md and report.md headline the declared comparisons, not the best row:
each model's libc row against every peer the run has (nginx, nginx-deferred, h2o), asm and raw
against libc per model, each with interval and test and one verdict of stats.judge's vocabulary
(cheaper/costlier, equivalent within ±m%, undetermined with what the run could detect, untested),
each family counted in a table; a client-bound rate is said to be one and never judged "met"; with
one round no interval and no test is claimed, in the text or the tables. A target of "at or below"
the floor is met by a row judged the same as the floor within the margin, and said so; below 1x
with the interval above it stays "by the median only".
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import PY, SRC, check, mkrun, need, run, script, tmpdir  # noqa: E402

need("scipy", "numpy")
T = tmpdir()
SUMMARY = os.path.join(SRC, "scripts", "lib", "bench_summary.py")


def both(folder):
    run([PY, SUMMARY, folder], expect_rc=0)
    with open(os.path.join(folder, "summary.md"), encoding="utf-8") as f:
        summary = f.read()
    return summary, run([script("report"), "--stdout", folder], expect_rc=0)[1]


def paths_and_models(folder):
    """The syspath paths and models of the folder's accept rows, in their order: what the
    renderers must cover (the folder's rows, not a list kept here)."""
    with open(os.path.join(folder, "accept.json"), encoding="utf-8") as f:
        rows = [r for r in json.load(f)["rows"] if r["server"] == "syspath"]
    return list(dict.fromkeys(r["backend"] for r in rows)), list(dict.fromkeys(r["model"] for r in rows))


R = mkrun(os.path.join(T, "five"), "--reps", "3", "--rounds", "5", "--hyperfine-runs", "10",
          "--drop", "microbench.json", "--drop", "counts.json")
PATHS, MODELS = paths_and_models(R)
check("libc" in PATHS and len(PATHS) > 1 and MODELS, "the fixture has libc and other paths: %r %r" % (PATHS, MODELS))
for name, md in zip(("summary.md", "report.md"), both(R)):
    for peer in ("nginx", "nginx-deferred", "h2o"):
        line = next((l for l in md.splitlines() if "**Server CPU per connection against `%s`**" % peer in l), None)
        check(line is not None, "%s: expected the declared rows against peer %s" % (name, peer))
        for model in MODELS + ["freestanding"]:
            check(re.search(r"\b%s \d\.\d\d× \[\d\.\d\d, \d\.\d\d\], p [\d.]+, q [\d.]+, "
                            r"(cheaper|costlier|equivalent within ±5%%|undetermined \(could detect ±[\d.]+%%\))[;.]"
                            % model, line),
                  "%s: expected %s against %s with interval, p, q and a verdict, got:\n%s" % (name, model, peer, line))
    path = next((l for l in md.splitlines() if "**Path** (server CPU per connection" in l), "")
    for model in MODELS:
        for b in (p for p in PATHS if p != "libc"):
            check("%s/%s " % (b, model) in path, "%s: expected %s/%s ÷ libc in the path line, got %r" % (name, b, model, path))
    check("cheapest" not in md and "highest conn/s" not in md, "%s: a best-of-N headline is back" % name)
    check("no significant difference" not in md and "no difference" not in md,
          "%s: 'not significant' must not read as 'the same' (equivalent or undetermined instead)" % name)
    fam = [l for l in md.splitlines() if re.match(r"^\| accept \| (server CPU against the peers|path) ", l)]
    check(len(set(fam)) == 2 and all(l.count("|") == 9 for l in fam),
          "%s: expected the accept families counted in a table, got %r" % (name, fam))
    for l in fam:
        cells = [c.strip() for c in l.strip("|").split("|")]
        check(int(cells[2]) == sum(int(c) for c in cells[3:7]),
              "%s: a family's verdicts do not add up to its comparisons: %r" % (name, l))
        check("paired by round" in cells[7], "%s: expected the rows compared paired by round: %r" % (name, l))
    rate = next((l for l in md.splitlines() if l.startswith("- conn/s against nginx")), "")
    # every fixture row is client-bound: its rate is said to be, and no rate target is judged
    check("client-bound" in rate and "no target judged" in rate and "met" not in rate,
          "%s: expected client-bound conn/s without a verdict, got %r" % (name, rate))

ONE = mkrun(os.path.join(T, "one"), "--reps", "3", "--rounds", "1", "--hyperfine-runs", "10",
            "--drop", "microbench.json", "--drop", "counts.json")
for name, md in zip(("summary.md", "report.md"), both(ONE)):
    line = next((l for l in md.splitlines() if "against `nginx`**" in l), "")
    check("untested (1 round)" in line and "p 0" not in line and "[" not in line.split("µs)", 1)[1],
          "%s: one round must claim no interval or test, got %r" % (name, line))
    check("met by the median only" in md or "not met by" in md, "%s: a target judged on one round must say so" % name)
    rows = [l for l in md.split("## Accept", 1)[1].split("\n## Process", 1)[0].splitlines() if re.match(r"^\| (⚠ )?`", l)]
    check(rows and not any("[" in l for l in rows), "%s: one round's table shows an interval:\n%s" % (name, "\n".join(rows)))
    check("1 round (interleaved): no interval" in md, "%s: expected the setup to say 1 round, no interval" % name)
# "at or below the floor": sameness within the margin meets it, and says it is sameness
sys.path.insert(0, os.path.join(SRC, "scripts", "lib"))
import render_headline  # noqa: E402


def cmp(r, lo, hi, word):
    return {"r": r, "lo": lo, "hi": hi, "word": word, "margin": 0.05}


pairs = [("uring", cmp(0.73, 0.70, 0.82, "different")), ("freestanding", cmp(1.02, 1.00, 1.03, "equivalent")),
         ("epoll", cmp(0.98, 0.90, 1.10, "undetermined")), ("reuseport", cmp(1.08, 1.02, 1.12, "undetermined"))]
at = render_headline._target_text(pairs, 1.0, at=True)
check("met by uring" in at and "met as the same by freestanding (equivalent within ±5%)" in at
      and "median only (no interval within it) by epoll" in at and "not met by reuseport" in at,
      "the floor's target: got %r" % at)
plain = render_headline._target_text(pairs, 1.0)
check("same" not in plain and "not met by freestanding, reuseport" in plain,
      "a peer's target never counts sameness: got %r" % plain)
print("ok: declared comparisons against every peer, path per model, client-bound rates, no 1-round intervals, "
      "the floor's at-or-below")
