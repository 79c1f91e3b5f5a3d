#!/bin/bash
# test_calibrate_stable.sh — syspath-calibrate's margin, on the fast sizes
# (64 B .. 64 KiB, well under a second a run). Two things, neither a speed:
#  1. each run's JSON follows its own rule: every verdict is what its
#     interval and the margin say, and every window (threshold and end) is
#     what the verdicts say (recomputed here; where the run saw rep in two
#     modes, rep's window is the overlap of the two modes' windows);
#  2. two runs in a row that both move a boundary put it on the same size or
#     one size step apart (the margin turns near-equal sizes into ties, and
#     the boundary sits where the ties' medians cross, not at the first
#     decisive win among them, which wanders).
set -euo pipefail

if [ "${1:-}" = "--help" ]; then
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
bin=${SYSPATH_BIN:?SYSPATH_BIN not set (run through ctest)}
cal=$bin/syspath-calibrate
[ -x "$cal" ] || { echo "FAIL: $cal not built"; exit 1; }

# One pair of runs, judged by the Python below: exit 0 ok, 1 the rule broken
# (always a failure), 3 the two runs more than one step apart.
pair() {
    local a b
    a=$("$cal" --max-size 64K --rounds 15 --budget 5)
    b=$("$cal" --max-size 64K --rounds 15 --budget 5)
    /usr/bin/python3 - "$a" "$b" <<'PY'
import json, sys

runs = [json.loads(x) for x in sys.argv[1:3]]
bad = []

def window(rows, cand, skip=()):
    """The rule the JSON's method states: the run of consecutive sizes with the
    least summed weight, equal sums keeping the smaller start, then the larger
    end; a decisive verdict weighs 2 * 32 (the most sizes a grid has), a tie 1
    if its median is above 1 + margin. (threshold, end): end the size after
    the run (None when the run reaches the last size), (None, None) without a
    net decisive win."""
    decisive = 64
    def weight(r):
        v = r[cand + "_verdict"]
        if v != "tie":
            return -decisive if v == "win" else decisive
        return 1 if r[cand + "_ratio"][1] > 1 + margin else 0
    w = [weight(r) for r in rows]
    best, lo, hi = 0, -1, -1
    inside = lambda n, s, e: s is not None and n >= s and (e is None or n < e)
    for i in range(len(w)):
        total = 0
        for j in range(i, len(w)):
            if any(inside(rows[j]["bytes"], s, e) for s, e in skip):
                break             # a window never spans another
            total += w[j]
            if total < best or (total == best and lo == i and j > hi):
                best, lo, hi = total, i, j
    if best > -decisive // 2:
        return None, None
    return rows[lo]["bytes"], rows[hi + 1]["bytes"] if hi + 1 < len(rows) else None

def overlap(a, b):
    """Two windows' overlap (None ends are open), (None, None) when empty."""
    if a[0] is None or b[0] is None:
        return None, None
    start = max(a[0], b[0])
    ends = [e for e in (a[1], b[1]) if e is not None]
    end = min(ends) if ends else None
    return (start, end) if end is None or start < end else (None, None)

for k, d in enumerate(runs, 1):
    m = margin = d["margin"]
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
        modes = d[fam]["rep_modes"]
        got = lambda c: (d[fam][c + "_threshold"], d[fam][c + "_end"])
        if modes["seen"] == ["fast", "slow"]:
            wf = (modes["threshold_fast"], modes["end_fast"])
            ws = (modes["threshold_slow"], modes["end_slow"])
            if got("rep") != overlap(wf, ws):
                bad.append(f"run {k} {fam} rep window {got('rep')}, its two modes' windows "
                           f"{wf}, {ws} say {overlap(wf, ws)}")
        if got("nt") != window(rows, "nt"):
            bad.append(f"run {k} {fam} nt window {got('nt')}, its verdicts say {window(rows, 'nt')}")
        # rep's second window: its best run outside the best and nt's (one mode seen), the two
        # in size order; so the best window is either of them
        if modes["seen"] == ["one"]:
            best = window(rows, "rep")
            second = window(rows, "rep", (best, got("nt"))) if best[0] is not None else (None, None)
            want = sorted([best, second]) if second[0] is not None else [best, second]
            if [got("rep"), got("rep2")] != want:
                bad.append(f"run {k} {fam} rep windows {got('rep')}, {got('rep2')}, its verdicts "
                           f"say {want[0]}, {want[1]}")
        elif got("rep2") != (None, None):
            bad.append(f"run {k} {fam} rep2 window {got('rep2')} with two modes seen: none expected")

for fam in ("memset", "memcpy"):
    for c in ("rep_threshold", "rep_end", "nt_threshold", "nt_end", "rep2_threshold", "rep2_end"):
        t = [d[fam][c] for d in runs]
        if None in t:
            continue          # a run saw no net win: nothing moved, nothing to compare
        steps = abs(t[0].bit_length() - t[1].bit_length())
        if steps > 1:
            v = c.split("_")[0] + "_verdict"
            rows = lambda d: " ".join(f"{r['bytes']}:{r[v]}" for r in d[fam]["rows"])
            bad.append(f"{fam}.{c} {t[0]} then {t[1]}: {steps} size steps apart "
                       f"(verdicts: {rows(runs[0])} | {rows(runs[1])})")

apart = [x for x in bad if "size steps apart" in x]
for x in bad:
    print("FAIL:" if len(apart) < len(bad) else "apart:", x)
if not bad:
    print("ok: verdicts follow the intervals and margin, windows follow the verdicts, "
          "two runs agree within one size step:",
          ", ".join(f"{f}.{c} {runs[0][f][c]}/{runs[1][f][c]}" for f in ("memset", "memcpy")
                    for c in ("rep_threshold", "rep_end", "nt_threshold", "nt_end",
                              "rep2_threshold", "rep2_end")))
sys.exit(0 if not bad else 3 if len(apart) == len(bad) else 1)
PY
}

# A burst of load from another process during one run can still push a
# near-equal size across the margin (about one pair in thirty on a busy
# shared VM); the same disagreement in a second, fresh pair is the rule's
# fault, not a burst's.
set +e
pair; rc=$?
if [ $rc -eq 3 ]; then
    echo "note: the first pair disagreed (above); a second pair decides"
    pair; rc=$?
fi
set -e
[ $rc -eq 3 ] && echo "FAIL: two pairs of runs in a row put a threshold more than one size step apart"
exit $(( rc == 0 ? 0 : 1 ))
