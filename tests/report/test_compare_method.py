#!/usr/bin/python3
"""Behaviour: scripts/compare judges only what may be judged. The method differences (run.json's
"method", one entry per part) come first, beside the machine's; the rows of a part whose method
differs, or is recorded on one side only, are shown but not judged (syscalls, counts and hyperfine
as load and helpers: two folders that both predate a part's record still judge its rows); a
topology difference is a machine difference and leaves the load rows unjudged; with fewer than 3
rounds a side a row gets no interval, no p and the verdict "untested (N rounds)".
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import SRC, check, mkrun, need, run, script, slow, tmpdir  # noqa: E402

need("scipy", "numpy")
T = tmpdir()
A = mkrun(os.path.join(T, "A"), "--seed", "1", "--reps", "10", "--rounds", "10", "--hyperfine-runs", "20")
B = slow(A, os.path.join(T, "B"), "accept-cpu/raw/epoll", 1.10)
TOPOLOGY = {"server_cpus": "1", "client_cpus": "0"}


def run_json(folder, method, topology=TOPOLOGY):
    doc = {"schema": 1}
    if method is not None:
        doc["method"] = method
    if topology is not None:
        doc["topology"] = topology
    with open(os.path.join(folder, "run.json"), "w") as f:
        json.dump(doc, f)


def compare(b):
    js = os.path.join(T, "c.json")
    rc, out, err = run([script("compare"), A, b, "--json", js], expect_rc=0)
    with open(js) as f:
        cmp = json.load(f)["comparisons"][0]
    return {r["name"]: r for r in cmp["rows"]}, out, cmp


run_json(A, {"load": {"version": 1, "meter": "window"}, "helpers": {"version": 1, "processes": 1}})
run_json(B, {"load": {"version": 1, "meter": "window"}, "helpers": {"version": 2, "processes": 3}})
rows, out, cmp = compare(B)
i_method, i_machine, i_rows = (out.find(s) for s in ("== method: A vs B ==", "== machine: A vs B ==",
                                                        "== rows: B/A =="))
check(0 <= i_method < i_machine < i_rows, "expected the method, then the machine, then the rows, got %d, %d, %d"
      % (i_method, i_machine, i_rows))
check("method.helpers.version" in out[i_method:i_machine] and "helpers (differs)" in out[i_method:i_machine],
      "method section: expected the helpers' version named as differing, got:\n%s" % out[i_method:i_machine])
helpers = [r for r in rows.values() if r["part"] == "helpers"]
check(helpers and all(r["verdict"] == "not judged: method differs" and r["p"] is None and not r["significant"]
                      for r in helpers), "helper rows of another method: expected every one shown, not judged")
check(rows["memset/avx2/4096"]["ratio"] is not None, "a row not judged is still shown with its ratio")
check(rows["accept-cpu/raw/epoll"]["verdict"] == "worse",
      "load rows of the same method: expected the slowed row judged worse, got %r" % rows["accept-cpu/raw/epoll"]["verdict"])
parts = cmp["method"]["parts"]
check(parts.get("load") == "same" and parts.get("helpers") == "differs" and
      all(s == "same" for p, s in parts.items() if p not in ("load", "helpers")),
      "--json: expected load same, helpers differs, and the parts both folders' files show alike "
      "(syscalls, counts, hyperfine: inferred) the same, got %r" % parts)

# a folder that records no method: unknown, never guessed the same
C = os.path.join(T, "C")
shutil.copytree(A, C)
run_json(C, None)
for kind in ("accept", "keepalive"):
    # rows that do not name their meter either: the folder then says nothing of its load method
    path = os.path.join(C, kind + ".json")
    if os.path.exists(path):
        with open(path) as f:
            doc = json.load(f)
        for r in doc.get("rows", []):
            r.pop("server_cpu_source", None)
        with open(path, "w") as f:
            json.dump(doc, f)
rows, out, cmp = compare(C)
check("unknown in B" in out.split("== machine:")[0], "method unknown in B: expected it said in the method section")
check(rows["syscall/getppid/raw"]["verdict"] != "not judged: method differs", "a part A does not record is judged")
check(rows["accept-cpu/raw/epoll"]["verdict"] == "not judged: method unknown in B",
      "load rows against a folder without a method: expected 'not judged: method unknown in B', got %r"
      % rows["accept-cpu/raw/epoll"]["verdict"])

# another topology: a machine difference, and the load rows are not judged against each other
D = os.path.join(T, "D")
shutil.copytree(B, D)
run_json(D, {"load": {"version": 1, "meter": "window"}, "helpers": {"version": 1, "processes": 1}},
         {"server_cpus": "0", "client_cpus": "1"})
rows, out, cmp = compare(D)
check("topology.server_cpus" in out.split("== rows:")[0], "topology: expected it listed with the machine differences")
check(rows["accept-cpu/raw/epoll"]["verdict"] == "not judged: topology differs"
      and rows["accept-segments/raw/epoll"]["verdict"] == "not judged: topology differs",
      "another topology: expected the load rows and counters not judged")
check(rows["memset/avx2/4096"]["verdict_kind"] in ("equivalent", "undetermined"), "another topology: helpers judged")

# syscalls, counts and hyperfine, as scripts/bench records them now: the same on both sides, judged
NOW = {"load": {"version": 1, "meter": "window"},
       "syscalls": {"version": 1, "timed": "one call in google-benchmark's loop", "processes": 1},
       "counts": {"version": 1, "tool": "callgrind", "iterations": 100000},   # as the fixture counted
       "hyperfine": {"version": 1, "serve_runs": 20, "serve_connections": 1000}}
NEW_PARTS = ("syscalls", "counts", "hyperfine")


def not_judged(rows, part):
    """{verdict} of the part's rows that are not judged, and how many rows the part has."""
    mine = [r for r in rows.values() if r["part"] == part]
    return {r["verdict"] for r in mine if r["verdict"].startswith("not judged")}, len(mine)


G = os.path.join(T, "G")
shutil.copytree(B, G)
run_json(A, NOW)
run_json(G, NOW)
rows, out, cmp = compare(G)
check(cmp["method"]["parts"] == {p: "same" for p in NOW}, "the same recorded methods: expected every part "
      "the same, got %r" % cmp["method"]["parts"])
for part in NEW_PARTS:
    nj, n = not_judged(rows, part)
    check(n and not nj, "%s recorded the same on both sides: expected its %d rows judged, got %s" % (part, n, nj))

# another hyperfine N: those rows not judged, the other parts' still are
run_json(G, dict(NOW, hyperfine=dict(NOW["hyperfine"], serve_connections=200)))
rows, out, cmp = compare(G)
check(not_judged(rows, "hyperfine")[0] == {"not judged: method differs"},
      "hyperfine of another N: expected its rows not judged, got %s" % (not_judged(rows, "hyperfine"),))
check("method.hyperfine.serve_connections" in out.split("== machine:")[0],
      "method section: expected hyperfine's N named as differing")
check(not not_judged(rows, "syscalls")[0], "another hyperfine N: expected the syscall rows still judged")

# a folder from before these parts were recorded: each part's entry is only what its own files
# show (runfolder.infer_methods, marked with a "source"); judged where that is what A recorded
# (same identity), not judged where the files cannot show it (no hyperfine log: no N)
run_json(G, {"load": {"version": 1, "meter": "window"}})
log = os.path.join(G, "logs", "hyperfine.log")
if os.path.exists(log):
    os.remove(log)
sys.path.insert(0, os.path.join(SRC, "scripts", "lib"))
import runfolder  # noqa: E402
inferred = runfolder.method(runfolder.load(G))
for part in NEW_PARTS:
    check(inferred.get(part, {}).get("source", "").startswith("inferred"),
          "%s of a folder that records none: expected an entry inferred from its files, got %r"
          % (part, inferred.get(part)))
rows, out, cmp = compare(G)
for part in ("syscalls", "counts"):
    nj, n = not_judged(rows, part)
    check(cmp["method"]["parts"].get(part) == "same" and n and not nj,
          "%s inferred as A recorded it: expected 'same' and its %d rows judged, got %r, %s"
          % (part, n, cmp["method"]["parts"].get(part), nj))
check(cmp["method"]["parts"].get("hyperfine") == "differs" and
      not_judged(rows, "hyperfine")[0] == {"not judged: method differs"},
      "hyperfine without the log that names its N: expected not judged, got %r, %s"
      % (cmp["method"]["parts"].get("hyperfine"), not_judged(rows, "hyperfine")[0]))
# ... and two such folders compare as they always did: their rows judged
run_json(A, {"load": {"version": 1, "meter": "window"}})
rows, out, cmp = compare(G)
for part in NEW_PARTS:
    nj, n = not_judged(rows, part)
    check(cmp["method"]["parts"].get(part) in (None, "same") and n and not nj,
          "%s recorded in neither folder: expected its %d rows judged, got %s" % (part, n, nj))

# two rounds a side: no interval, no p, no verdict but untested
E = mkrun(os.path.join(T, "E"), "--seed", "1", "--reps", "2", "--rounds", "2", "--hyperfine-runs", "2")
F = mkrun(os.path.join(T, "F"), "--seed", "2", "--reps", "2", "--rounds", "2", "--hyperfine-runs", "2")
js = os.path.join(T, "two.json")
rc, out, err = run([script("compare"), E, F, "--json", js], expect_rc=0)
with open(js) as f:
    rows = json.load(f)["comparisons"][0]["rows"]
# (the fixture's hyperfine-serve keeps its own 10 runs: those rows are tested)
measured = [r for r in rows if r["verdict_kind"] not in ("exact", "n/a", "threshold") and min(r["a_n"], r["b_n"]) < 3]
check(len(measured) > 100 and all(r["p"] is None and r["ci95"] == [None, None] and r["verdict"] in
                                  ("untested (2 rounds)", "untested (1 round)") for r in measured),
      "2 rounds a side: expected no p, no interval and 'untested (2 rounds)', got %s" %
      sorted({(r["verdict"], r["p"] is None) for r in measured}))
print("ok: method and topology differences first; their rows shown, not judged; untested below 3 rounds")
