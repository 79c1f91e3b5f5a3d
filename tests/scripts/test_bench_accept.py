#!/usr/bin/python3
"""scripts/bench --quick --only accept runs end to end against the real servers
(using the ctest build, no rebuild) and writes a valid accept.json and
machine.json: every available backend x model from `syspath-server --list`,
syspath-asm-server when built, nginx, h2o and lighttpd when installed (noted
as skipped when not); errors counted; the run
folder printed as the last line on stdout. run.json's method records each part
that ran and no other: load for this run; syscalls, counts and hyperfine (each
with its version and words) for a second, --quick --only syscalls,counts,hyperfine
run (counts where valgrind is installed, hyperfine where hyperfine is). No speed
is asserted."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import bench_quick, bin_dir, check_load, check_machine, load, skip, src, want  # noqa: E402

sys.path.insert(0, os.path.join(src(), "scripts", "lib"))
import bench_hyperfine  # noqa: E402
import bench_micro  # noqa: E402
import peers  # noqa: E402
import topology  # noqa: E402

bindir = bin_dir()
build = os.environ.get("SYSPATH_BUILD") or os.path.dirname(bindir)
server = os.path.join(bindir, "syspath-server")
for tool in ("wrk", "taskset"):
    if not shutil.which(tool):
        skip("%s is not installed (Debian: %s)" % (tool, "wrk" if tool == "wrk" else "util-linux"))
if not os.access(server, os.X_OK):
    skip("syspath-server is not built in %s" % bindir)

lst = subprocess.run([server, "--list"], capture_output=True, text=True, timeout=10).stdout
backends = models = []
unavailable = set()
for line in lst.splitlines():
    if line.startswith("backends:"):
        backends = line.split(":", 1)[1].split()
    elif line.startswith("models:"):
        models = line.split(":", 1)[1].split()
    elif line.startswith("unavailable:"):
        unavailable.add(line.split(":", 1)[1].split()[0])
want(backends and models, "syspath-server --list printed no backends/models: %r" % lst)

with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "run")
    # the default topology where this machine can make it, else loopback
    why = topology.probe(topology.DEFAULT)
    topo = "loopback" if why else topology.DEFAULT
    if why:
        print("note: %s: measuring on loopback" % why)
    se = bench_quick("accept", out, build, timeout=240, extra=["--topology", topo])
    want("[1/" in se and "left" in se, "no progress line ([i/N] ... left) on stderr")

    check_machine(os.path.join(out, "machine.json"))
    d = check_load(os.path.join(out, "accept.json"), "accept", rounds=1)
    want(d["topology"] == topo, "accept.json topology %r, asked for %r" % (d["topology"], topo))
    methods = load(os.path.join(out, "run.json")).get("method", {})
    method = methods.get("load", {})
    want(method.get("topology") == topo and isinstance(method.get("version"), int) and
         isinstance(method.get("meter"), str), "run.json method.load %r: wants version, "
         "meter and topology %r" % (method, topo))
    want(list(methods) == ["load"], "run.json method of an accept run: wants load alone, got %s"
         % sorted(methods))
    names = {r["name"] for r in d["rows"]}
    expect = {"%s/%s" % (b, m) for m in models for b in backends if m not in unavailable}
    want(expect <= names, "rows missing from accept.json: %s" % sorted(expect - names))
    skipped = {s["name"] for s in d.get("skipped", [])}
    for m in unavailable:
        for b in backends:
            want("%s/%s" % (b, m) in skipped, "unavailable %s/%s not noted as skipped" % (b, m))
    if shutil.which("nginx"):
        want("nginx" in names, "nginx is installed but there is no nginx row")
    for peer, how in peers.PEERS.items():
        if shutil.which(how["binary"]):
            want(peer in names, "%s is installed but there is no %s row" % (how["binary"], peer))
        else:
            want(peer in skipped, "%s is not installed and not noted as skipped" % peer)
    if os.access(os.path.join(bindir, "syspath-asm-server"), os.X_OK):
        want("asm-server" in names, "syspath-asm-server is built but there is no asm-server row")
    for r in d["rows"]:
        want(r["wrk_connections"] >= 1, "row %s: wrk_connections %r" % (r["name"],
                                                                          r["wrk_connections"]))
    if len(os.sched_getaffinity(0)) >= 2:
        p = d["pinning"]
        want(p["server_cpus"] is not None and p["client_cpus"] is not None and
             p["server_cpus"] != p["client_cpus"], "pinning %r: server and wrk should be on "
             "different CPUs" % p)
    want(not os.path.exists(os.path.join(out, "keepalive.json")),
         "--only accept also wrote keepalive.json")
    with open(os.path.join(out, "summary.md")) as f:
        summary = f.read()
    for n in names:
        want(n in summary, "summary.md does not mention row %s" % n)

    # the other parts' methods, from a short run of them (no server involved)
    parts = ["syscalls"] + (["counts"] if shutil.which("valgrind") else []) \
        + (["hyperfine"] if shutil.which("hyperfine") else [])
    out2 = os.path.join(tmp, "micro")
    bench_quick(",".join(parts), out2, build, timeout=180)
    methods = load(os.path.join(out2, "run.json")).get("method", {})
    want(sorted(methods) == sorted(parts), "run.json method of --only %s: wants exactly those "
         "parts, got %s" % (",".join(parts), sorted(methods)))
    want(methods.get("syscalls") == bench_micro.syscalls_method(),
         "run.json method.syscalls %r, expected %r" % (methods.get("syscalls"), bench_micro.syscalls_method()))
    if "counts" in parts:
        counts = load(os.path.join(out2, "counts.json"))
        m = methods.get("counts", {})
        want(isinstance(counts.get("method_version"), int) and m.get("version") == counts["method_version"]
             and m.get("tool") == counts.get("tool") == "callgrind"
             and m.get("iterations") == counts.get("iterations")
             and isinstance(m.get("counted"), str) and m["counted"] == counts.get("method"),
             "run.json method.counts %r: wants counts.json's method_version, tool, iterations and "
             "method (%r)" % (m, {k: counts.get(k) for k in ("method_version", "tool", "iterations", "method")}))
    if "hyperfine" in parts:
        m = methods.get("hyperfine", {})
        want(m == bench_hyperfine.method(quick=True) and m.get("serve_connections") ==
             bench_hyperfine.QUICK["serve_conns"], "run.json method.hyperfine %r, expected %r"
             % (m, bench_hyperfine.method(quick=True)))
    with open(os.path.join(out2, "summary.md")) as f:
        line = next((l for l in f if l.startswith("**Method:**")), "")
    named = ["%s v%s" % (p, methods.get(p, {}).get("version")) for p in parts]
    want(all(n in line for n in named), "summary.md's method line: wants %s, got %r"
         % (", ".join(named), line))
print("ok: accept.json with %d rows: %s" % (len(names), ", ".join(sorted(names))))
