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
print("ok: machine.json valid, slug %s" % m["slug"])
