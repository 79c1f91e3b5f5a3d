#!/usr/bin/python3
"""Behaviour: scripts/plot and scripts/report on a full run folder write every expected file:
PNG for each plot, and SVG too only when asked (--svg; with the machine on it), and report.md with each table and each plot
embedded by a relative path that exists.
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import check, mkrun, need, run, script, tmpdir  # noqa: E402

need("matplotlib", "scipy", "numpy")
T = tmpdir()
R = mkrun(os.path.join(T, "results", "amd-epyc-7b13-zen3-2c-linux6.1", "2026-11-26T041500Z"), "--reps", "5",
          "--rounds", "5")
# PNG alone by default: a run folder commits no SVG
PNG_ONLY = os.path.join(T, "png-only")
shutil.copytree(R, PNG_ONLY)
rc, out, err = run([script("plot"), "--only", "syscalls", PNG_ONLY], expect_rc=0)
check(out.split() == [os.path.join(PNG_ONLY, "syscalls.png")] and
      not [f for f in os.listdir(PNG_ONLY) if f.endswith(".svg")],
      "scripts/plot without --svg: expected syscalls.png alone, got %r and %s" % (out, os.listdir(PNG_ONLY)))
rc, out, err = run([script("plot"), "--svg", R], expect_rc=0)
stems = ["helpers-memset", "helpers-memcpy", "helpers-strlen", "syscalls", "accept", "keepalive", "hyperfine",
         "accept-counters", "keepalive-counters"]
for stem in stems:
    for ext in ("png", "svg"):
        p = os.path.join(R, "%s.%s" % (stem, ext))
        check(os.path.exists(p), "scripts/plot: expected %s, not written (stdout: %s)" % (p, out))
        check(p in out.split(), "scripts/plot: expected %s named on stdout" % p)
    with open(os.path.join(R, stem + ".png"), "rb") as f:
        head = f.read(8)
    check(head == b"\x89PNG\r\n\x1a\n", "%s.png: not a PNG" % stem)
    check(os.path.getsize(os.path.join(R, stem + ".png")) > 20000, "%s.png: suspiciously small" % stem)
    with open(os.path.join(R, stem + ".svg"), encoding="utf-8") as f:
        svg = f.read()
    check("<svg" in svg, "%s.svg: not an SVG" % stem)
    # every plot carries the machine and the run date
    check("AMD EPYC 7B13" in svg and "2026-11-26" in svg, "%s: expected the machine and run date on the plot" % stem)
check("skipped" not in err, "scripts/plot: nothing should be skipped on a full folder, got: %s" % err)

rc, out, err = run([script("report"), R], expect_rc=0)
md_path = os.path.join(R, "report.md")
check(out.strip() == md_path, "scripts/report: expected the report's path on stdout, got %r" % out)
with open(md_path, encoding="utf-8") as f:
    md = f.read()
for stem in stems:
    check("](%s.png)" % stem in md, "report.md: expected %s.png embedded" % stem)
for heading in ("## Accept throughput", "## Keep-alive", "## Syscall paths", "### memset", "### strlen",
                "### memcpy", "### htons", "## Process-level cost", "## Instruction counts", "## Machine"):
    check(heading in md, "report.md: expected a %r section" % heading)
check("AMD EPYC 7B13" in md and "2026-11-26 04:15 UTC" in md, "report.md: expected the machine and run date")
check("**Server CPU per connection against `nginx`**" in md, "report.md: expected the accept headline")
check("⚠ `libc/reuseport`" in md, "report.md: expected the flagged accept row marked")
check("`nginx` (baseline)" in md, "report.md: expected nginx as the baseline row")
check("| `getppid` | libc | " in md, "report.md: expected a syscall table row for getppid/libc")
check("clocksource: kvm-clock; `int 0x80`: available" in md,
      "report.md: expected bench-syscalls' context (clocksource, int 0x80) kept and shown")
check("| saturated |" in md and "client (wrk 99%)" in md, "report.md: expected the saturated side per load row")
check("- accept: asm/uring-sqpoll not measured (" in md, "report.md: expected the bench's skipped rows as notes")
check("- counts: syscall/getppid/int80 not counted (" in md, "report.md: expected counts.json's skipped rows as notes")
check("`syspath-hello-glibc` (baseline)" in md, "report.md: expected dynamic glibc hello as the hyperfine baseline")
check("`syspath-hello-glibc-static`" in md, "report.md: expected a command given by full path named by its program")
check("matches glibc from" in md or "never matches glibc" in md, "report.md: expected the rep-string crossover sentence")
check("amd-epyc-7b13-zen3-2c-linux6.1/2026-11-26T041500Z" in md, "report.md: expected the run's label")
# tables are well formed: every table line has the header's column count
lines = md.splitlines()
for i, l in enumerate(lines):
    if l.startswith("|---") or l.startswith("| ---"):
        ncol = lines[i - 1].count(" | ")
        j = i + 1
        while j < len(lines) and lines[j].startswith("|"):
            check(lines[j].replace("\\|", "").count(" | ") == ncol, "report.md line %d: %d columns, header has %d:\n%s"
                  % (j + 1, lines[j].count(" | ") + 1, ncol + 1, lines[j]))
            j += 1
rc, out, err = run([script("report"), "--stdout", R], expect_rc=0)
check(out == md, "report --stdout: expected the same text as report.md")
print("ok: %d plots as png (and svg on demand), report.md with every section" % len(stems))
