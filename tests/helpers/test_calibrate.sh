#!/bin/bash
# test_calibrate.sh — syspath-calibrate's interface (not its figures, which
# depend on the machine): --help, bad arguments (one line, exit 2), the JSON
# (keys, types, windows whose edges are measured sizes or null, positive GB/s,
# bounded rounds, "env" matching the windows) and --env (exactly the twelve
# variables auto reads, each a size or "never", accepted by
# sp_auto_thresholds: see test_auto_thresholds).
set -euo pipefail

if [ "${1:-}" = "--help" ]; then
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
bin=${SYSPATH_BIN:?SYSPATH_BIN not set (run through ctest)}
cal=$bin/syspath-calibrate
[ -x "$cal" ] || { echo "FAIL: $cal not built"; exit 1; }
fail=0
err() { echo "FAIL: $*"; fail=1; }

"$cal" --help | grep -q -- '--env' || err "--help does not describe --env"
for bad in "--rounds 0" "--rounds x" "--max-size 12" "--max-size 2T" "--budget -1" "--frobnicate" "--rounds"; do
    set +e
    msg=$("$cal" $bad 2>&1 >/dev/null); rc=$?
    set -e
    [ $rc -eq 2 ] || err "'$bad' exited $rc, expected 2"
    [ "$(printf '%s\n' "$msg" | wc -l)" -eq 1 ] && [ -n "$msg" ] || err "'$bad' should print one line, printed: $msg"
done
set +e
SYSPATH_CPU_MASK=0 "$cal" --max-size 4K --rounds 3 >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 2 ] || err "without SSE2 (SYSPATH_CPU_MASK=0) it should refuse with exit 2, got $rc"

json=$("$cal" --max-size 1M --rounds 3 --budget 5)
/usr/bin/python3 - "$json" <<'PY' || fail=1
import json, sys
d = json.loads(sys.argv[1])
bad = []
sizes = [64 << k for k in range(15)]          # 64 B .. 1 MiB
for fam in ("memset", "memcpy"):
    f = d[fam]
    for k in ("rep_threshold", "nt_threshold", "rep_end", "nt_end", "rep2_threshold", "rep2_end"):
        v = f[k]
        if not (v is None or v in sizes):
            bad.append(f"{fam}.{k} = {v!r}: not null or a measured size")
    for k in ("rep", "nt", "rep2"):
        start, end = f[k + "_threshold"], f[k + "_end"]
        if start is None and end is not None or None not in (start, end) and end <= start:
            bad.append(f"{fam}.{k} window [{start!r}, {end!r}): not empty-and-null or start < end")
    if f["vector"] not in ("avx512", "avx2", "sse2"):
        bad.append(f"{fam}.vector = {f['vector']!r}")
    if [r["bytes"] for r in f["rows"]] != sizes:
        bad.append(f"{fam}.rows sizes {[r['bytes'] for r in f['rows']]}")
    # rep's modes: which were seen, one index per round, and the reason in words
    m = f.get("rep_modes", {})
    if m.get("seen") not in (["one"], ["fast", "slow"]):
        bad.append(f"{fam}.rep_modes.seen = {m.get('seen')!r}")
    elif len(m.get("round_index", [])) != d["rounds"] or not all(x > 0 for x in m["round_index"]):
        bad.append(f"{fam}.rep_modes.round_index {m.get('round_index')!r}: not one index > 0 per round")
    elif sum(m["rounds"].values()) != d["rounds"] or (m["seen"] == ["one"]) != (m["rounds"]["slow"] == 0):
        bad.append(f"{fam}.rep_modes.rounds {m['rounds']!r} with seen {m['seen']!r}, {d['rounds']} rounds")
    if not m.get("why"):
        bad.append(f"{fam}.rep_modes.why is empty: the choice must say why")
    for r in f["rows"]:
        for c in ("vector_gbps", "rep_gbps", "nt_gbps"):
            if not (isinstance(r[c], (int, float)) and r[c] > 0):
                bad.append(f"{fam} {r['bytes']} {c} = {r[c]!r}")
names = ["SYSPATH_MEMSET_REP_THRESHOLD", "SYSPATH_MEMSET_NT_THRESHOLD",
         "SYSPATH_MEMCPY_REP_THRESHOLD", "SYSPATH_MEMCPY_NT_THRESHOLD",
         "SYSPATH_MEMSET_REP_END", "SYSPATH_MEMSET_NT_END",
         "SYSPATH_MEMCPY_REP_END", "SYSPATH_MEMCPY_NT_END",
         "SYSPATH_MEMSET_REP2_THRESHOLD", "SYSPATH_MEMSET_REP2_END",
         "SYSPATH_MEMCPY_REP2_THRESHOLD", "SYSPATH_MEMCPY_REP2_END"]
if list(d.get("env", {})) != names:
    bad.append(f"env keys {list(d.get('env', {}))}, expected {names}")
fields = [(f, k + "_threshold") for f in ("memset", "memcpy") for k in ("rep", "nt")] + \
         [(f, k + "_end") for f in ("memset", "memcpy") for k in ("rep", "nt")] + \
         [(f, k) for f in ("memset", "memcpy") for k in ("rep2_threshold", "rep2_end")]
for name, (fam, k) in zip(names, fields):
    v = d[fam][k]
    if d.get("env", {}).get(name) != ("never" if v is None else str(v)):
        bad.append(f"env {name} = {d.get('env', {}).get(name)!r} but {fam}.{k} = {v!r}")
for k in ("l1d", "l2", "l3"):
    if not isinstance(d["caches"][k], int):
        bad.append(f"caches.{k}")
if not (3 <= d["rounds"] <= 3) or d["max_size"] != 1 << 20 or not d["method"]:
    bad.append(f"rounds {d['rounds']} max_size {d['max_size']}")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY

# --caches: the same sizes the JSON records, measuring nothing
caches=$("$cal" --caches)
/usr/bin/python3 - "$caches" "$json" <<'PY' || err "--caches printed '$caches', not the JSON's caches"
import json, sys
d, measured = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.exit(0 if sorted(d) == ["l1d", "l2", "l3"] and all(isinstance(v, int) for v in d.values())
         and d == measured["caches"] else 1)
PY

env_out=$("$cal" --env --max-size 256K --rounds 3)
names=$(cut -d= -f1 <<<"$env_out" | tr '\n' ' ')
[ "$names" = "SYSPATH_MEMSET_REP_THRESHOLD SYSPATH_MEMSET_NT_THRESHOLD SYSPATH_MEMCPY_REP_THRESHOLD SYSPATH_MEMCPY_NT_THRESHOLD SYSPATH_MEMSET_REP_END SYSPATH_MEMSET_NT_END SYSPATH_MEMCPY_REP_END SYSPATH_MEMCPY_NT_END SYSPATH_MEMSET_REP2_THRESHOLD SYSPATH_MEMSET_REP2_END SYSPATH_MEMCPY_REP2_THRESHOLD SYSPATH_MEMCPY_REP2_END " ] ||
    err "--env printed variables '$names'"
grep -Evq '^[A-Z0-9_]+=([0-9]+|never)$' <<<"$env_out" && err "--env lines not NAME=bytes|never: $env_out"
# what --env prints, auto must take (values and source "env")
expect=$(cut -d= -f2 <<<"$env_out" | tr '\n' ' ')
( export $env_out; "$bin/test_auto_thresholds" --expect $expect ) >/dev/null ||
    err "sp_auto_thresholds did not take syspath-calibrate --env's values ($expect)"

[ $fail -eq 0 ] && echo "ok: --help, bad arguments, JSON and --env all as documented"
exit $fail
