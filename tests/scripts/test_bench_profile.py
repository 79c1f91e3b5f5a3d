#!/usr/bin/python3
"""scripts/bench --profile end to end: in round 1 of each load row, a wrk burst under perf
record of the server's CPU, before and outside the window. Each row of accept.json gets a
server_core_profile (busy samples, a share and µs per connection for every kind of
core_profile.CATEGORIES, shares adding up to 1), the file a profile_note, the log each burst's
wrk output, and summary.md the "Where the server core's time went" table. Skipped (77) where
perf cannot sample (core_profile.available says why). No speed is asserted."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import bench_quick, bin_dir, is_num, load, skip, src, want  # noqa: E402

sys.path.insert(0, os.path.join(src(), "scripts", "lib"))
import core_profile  # noqa: E402
import topology  # noqa: E402

bindir = bin_dir()
build = os.environ.get("SYSPATH_BUILD") or os.path.dirname(bindir)
for tool in ("wrk", "taskset"):
    if not shutil.which(tool):
        skip("%s is not installed" % tool)
why = core_profile.available()
if why:
    skip(why)
if not os.access(os.path.join(bindir, "syspath-server"), os.X_OK):
    skip("syspath-server is not built in %s" % bindir)

rows = ["libc/epoll", "libc/uring"]
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "run")
    topo = "loopback" if topology.probe(topology.DEFAULT) else topology.DEFAULT
    bench_quick("accept", out, build, timeout=240,
                extra=["--profile", "--rows", ",".join(rows), "--topology", topo])
    d = load(os.path.join(out, "accept.json"))
    want(isinstance(d.get("profile_note"), str) and "perf record" in d["profile_note"],
         "accept.json: expected a profile_note naming perf record, got %r" % d.get("profile_note"))
    got = {r["name"]: r for r in d["rows"]}
    for name in rows:
        if name not in got:
            continue            # a model this kernel lacks (io_uring off) is skipped by the bench
        p = got[name].get("server_core_profile")
        want(isinstance(p, dict), "%s: no server_core_profile (note: %r)"
             % (name, got[name].get("server_core_profile_note")))
        want(is_num(p.get("busy_samples")) and p["busy_samples"] > 0 and is_num(p.get("units"))
             and p["units"] > 0, "%s: expected busy samples and units, got %s" % (name, p))
        want(set(p["share"]) == set(core_profile.KEYS) == set(p["us_per_unit"]),
             "%s: expected every kind of core_profile.CATEGORIES, got %s" % (name, sorted(p["share"])))
        want(abs(sum(p["share"].values()) - 1) < 1e-6, "%s: shares add to %s" % (name, sum(p["share"].values())))
        want(all(v >= 0 for v in p["us_per_unit"].values()), "%s: a negative µs: %s" % (name, p["us_per_unit"]))
    want("libc/epoll" in got, "accept.json has no libc/epoll row")
    with open(os.path.join(out, "logs", "accept.log"), encoding="utf-8") as f:
        log = f.read()
    want(log.count("profiled burst (perf record -C") == len([n for n in rows if n in got]),
         "accept.log: expected one profiled burst per row")
    with open(os.path.join(out, "summary.md"), encoding="utf-8") as f:
        want("### Where the server core's time went" in f.read(), "summary.md: no core profile table")
print("ok")
