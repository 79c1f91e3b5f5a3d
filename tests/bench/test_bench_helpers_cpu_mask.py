#!/usr/bin/python3
"""A variant whose CPU feature is masked away (SYSPATH_CPU_MASK, helpers.h) is
skipped, not run, and stderr says which and why; variants that need nothing
still run."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from microtest import binary, check_rows, fail, run_json  # noqa: E402

exe = binary("bench-helpers")
flt = "--benchmark_filter=^(memset|strlen)/[^/]+/256(/manual_time)?$"  # auto times itself (manual time)
base = ["memset/rep_stosb/256", "memset/loop/256", "memset/word/256", "memset/libc/256",
        "strlen/repne_scasb/256", "strlen/loop/256", "strlen/swar/256", "strlen/libc/256"]
simd = ["memset/sse2/256", "memset/avx2/256", "memset/avx512/256", "memset/nt/256",
        "memset/auto/256", "strlen/sse2/256", "strlen/avx2/256", "strlen/avx512/256"]

# Nothing left: every SIMD variant skipped, each one named on stderr.
doc, err = run_json([exe, "--benchmark_min_time=0.001", flt], {"SYSPATH_CPU_MASK": "0"})
check_rows(doc, base, absent=simd)
for name in simd:
    variant = name.rsplit("/", 1)[0]
    if f"skipping {variant}: needs" not in err:
        fail(f"SYSPATH_CPU_MASK=0: stderr does not say {variant} was skipped:\n{err}")
print("ok: SYSPATH_CPU_MASK=0 runs only the feature-free variants and names the others")

# sse2 and sse4.2 only (0x3): sse2 rows run, avx2/avx512 are skipped.
doc, err = run_json([exe, "--benchmark_min_time=0.001", flt], {"SYSPATH_CPU_MASK": "0x3"})
check_rows(doc, base + ["memset/sse2/256", "strlen/sse2/256"],
           absent=["memset/avx2/256", "strlen/avx2/256", "memset/avx512/256", "strlen/avx512/256"])
if "skipping memset/avx2: needs avx2" not in err:
    fail(f"SYSPATH_CPU_MASK=0x3: stderr does not name avx2 as the missing feature:\n{err}")
print("ok: SYSPATH_CPU_MASK=0x3 keeps sse2, skips avx2/avx512")
