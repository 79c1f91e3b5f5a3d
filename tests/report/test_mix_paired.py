#!/usr/bin/python3
"""Behaviour: a helper mix row timed against glibc in one loop (bench-helpers' counter
vs_libc, one a repetition) is judged by those ratios alone. A variant 6% faster than glibc
in every repetition, whose own and glibc's absolute times swing by ±40% between repetitions
(a noisy neighbour), is "faster" with a narrow interval around 0.94; the same absolute times
without the counter (a folder from before the pairing) are judged unpaired and cannot tell.
The reader takes the counter from the repetitions only, and drops google-benchmark's
/manual_time from the name. A sized row timed so (memset/auto/<bytes>) is compared with
glibc's row of its size and placement by the same ratios, inverted for GB/s.
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import SRC, check, need  # noqa: E402

need("scipy", "numpy")
sys.path.insert(0, os.path.join(SRC, "scripts", "lib"))
import render_micro  # noqa: E402
import render_mix  # noqa: E402
import runfolder  # noqa: E402
import verdict  # noqa: E402

CALLS = 1024
SWING = [1.0, 1.4, 0.7, 1.3, 0.6, 1.2, 0.8, 1.35, 0.65]   # a neighbour, repetition by repetition
NS_LIBC = 5.0                                             # glibc's ns per call on a quiet machine
RATIO = [0.94, 0.941, 0.939, 0.942, 0.938, 0.94, 0.943, 0.937, 0.94]


def entry(name, ns_per_call, rep, counter=None, aggregate=False):
    b = {"name": name + ("_median" if aggregate else ""), "run_name": name,
         "run_type": "aggregate" if aggregate else "iteration", "repetitions": len(SWING),
         "repetition_index": rep, "threads": 1, "iterations": 1000,
         "real_time": ns_per_call * CALLS, "cpu_time": ns_per_call * CALLS, "time_unit": "ns",
         "items_per_second": 1e9 / ns_per_call, "bytes_per_second": 60e9 / ns_per_call}
    if aggregate:
        b["aggregate_name"] = "median"
    if counter is not None:
        b["vs_libc"] = counter
    return b


def folder(tmp, paired):
    """A run folder of one distribution: glibc's row and auto's, auto timed at other moments
    than glibc (the swing reversed), with its counter when paired."""
    benches = []
    name = "memcpy/auto/mix/google_a" + ("/manual_time" if paired else "")
    for i, s in enumerate(SWING):
        benches.append(entry("memcpy/libc/mix/google_a", NS_LIBC * s, i))
        benches.append(entry(name, NS_LIBC * 0.94 * SWING[-1 - i], i, RATIO[i] if paired else None))
    # the median aggregate carries the counter too (google-benchmark's); the reader must not pool it
    benches.append(entry(name, NS_LIBC, 0, 5.0 if paired else None, aggregate=True))
    path = os.path.join(tmp, "paired" if paired else "unpaired")
    os.makedirs(path)
    with open(os.path.join(path, "microbench.json"), "w") as f:
        json.dump({"context": {}, "benchmarks": benches}, f)
    return runfolder.load(path)


with tempfile.TemporaryDirectory() as tmp:
    run = folder(tmp, paired=True)
    rows = {r.name: r for r in run.section("helpers-mix")}
    auto = rows.get("memcpy/auto/mix/google_a")
    check(auto is not None, "no memcpy/auto/mix/google_a row (the /manual_time suffix kept?): %s" % sorted(rows))
    check(auto.meta.get("vs_libc") == RATIO,
          "the row's vs_libc should be the repetitions' counters alone, got %r" % auto.meta.get("vs_libc"))
    c = render_mix._cell(rows["memcpy/libc/mix/google_a"], auto)
    check(c["paired"] and abs(c["r"] - 0.94) < 0.002 and c["hi"] < 0.945 and c["word"] == "different"
          and c["direction"] == "lower", "paired: expected 0.94 with a narrow interval, different and lower: %r" % c)
    text = "\n".join(render_mix.mix_section(run))
    check("0.94×" in text and "faster" in text and "pass for pass" in text,
          "the mix table should show auto 0.94× faster and say how it was timed:\n" + text)

    old = folder(tmp, paired=False)
    rows = {r.name: r for r in old.section("helpers-mix")}
    c = render_mix._cell(rows["memcpy/libc/mix/google_a"], rows["memcpy/auto/mix/google_a"])
    check(not c["paired"] and c["word"] != "different",
          "unpaired, under a ±40%% swing: expected no verdict of a difference, got %r" % c)
    check("pass for pass" not in "\n".join(render_mix.mix_section(old)),
          "a folder without the counter must not claim the pairing")

# a sized row (GB/s, higher is better) timed against glibc: its ratio to glibc is the inverse of
# its time ratio, and only glibc's row of the same size and placement is its reference
with tempfile.TemporaryDirectory() as tmp:
    benches = []
    for i, sw in enumerate(SWING):
        for name, gbps, counter in (("memset/libc/4096", 100.0 * sw, None), ("memset/libc/4096/misaligned", 90.0, None),
                                    ("memset/auto/4096/manual_time", 190.0 * SWING[-1 - i], 0.5)):
            benches.append({"name": name, "run_name": name, "run_type": "iteration", "repetition_index": i,
                            "iterations": 100, "real_time": 4096 / gbps, "cpu_time": 4096 / gbps,
                            "time_unit": "ns", "bytes_per_second": gbps * 1e9,
                            **({"vs_libc": counter} if counter else {})})
    os.makedirs(os.path.join(tmp, "sized"))
    with open(os.path.join(tmp, "sized", "microbench.json"), "w") as f:
        json.dump({"context": {}, "benchmarks": benches}, f)
    run = runfolder.load(os.path.join(tmp, "sized"))
    libc, mis, auto = (run.get(n) for n in ("memset/libc/4096", "memset/libc/4096/misaligned", "memset/auto/4096"))
    check(auto is not None and auto.meta.get("vs_libc") == [0.5] * len(SWING), "memset/auto/4096: %r" % (auto and auto.meta))
    c = verdict.compare(libc, auto)
    check(c["paired"] and abs(c["r"] - 2.0) < 1e-9 and c["word"] == "different" and c["direction"] == "higher",
          "auto at 4 KiB, twice glibc's speed in one loop: expected 2.00x, different and higher, got %r" % c)
    check(not verdict.compare(mis, auto)["paired"], "auto's ratios were measured against aligned glibc only")
    text = "\n".join(render_micro.helpers_section(run, images=False))
    check("**2.00×**" in text and "`auto` ran in one loop with glibc" in text,
          "the memset table should show auto 2.00x in bold and say how it was timed:\n" + text)
print("ok: a mix row paired with glibc is judged by its ratios (0.94x, faster); unpaired it cannot tell; "
      "a sized row's GB/s ratio is the inverse of its time ratio")
