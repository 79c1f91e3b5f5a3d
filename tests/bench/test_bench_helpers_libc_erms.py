#!/usr/bin/python3
"""bench-helpers --libc-erms runs memset/libc_erms/* (and nothing else) in a
process started with glibc's rep-stosb threshold forced, as helpers.h
specifies; on a CPU without ERMS (or with it masked) it runs no row, says why,
and still prints valid JSON."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from microtest import binary, check_rows, fail, run_json  # noqa: E402

exe = binary("bench-helpers")
TUNABLE = "glibc.cpu.x86_rep_stosb_threshold=1"   # SP_LIBC_ERMS_TUNABLES in helpers.h
flt = "--benchmark_filter=^memset/[^/]+/(256|4096)(/misaligned)?(/manual_time)?$"
want = ["memset/libc_erms/256", "memset/libc_erms/4096",
        "memset/libc_erms/256/misaligned", "memset/libc_erms/4096/misaligned"]

with open("/proc/cpuinfo") as fh:
    erms = any(line.startswith("flags") and " erms" in line for line in fh)

doc, err = run_json([exe, "--libc-erms", "--benchmark_min_time=0.001", flt],
                    {"GLIBC_TUNABLES": "glibc.malloc.check=0"})
if erms:
    rows = check_rows(doc, want)
    if set(rows) != set(want):
        fail(f"--libc-erms ran {sorted(rows)}, expected only {want}")
    tun = doc["context"].get("glibc_tunables", "")
    if TUNABLE not in tun or "glibc.malloc.check=0" not in tun:
        fail(f"the re-executed process saw GLIBC_TUNABLES={tun!r}; expected the caller's "
             f"setting with {TUNABLE} appended")
    print(f"ok: --libc-erms ran {len(rows)} rows with GLIBC_TUNABLES={tun}")
else:
    if doc["benchmarks"] or "skipping memset/libc_erms" not in err:
        fail(f"CPU without erms: expected no rows and a skip line, got {doc['benchmarks']}, {err!r}")
    print("ok: this CPU has no ERMS: --libc-erms ran nothing and said why")

# ERMS masked away: nothing runs, stdout is still valid JSON.
doc, err = run_json([exe, "--libc-erms", "--benchmark_min_time=0.001", flt],
                    {"SYSPATH_CPU_MASK": "0"})
if doc["benchmarks"] or "skipping memset/libc_erms: needs" not in err:
    fail(f"SYSPATH_CPU_MASK=0 --libc-erms: expected no rows and a skip line, got "
         f"{[b['name'] for b in doc['benchmarks']]}, {err!r}")
print("ok: with ERMS masked, --libc-erms runs nothing, says why, prints valid JSON")

# The ordinary run never has the row, and points at --libc-erms.
doc, err = run_json([exe, "--benchmark_min_time=0.001", flt])
check_rows(doc, ["memset/libc/256"], absent=want)
if "--libc-erms" not in err:
    fail(f"the ordinary run does not say how memset/libc_erms is measured:\n{err}")
print("ok: the ordinary run leaves memset/libc_erms to --libc-erms")
