#!/usr/bin/python3
"""scripts/machine writes a machine.json that matches the contract, its --slug
agrees with the file, --timestamp is recorded, and bad input is one line + exit 2."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import check_machine, fail, run, src, want  # noqa: E402

machine = os.path.join(src(), "scripts", "machine")
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "machine.json")
    rc, so, se = run([machine, "--out", out, "--timestamp", "2026-11-26T04:15:00Z"], 60)
    want(rc == 0, "scripts/machine --out exited %d: %s" % (rc, se.strip()))
    m = check_machine(out)
    want(m["timestamp_utc"] == "2026-11-26T04:15:00Z",
         "timestamp_utc %r, expected the one passed" % m["timestamp_utc"])
    with open("/proc/cpuinfo") as f:
        threads = sum(1 for line in f if line.startswith("processor"))
    want(m["cpu"]["threads"] == threads, "threads %r, /proc/cpuinfo lists %d"
         % (m["cpu"]["threads"], threads))

    rc, so, se = run([machine, "--slug"], 60)
    want(rc == 0 and so.strip() == m["slug"], "--slug printed %r (exit %d), machine.json says %r"
         % (so.strip(), rc, m["slug"]))

    rc, so, se = run([machine], 60)
    want(rc == 0 and so.lstrip().startswith("{"), "without --out it should print JSON on stdout")

for bad in (["--bogus"], ["--timestamp", "yesterday"]):
    rc, so, se = run([machine] + bad, 30)
    lines = se.strip().splitlines()
    want(rc == 2 and len(lines) == 1, "scripts/machine %s: exit %d, stderr %r; expected exit 2 "
         "and one line" % (" ".join(bad), rc, se))
# the microarchitecture table and the slug, on CPUs this machine is not
sys.path.insert(0, os.path.join(src(), "scripts", "lib"))
import bench_machine  # noqa: E402
for vendor, fam, model, flags, expect in (
        ("amd", 0x19, 0x01, set(), "zen3"), ("amd", 0x19, 0x21, set(), "zen3"),
        ("amd", 0x19, 0x11, set(), "zen4"), ("amd", 0x19, 0x61, set(), "zen4"),
        ("amd", 0x1a, 0x02, set(), "zen5"), ("amd", 0x17, 0x31, set(), "zen2"),
        ("intel", 6, 0x8f, {"amx_tile"}, "sapphirerapids"),
        ("intel", 6, 0xcf, {"amx_tile"}, "emeraldrapids"),
        ("intel", 6, 0xa7, set(), "rocketlake"),
        # a hypervisor that shows model 0xa7 on a CPU with AMX: the flags win
        ("intel", 6, 0xa7, {"amx_tile", "avx512f"}, "sapphirerapids"),
        ("intel", 6, 0x55, set(), "cascadelake"),     # stepping 7 below
        ("intel", 6, 0x01, set(), "f6m1"), ("amd", 0x15, 0x02, set(), "f15m2")):
    got, _src = bench_machine.microarch(vendor, fam, model, 7, flags)
    want(got == expect, "microarch(%s, family %#x, model %#x, %s) = %r, expected %r"
         % (vendor, fam, model, sorted(flags), got, expect))
cpu = {"vendor": "amd", "model_name": "AMD EPYC 7B13 64-Core Processor", "microarch": "zen3",
       "cores": 2}
want(bench_machine.slug_of(cpu, "6.18.44-fc-v669") == "amd-epyc-zen3-2c-linux6.18",
     "slug_of(EPYC 7B13, zen3, 2 cores, 6.18.44) = %r" % bench_machine.slug_of(cpu, "6.18.44"))
cpu = {"vendor": "intel", "model_name": "Intel(R) Core(TM) i7-12700K", "microarch": "alderlake",
       "cores": 12}
want(bench_machine.slug_of(cpu, "6.1.0-13-amd64") == "intel-core-alderlake-12c-linux6.1",
     "slug_of(i7-12700K) = %r" % bench_machine.slug_of(cpu, "6.1.0-13-amd64"))
print("ok: machine.json valid, slug %s; microarch table and slug rules hold" % m["slug"])
