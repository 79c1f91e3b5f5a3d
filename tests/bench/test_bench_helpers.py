#!/usr/bin/python3
"""bench-helpers emits valid google-benchmark JSON with the contract's names:
<family>/<variant>/<bytes>, .../misaligned, htons/<variant>; the size grid
(1 B .. 64 B by x2, then x4 to 64 MiB) and the --quick subset; every
variant without CPU requirements always present, any other one either run or
named on stderr as skipped; the mix rows, their fixed draw and their pairing with glibc."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from microtest import binary, check_rows, fail, run, run_json  # noqa: E402

exe = binary("bench-helpers")
KiB, MiB = 1024, 1024 * 1024

# Every variant bench-helpers knows (libc_erms has its own test: it needs a second process).
variants = {
    "memset": ["rep_stosb", "loop", "word", "sse2", "avx2", "avx512", "nt", "auto", "libc"],
    "strlen": ["repne_scasb", "loop", "swar", "sse2", "avx2", "avx512", "libc"],
    "memcpy": ["rep_movsb", "loop", "avx2", "avx512", "auto", "libc"],
    "htons": ["tutorial", "rol", "bswap", "builtin", "libc"],
}
# No CPU requirement: these must run on any x86_64.
always = {"memset": ["rep_stosb", "loop", "word", "libc"],
          "strlen": ["repne_scasb", "loop", "swar", "libc"],
          "memcpy": ["rep_movsb", "loop", "libc"],
          "htons": variants["htons"]}

# The size grid, from the list of registered rows.
rc, out, err = run([exe, "--benchmark_list_tests=true"])
if rc != 0:
    fail(f"--benchmark_list_tests exited {rc}: {err}")
# (a mix row timed against glibc uses manual time: google-benchmark appends /manual_time)
names = [n.removesuffix("/manual_time") for n in out.split()]
grid = [1, 2, 4, 8, 16, 32, 64] + [64 * 4 ** k for k in range(1, 11)]
if grid[-1] != 64 * MiB:
    fail("test bug: grid does not end at 64 MiB")
got = [int(m.group(1)) for n in names for m in [re.match(r"^memset/libc/(\d+)$", n)] if m]
if got != grid:
    fail(f"memset/libc sizes {got}, expected {grid}")
mis = [int(m.group(1)) for n in names for m in [re.match(r"^memcpy/libc/(\d+)/misaligned$", n)] if m]
if mis != [16, 256, 4 * KiB, 64 * KiB]:
    fail(f"memcpy/libc misaligned sizes {mis}, expected 16, 256, 4096, 65536")
if any("libc_erms" in n for n in names):
    fail("memset/libc_erms rows registered in an ordinary run (they need --libc-erms)")
if len(names) != len(set(names)):
    fail("duplicate row names")
rc, out, _ = run([exe, "--quick", "--benchmark_list_tests=true"])
quick = [int(m.group(1)) for n in out.split() for m in [re.match(r"^strlen/libc/(\d+)$", n)] if m]
if rc != 0 or quick != [16, 256, 4 * KiB, 64 * KiB, 1 * MiB, 16 * MiB]:
    fail(f"--quick strlen/libc sizes {quick} (exit {rc})")
print(f"ok: {len(names)} rows, sizes {grid[0]}..{grid[-1]}, --quick subset")

# A small filtered run, as JSON.
doc, err = run_json([exe, "--benchmark_min_time=0.01",
                     "--benchmark_filter=^((memset|strlen|memcpy)/[^/]+/(1|256|65536)(/misaligned)?(/manual_time)?|htons/.*)$"])
skipped = set(re.findall(r"skipping (\w+/\w+): needs ", err))
expected = []
for fam, vs in variants.items():
    for v in vs:
        if f"{fam}/{v}" in skipped:
            if v in always[fam]:
                fail(f"{fam}/{v} needs no CPU feature but was skipped: {err}")
            continue
        if fam == "htons":
            expected.append(f"htons/{v}")
        else:
            expected += [f"{fam}/{v}/1", f"{fam}/{v}/256", f"{fam}/{v}/65536",
                         f"{fam}/{v}/256/misaligned", f"{fam}/{v}/65536/misaligned"]
rows = check_rows(doc, expected)
extra = set(rows) - set(expected)
if extra:
    fail(f"unexpected rows: {sorted(extra)}")
for name, rs in rows.items():
    key = "items_per_second" if name.startswith("htons/") else "bytes_per_second"
    for b in rs:
        if not b.get(key, 0) > 0:
            fail(f"{name} has no {key}: {b}")
for key in ("cpu_features", "auto_memset_rep_threshold", "auto_memset_nt_threshold",
            "auto_memset_rep_end", "auto_memset_rep2_threshold"):
    if key not in doc["context"]:
        fail(f"context lacks {key!r}")
print(f"ok: {len(rows)} rows ran; skipped here: {sorted(skipped) or 'none'}")

rc, out, _ = run([exe, "--help"])
if rc != 0 or "--libc-erms" not in out or "--quick" not in out or "--benchmark_filter" not in out:
    fail(f"--help exited {rc} or does not describe --libc-erms/--quick/google-benchmark flags")
rc, _, err = run([exe, "--benchmark_min_time=abc"])
if rc != 2 or len(err.strip().splitlines()) != 1:
    fail(f"--benchmark_min_time=abc: expected exit 2 and one line, got {rc}: {err!r}")
print("ok: --help and a bad value")

# The mix rows: one per distribution file and variant of its family, and the
# draw fixed: bytes per call (bytes_per_second / items_per_second) is the
# same in two processes. The alignment sweep: 3 sizes x 12 placements for
# each of rep_movsb, avx2, avx512, auto, libc that runs here.
dist_dir = os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "..", "bench", "micro",
                        "distributions")
dists = sorted(f[:-4] for f in os.listdir(dist_dir) if f.endswith(".csv"))
for f in dists:
    with open(os.path.join(dist_dir, f + ".csv")) as fh:
        head = fh.readline()
    if not head.startswith("#"):
        fail(f"distributions/{f}.csv does not open with the '#' lines naming its source")
    fam, dname = f.split("_", 1)
    for v in variants[fam]:
        if f"{fam}/{v}" not in skipped and f"{fam}/{v}/mix/{dname}" not in names:
            fail(f"{fam}/{v}/mix/{dname} not registered (distributions/{f}.csv)")
align = [n for n in names if "/align/" in n]
want_align = [v for v in ("rep_movsb", "avx2", "avx512", "auto", "libc") if f"memcpy/{v}" not in skipped]
if len(align) != 36 * len(want_align) or {n.split("/")[1] for n in align} != set(want_align):
    fail(f"{len(align)} align rows over {sorted({n.split('/')[1] for n in align})}, "
         f"expected 36 each for {want_align}")
per_call = []
for k in range(2):
    doc, _ = run_json([exe, "--benchmark_min_time=0.01",
                       "--benchmark_filter=^memcpy/libc/(mix/.*|align/4096/dist(16|2048))$"])
    got = {b["name"]: b for b in doc["benchmarks"]}
    for n in ["memcpy/libc/align/4096/dist16", "memcpy/libc/align/4096/dist2048"]:
        if not got.get(n, {}).get("bytes_per_second", 0) > 0:
            fail(f"{n} did not run or has no bytes_per_second")
    mix = {n: b for n, b in got.items() if "/mix/" in n}
    if len(mix) != sum(1 for f in dists if f.startswith("memcpy_")):
        fail(f"mix rows ran: {sorted(mix)}")
    for n, b in mix.items():
        if not (b.get("items_per_second", 0) > 0 and b.get("bytes_per_second", 0) > 0):
            fail(f"{n} lacks items_per_second (calls) or bytes_per_second: {b}")
    per_call.append({n: round(b["bytes_per_second"] / b["items_per_second"], 6) for n, b in mix.items()})
if per_call[0] != per_call[1]:
    fail(f"the mix draw differs between two processes (bytes per call): {per_call}")
print(f"ok: mix rows for {dists}, fixed draw ({per_call[0]} B per call), {len(align)} align rows")

# Every mix row but glibc's runs in one loop with glibc's (micro.h's paired_row): manual time,
# so its name ends in /manual_time, and the counter vs_libc, its time over glibc's (a
# positive ratio, one a repetition); glibc's own row has neither. No speed is asserted.
doc, _ = run_json([exe, "--benchmark_min_time=0.01", "--benchmark_repetitions=2",
                   "--benchmark_filter=^mem(set|cpy)/(loop|libc)/mix/"])
rows = [b for b in doc["benchmarks"] if b.get("run_type") == "iteration"]
paired = [b for b in rows if "/loop/" in b["name"]]
alone = [b for b in rows if "/libc/" in b["name"]]
if len(paired) != 2 * len(dists) or len(alone) != 2 * len(dists):
    fail(f"mix rows of loop and libc, 2 repetitions each of {dists}: got {[b['name'] for b in rows]}")
for b in paired:
    r = b.get("vs_libc")
    if not (b["name"].endswith("/manual_time") and isinstance(r, (int, float)) and 0 < r < float("inf")):
        fail(f"{b['name']}: expected /manual_time and a positive vs_libc, got {r!r}")
for b in alone:
    if "vs_libc" in b or b["name"].endswith("/manual_time"):
        fail(f"{b['name']}: glibc's own mix row is timed alone, got {b}")
print(f"ok: {len(paired)} paired mix repetitions carry vs_libc, e.g. "
      f"{paired[0]['name']} {paired[0]['vs_libc']:.3g}")
