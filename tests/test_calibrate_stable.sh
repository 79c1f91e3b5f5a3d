#!/bin/bash
# test_calibrate_stable.sh — syspath-calibrate's margin, on the fast sizes
# (64 B .. 64 KiB, well under a second a run). Two things, neither a speed:
#  1. each run's JSON follows its own rule: every verdict is what its
#     interval and the margin say, and every threshold is what the verdicts
#     say (recomputed here);
#  2. two runs in a row that both move a boundary put it on the same size or
#     one size step apart (the edge of the candidate's losses, which the
#     margin keeps from wandering into the run of ties after it).
set -euo pipefail

if [ "${1:-}" = "--help" ]; then
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
bin=${SYSPATH_BIN:?SYSPATH_BIN not set (run through ctest)}
cal=$bin/syspath-calibrate
[ -x "$cal" ] || { echo "FAIL: $cal not built"; exit 1; }

a=$("$cal" --max-size 64K --rounds 15 --budget 5)
b=$("$cal" --max-size 64K --rounds 15 --budget 5)
exec /usr/bin/python3 - "$a" "$b" <<'PY'
import json, sys

runs = [json.loads(x) for x in sys.argv[1:3]]
bad = []

def crossover(rows, cand):
    """The rule the JSON's method states: min over s of the verdict sum from s up."""
    score = {"win": -1, "tie": 0, "loss": 1}
    total, best, found = 0, 0, None
    for r in reversed(rows):
        total += score[r[cand + "_verdict"]]
        if total < best or (total == best and best < 0):
            best, found = total, r["bytes"]
    return found

for k, d in enumerate(runs, 1):
    m = d["margin"]
    for fam in ("memset", "memcpy"):
        rows = d[fam]["rows"]
        for r in rows:
            for c in ("rep", "nt"):
                lo, med, hi = r[c + "_ratio"]
                if not (0 < lo <= med <= hi):
                    bad.append(f"run {k} {fam} {r['bytes']} {c}_ratio {r[c + '_ratio']} not lo <= median <= hi")
                want = "win" if hi < 1 - m else "loss" if lo > 1 + m else "tie"
                if r[c + "_verdict"] != want:
                    bad.append(f"run {k} {fam} {r['bytes']} {c}: verdict {r[c + '_verdict']}, "
                               f"interval [{lo}, {hi}] with margin {m} says {want}")
        for c in ("rep", "nt"):
            if d[fam][c + "_threshold"] != crossover(rows, c):
                bad.append(f"run {k} {fam}.{c}_threshold = {d[fam][c + '_threshold']}, "
                           f"its verdicts say {crossover(rows, c)}")

for fam in ("memset", "memcpy"):
    for c in ("rep", "nt"):
        t = [d[fam][c + "_threshold"] for d in runs]
        if None in t:
            continue          # a run saw no net win: nothing moved, nothing to compare
        steps = abs(t[0].bit_length() - t[1].bit_length())
        if steps > 1:
            rows = lambda d: " ".join(f"{r['bytes']}:{r[c + '_verdict']}" for r in d[fam]["rows"])
            bad.append(f"{fam}.{c}_threshold {t[0]} then {t[1]}: {steps} size steps apart "
                       f"(verdicts: {rows(runs[0])} | {rows(runs[1])})")

for x in bad:
    print("FAIL:", x)
if not bad:
    print("ok: verdicts follow the intervals and margin, thresholds follow the verdicts, "
          "two runs agree within one size step:",
          ", ".join(f"{f}.{c} {runs[0][f][c + '_threshold']}/{runs[1][f][c + '_threshold']}"
                    for f in ("memset", "memcpy") for c in ("rep", "nt")))
sys.exit(1 if bad else 0)
PY
