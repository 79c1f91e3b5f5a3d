"""tests/scripts/runcheck.py — what the scripts tests share: running a command
with a deadline, SKIP/FAIL, and the run-folder schema checks (machine.json,
accept.json / keepalive.json) exactly as the run-folder contract
(docs/ARCHITECTURE.md) states them. Nothing here looks at a speed: the machine is shared and noisy."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import SKIP, fail, skip  # noqa: E402,F401  (one SKIP code, one FAIL line for every test)


def src():
    return os.environ.get("SYSPATH_SRC") or os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))))


def bin_dir():
    d = os.environ.get("SYSPATH_BIN")
    if not d:
        fail("SYSPATH_BIN is not set (run through ctest)")
    return d


def run(argv, timeout=120, env=None):
    """(exit status, stdout, stderr); a hang is a failure, not a stuck ctest."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        fail("%s did not finish within %d s" % (" ".join(argv), timeout))
    return p.returncode, p.stdout, p.stderr


def bench_quick(part, out, build, timeout, extra=()):
    """scripts/bench --quick --only PART (and extra) into out with the ctest
    build (no rebuild); fails unless it exits 0 and prints out as its last
    stdout line. Returns its stderr (the progress lines), whose tail it passes on."""
    argv = [os.path.join(src(), "scripts", "bench"), "--quick", "--only", part,
            "--out", out, "--build-dir", build, "--no-build"] + list(extra)
    rc, so, se = run(argv, timeout=timeout)
    sys.stderr.write(se[-3000:])
    want(rc == 0, "%s exited %d" % (" ".join(argv), rc))
    last = so.strip().splitlines()[-1] if so.strip() else ""
    want(last == out, "last stdout line %r, expected the run folder %r" % (last, out))
    return se


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        fail("%s: %s" % (path, e.strerror))
    except ValueError as e:
        fail("%s is not valid JSON: %s" % (path, e))


def want(cond, msg):
    if not cond:
        fail(msg)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_types(doc, spec, where):
    """spec: {key: type or tuple of types}; None in a tuple allows null."""
    for key, types in spec.items():
        want(key in doc, "%s: key '%s' missing (have %s)" % (where, key, sorted(doc)))
        types = types if isinstance(types, tuple) else (types,)
        v = doc[key]
        ok = any((t is None and v is None) or (t is float and is_num(v)) or
                 (t is int and isinstance(v, int) and not isinstance(v, bool)) or
                 (t not in (None, float, int) and isinstance(v, t)) for t in types)
        want(ok, "%s: '%s' should be %s, is %r" % (where, key, types, v))


def check_machine(path):
    m = load(path)
    check_types(m, {"schema": int, "slug": str, "timestamp_utc": str, "cpu": dict,
                    "kernel": dict, "mitigations": dict, "governor": (str, None),
                    "virtualization": (str, None), "memory_bytes": (int, None),
                    "io_uring": str, "software": dict, "syspath": dict}, path)
    want(m["schema"] == 1, "%s: schema %r, expected 1" % (path, m["schema"]))
    check_types(m["cpu"], {"model_name": str, "vendor": str, "family": (int, None),
                           "model": (int, None), "stepping": (int, None), "microarch": str,
                           "flags": dict, "cores": int, "threads": int, "caches": dict},
                path + " cpu")
    for f in ("erms", "fsrm", "avx2", "avx512f", "avx512bw"):
        want(isinstance(m["cpu"]["flags"].get(f), bool), "%s: cpu.flags.%s not a bool" % (path, f))
    for c in ("l1d", "l2", "l3"):
        want(c in m["cpu"]["caches"], "%s: cpu.caches.%s missing" % (path, c))
    want(m["cpu"]["cores"] >= 1 and m["cpu"]["threads"] >= m["cpu"]["cores"],
         "%s: cores %r threads %r" % (path, m["cpu"]["cores"], m["cpu"]["threads"]))
    check_types(m["kernel"], {"release": str, "version": str}, path + " kernel")
    want(m["io_uring"] in ("enabled", "disabled", "restricted"),
         "%s: io_uring %r" % (path, m["io_uring"]))
    for k in ("glibc", "gcc", "clang", "nasm", "wrk", "nginx", "h2o", "lighttpd", "hyperfine",
              "benchmark", "python"):
        want(k in m["software"], "%s: software.%s missing" % (path, k))
    want(isinstance(m["software"]["python"], str), "%s: software.python not a string" % path)
    check_types(m["syspath"], {"commit": (str, None), "dirty": (bool, None)}, path + " syspath")
    # the slug: <vendor>-<family>-<microarch>-<cores>c-linux<major.minor>, lower case
    import re
    want(re.fullmatch(r"[a-z0-9+.-]+-\d+c-linux\d+\.\d+", m["slug"]) is not None,
         "%s: slug %r is not <vendor>-<family>-<microarch>-<N>c-linux<X.Y>" % (path, m["slug"]))
    want(m["slug"].startswith(m["cpu"]["vendor"] + "-"), "%s: slug does not start with the vendor"
         % path)
    return m


def check_load(path, mode, rounds):
    """accept.json / keepalive.json per the contract; returns the document."""
    d = load(path)
    cpu_key = "server_cpu_us_per_conn" if mode == "accept" else "server_cpu_us_per_req"
    check_types(d, {"rows": list, "unit": str, "pinning": dict, "wrk": dict, "rounds": int,
                    "warmup_rounds": int}, path)
    want(d["unit"] == ("conn/s" if mode == "accept" else "req/s"), "%s: unit %r" % (path, d["unit"]))
    want(d["rounds"] == rounds, "%s: rounds %r, asked for %d" % (path, d["rounds"], rounds))
    # each run warms its own server up before its window: no uncounted rounds
    want(d["warmup_rounds"] == 0, "%s: warmup_rounds %r" % (path, d["warmup_rounds"]))
    per = "conn" if mode == "accept" else "req"
    counters = ("segments", "ctx_switches", "syscalls", "total_cpu_us", "pair_cpu_us")
    check_types(d, {"counters_note": dict}, path)
    for c in counters:
        want(isinstance(d["counters_note"].get("%s_per_%s" % (c, per)), str),
             "%s: counters_note says nothing about %s_per_%s" % (path, c, per))
    check_types(d["pinning"], {"server_cpus": (str, None), "client_cpus": (str, None)},
                path + " pinning")
    check_types(d["wrk"], {"threads": int, "connections": int, "duration_s": float}, path + " wrk")
    want(d.get("topology") in ("two-netns", "loopback"), "%s: topology %r" % (path, d.get("topology")))
    check_types(d, {"meter": dict, "topology_note": str}, path)
    check_types(d["meter"], {"version": int, "headline": str, "user_hz": int, "tick_us": float,
                             "server_bound_threshold_pct": float}, path + " meter")
    want(d["meter"]["headline"] == "server_core_us_per_" + per, "%s: headline %r"
         % (path, d["meter"]["headline"]))
    want(d["rows"], "%s: no rows" % path)
    names = set()
    for r in d["rows"]:
        where = "%s row %s" % (path, r.get("name"))
        check_types(r, {"server": str, "backend": (str, None), "model": (str, None), "name": str,
                        "median": float, "ci95": list, "rounds": list, "errors": dict,
                        "flagged": bool, cpu_key: float, "server_cpu_us_rounds": list,
                        "server_cpu_pct": float, "wrk_connections": int,
                        "note": (str, None)}, where)
        want(r["server"] in ("syspath", "syspath-asm-server", "syspath-floor", "nginx", "h2o",
                             "lighttpd"),
             "%s: server %r" % (where, r["server"]))
        want(r["name"] not in names, "%s: duplicate row name" % where)
        names.add(r["name"])
        want(len(r["rounds"]) == rounds and all(is_num(v) and v > 0 for v in r["rounds"]),
             "%s: rounds %r, expected %d positive values" % (where, r["rounds"], rounds))
        want(len(r["ci95"]) == 2 and all(is_num(v) for v in r["ci95"]) and
             r["ci95"][0] <= r["median"] <= r["ci95"][1],
             "%s: ci95 %r does not bracket the median %r" % (where, r["ci95"], r["median"]))
        want(set(r["errors"]) == {"connect", "read", "write", "timeout", "non2xx"} and
             all(isinstance(v, int) and v >= 0 for v in r["errors"].values()),
             "%s: errors %r" % (where, r["errors"]))
        if any(r["errors"].values()):
            want(r["flagged"], "%s: errors %r but not flagged" % (where, r["errors"]))
        want(r[cpu_key] > 0 and all(is_num(v) and v > 0 for v in r["server_cpu_us_rounds"]),
             "%s: server CPU %r / %r" % (where, r[cpu_key], r["server_cpu_us_rounds"]))
        want(0 < r["server_cpu_pct"] <= 100 * 1.05 * max(1, r.get("server_counters", {}).get(
             "workers", 1) or 1), "%s: server_cpu_pct %r" % (where, r["server_cpu_pct"]))
        if r["server"] == "syspath":
            want(r["name"] == "%s/%s" % (r["backend"], r["model"]),
                 "%s: name should be backend/model" % where)
        check_types(r, {"server_cpu_source": str}, where)
        for c in counters:
            f = "%s_per_%s" % (c, per)
            check_types(r, {f: (float, None), f + "_rounds": list, f + "_ci95": (list, None)},
                        where)
            want(all(is_num(v) and v >= 0 for v in r[f + "_rounds"]),
                 "%s: %s_rounds %r" % (where, f, r[f + "_rounds"]))
            want((r[f + "_ci95"] is None) == (len(r[f + "_rounds"]) < 3),
                 "%s: %s_ci95 %r with %d rounds (an interval from 3 rounds on, else null)"
                 % (where, f, r[f + "_ci95"], len(r[f + "_rounds"])))
        for c in ("segments", "total_cpu_us", "pair_cpu_us"):
            f = "%s_per_%s" % (c, per)
            want(r[f] is not None and r[f] > 0, "%s: %s %r, every window has some" % (where, f,
                                                                                        r[f]))
        check_cores(r, d, per, rounds, where)
    return d


def check_cores(r, d, per, rounds, where):
    """A row's core meters (the headline) and its server-bound verdict."""
    want(r.get("topology") == d["topology"], "%s: topology %r, the file says %r"
         % (where, r.get("topology"), d["topology"]))
    core, tasks, unseen = ("%s_us_per_%s" % (n, per) for n in
                           ("server_core", "server_tasks", "server_unseen"))
    if d["pinning"].get("server_cpus") is None:
        want(r.get(core) is None and r.get("server_bound") is None,
             "%s: unpinned, yet a server core %r / server_bound %r" % (where, r.get(core),
                                                                       r.get("server_bound")))
        return
    for f in (core, tasks, "client_core_us_per_" + per):
        want(is_num(r.get(f)) and r[f] > 0 and len(r[f + "_rounds"]) == rounds,
             "%s: %s %r over rounds %r, every window has some" % (where, f, r.get(f),
                                                                   r.get(f + "_rounds")))
    for n in ("interrupts", "net_rx"):
        f = "server_core_%s_per_%s" % (n, per)
        want(is_num(r.get(f)) and r[f] >= 0 and len(r[f + "_rounds"]) == rounds,
             "%s: %s %r over rounds %r (/proc/%s of the server's CPU)" % (
                 where, f, r.get(f), r.get(f + "_rounds"), "interrupts" if n == "interrupts" else "softirqs"))
    want(r[tasks] == r["server_cpu_us_per_" + per], "%s: %s %r is not the process clock's %r"
         % (where, tasks, r[tasks], r["server_cpu_us_per_" + per]))
    for c, t, u in zip(r[core + "_rounds"], r[tasks + "_rounds"], r[unseen + "_rounds"]):
        want(abs((c - t) - u) <= 1e-6 * max(1.0, abs(c)), "%s: unseen %r is not core %r - "
             "tasks %r" % (where, u, c, t))
    for side in ("server", "client"):
        busy, steal = r.get(side + "_core_busy_pct"), r.get(side + "_core_steal_pct")
        want(is_num(busy) and 0 < busy <= 100 and is_num(steal) and 0 <= steal <= 100,
             "%s: %s core busy %r%%, steal %r%%" % (where, side, busy, steal))
        want(isinstance(r.get(side + "_core_ticks"), (int, float)) and r[side + "_core_ticks"] > 0,
             "%s: %s_core_ticks %r" % (where, side, r.get(side + "_core_ticks")))
    want(r.get("server_bound") is (r["server_core_busy_pct"] >= d["meter"]["server_bound_threshold_pct"]),
         "%s: server_bound %r with the server core %r%% busy" % (where, r.get("server_bound"),
                                                                 r["server_core_busy_pct"]))
    want(isinstance(r.get("server_core_source"), str), "%s: no server_core_source" % where)
