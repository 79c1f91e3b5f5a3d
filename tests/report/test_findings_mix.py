#!/usr/bin/python3
"""Behaviour: the findings' size-mix table pools only the runs of the newest helpers method
that has mix rows. A method-5 folder (a 1024-call draw, which the branch predictor learned)
whose auto read 0.99x glibc's time and a method-6 folder whose auto read 0.52x: the table
shows 0.52x from the one method-6 run, says it left the other out, and takes each run's
figure from the paired counter (vs_libc, the median of its repetitions), not from the two
rows' medians timed apart.
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import SRC, check  # noqa: E402

sys.path.insert(0, os.path.join(SRC, "scripts", "lib"))
import findings_blocks  # noqa: E402
import runfolder  # noqa: E402

REPS = 5


def entry(name, ns_per_call, rep, counter=None):
    b = {"name": name, "run_name": name, "run_type": "iteration", "repetitions": REPS,
         "repetition_index": rep, "threads": 1, "iterations": 100, "real_time": ns_per_call * 32768,
         "cpu_time": ns_per_call * 32768, "time_unit": "ns", "items_per_second": 1e9 / ns_per_call}
    if counter is not None:
        b["vs_libc"] = counter
    return b


def folder(tmp, name, version, paired_ratio):
    """glibc at 10 ns a call; auto's own rows timed apart at 10 ns too (so only the paired
    counter can say what it is), its counter paired_ratio in every repetition."""
    benches = []
    for i in range(REPS):
        benches.append(entry("memcpy/libc/mix/google_b", 10.0, i))
        benches.append(entry("memcpy/auto/mix/google_b/manual_time", 10.0, i, paired_ratio))
    path = os.path.join(tmp, name)
    os.makedirs(path)
    with open(os.path.join(path, "microbench.json"), "w") as f:
        json.dump({"context": {}, "method": {"version": version}, "benchmarks": benches}, f)
    return runfolder.load(path)


with tempfile.TemporaryDirectory() as tmp:
    old = folder(tmp, "2026-01-01T000000Z", 5, 0.99)
    new = folder(tmp, "2026-01-02T000000Z", 6, 0.52)
    text = "\n".join(findings_blocks.mix_section([old, new]))
    check("method 6 only (1 of the 2 with mixes" in text and "not pooled" in text,
          "the table should name its method and the run it left out:\n" + text)
    row = [ln for ln in text.splitlines() if "google_b" in ln]
    check(len(row) == 1 and "0.52×" in row[0] and "0.99×" not in row[0],
          "memcpy google_b should read the method-6 run's paired 0.52x alone:\n" + text)
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    with open(os.path.join(empty, "microbench.json"), "w") as f:
        json.dump({"context": {}, "benchmarks": []}, f)
    check(findings_blocks.mix_section([runfolder.load(empty)]) == [],
          "a run without mix rows should give no mix table")
print("ok: the findings' mix table pools one helpers method and reads the paired ratios")
