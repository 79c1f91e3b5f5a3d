"""scripts/lib/bench_load.py — accept throughput and keep-alive: servers under wrk.

One *row* is one server configuration: syspath-server for every backend x model
that `syspath-server --list` reports available, the freestanding
syspath-asm-server (accept only: it closes every connection), and the peers
from Debian (peers.py: nginx, in accept also nginx-deferred, h2o, lighttpd). A
peer that is not installed is skipped with a note.

One *run* is: start the row's server fresh (servers.py), pinned to the server
CPU, on a free port; warm it up (wrk.warm_up: a short syspath-client burst, and
in the first round then a 0.3 s wrk under `strace -c -f`, which counts its
syscalls: counters.count_syscalls); read the meters (counters.edge); run wrk
pinned to the client CPU for the measured window; read the meters again; stop
the server. Rounds interleave the rows (A B C ... A B C ...).

One meter for every row, peers included: the server's CPU over the window
alone is the difference of two readings of the process CPU clock (the
kernel's sum_exec_runtime, ns) summed over the server and every descendant
(reuseport workers, nginx workers, h2o's crash-handler helper) and all their
threads; bench_proc.server_snapshot falls back to per-thread schedstat, then
to clock ticks, and server_cpu_source names the instrument used. Start-up,
warm-up and shutdown fall outside the window. On a syspath row (not
reuseport, whose workers getrusage sees only once reaped) the server's own
getrusage, read through SIGUSR1 at the same two edges, is kept beside it as a
cross-check (rusage_vs_meter_pct).

From the same window, per connection (accept) or request (keep-alive), where
a unit is one response wrk counted: TCP segments, the server's context
switches, the busy CPU of the server's and the client's CPUs, and syscalls
from round 1's strace'd warm-up (counters.py; counters_note says what each
is). Per run we also keep: rate (wrk's requests / wrk's measured duration),
wrk's socket errors and non-2xx count, and wrk's own CPU time (os.wait4
rusage) so we can say which side was saturated.

Errors are results: a row whose counted rounds saw any socket error, non-2xx
answer or failed run is "flagged", never averaged away.
"""
import os
import re
import shlex
import shutil
import subprocess

import bench_proc
import counters
import peers
import stats
import wrk
from counters import COUNTERS
from servers import own_netns, start_server
from wrk import parse_wrk

MODES = {
    # mode: (unit, per-unit CPU key, wrk extra args, what a counter is per)
    "accept": ("conn/s", "server_cpu_us_per_conn", ["-H", "Connection: close"], "conn"),
    "keepalive": ("req/s", "server_cpu_us_per_req", [], "req"),
}
WRK_THREADS = wrk.THREADS
WRK_CONNECTIONS = wrk.CONNECTIONS
SATURATED_PCT = 85.0   # a side using >= this share of its core is the bottleneck


# ---------------------------------------------------------------------------
# what exists

def list_server(bin_dir):
    """(backends, models, unavailable{model: why}) from `syspath-server --list`."""
    exe = os.path.join(bin_dir, "syspath-server")
    if not os.access(exe, os.X_OK):
        return [], [], {}
    try:
        out = subprocess.run([exe, "--list"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return [], [], {}
    backends, models, unavailable = [], [], {}
    for line in out.splitlines():
        if line.startswith("backends:"):
            backends = line.split(":", 1)[1].split()
        elif line.startswith("models:"):
            models = line.split(":", 1)[1].split()
        elif line.startswith("unavailable:"):
            m = re.match(r"unavailable:\s*(\S+)\s*(?:\((.*)\))?", line)
            if m:
                unavailable[m.group(1)] = m.group(2) or "unavailable"
    return backends, models, unavailable


class Row:
    def __init__(self, server, name, backend=None, model=None, note=None):
        self.server, self.name, self.backend, self.model = server, name, backend, model
        self.note = note
        self.runs = []           # counted rounds: dicts from run_once

    def connections(self, mode):
        # iterative serves one connection at a time and answers 'Connection: close'
        # whenever another client waits: with 50 wrk connections the keep-alive
        # row would measure accept again, so it is driven by one connection
        if mode == "keepalive" and self.model == "iterative":
            return 1
        return WRK_CONNECTIONS


def plan_rows(mode, bin_dir, workers):
    """(rows, skipped): every row to measure, and [{"name", "why"}] for the rest."""
    rows, skipped = [], []
    backends, models, unavailable = list_server(bin_dir)
    if not backends:
        skipped.append({"name": "syspath", "why": "syspath-server not built or --list failed in %s"
                        % bin_dir})
    for model in models:
        for backend in backends:
            name = "%s/%s" % (backend, model)
            if model in unavailable:
                skipped.append({"name": name, "why": unavailable[model]})
                continue
            note = None
            if mode == "keepalive" and model == "iterative":
                note = ("iterative serves one connection at a time and closes a keep-alive "
                        "connection when another client waits: wrk -c1, where it keeps it "
                        "(read, write and a zero-timeout epoll_wait per request)")
            if model == "reuseport":
                note = "--workers %d (one per server CPU)" % workers
            rows.append(Row("syspath", name, backend, model, note))
    if mode == "accept":
        if os.access(os.path.join(bin_dir, "syspath-asm-server"), os.X_OK):
            rows.append(Row("syspath-asm-server", "asm-server",
                            note="freestanding NASM, iterative, closes every connection"))
        else:
            skipped.append({"name": "asm-server", "why": "syspath-asm-server not built"})
    if shutil.which("nginx"):
        rows.append(Row("nginx", "nginx", note=peers.NGINX_NOTE))
        if mode == "accept":
            rows.append(Row("nginx", "nginx-deferred", note=peers.NGINX_DEFERRED_NOTE))
    else:
        skipped.append({"name": "nginx", "why": "nginx not installed (Debian: nginx-light)"})
    for name, peer in peers.PEERS.items():
        if shutil.which(peer["binary"]):
            rows.append(Row(name, name, note=peer["note"]))
        else:
            skipped.append({"name": name, "why": "%s not installed (Debian: %s)"
                            % (peer["binary"], peer["package"])})
    return rows, skipped


def pinning():
    """{"server_cpus", "client_cpus"} from the CPUs we may use; None each on 1 CPU."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return {"server_cpus": None, "client_cpus": None,
                "note": "only 1 CPU available: server and wrk run unpinned, sharing it"}
    return {"server_cpus": str(cpus[0]), "client_cpus": str(cpus[1])}


# ---------------------------------------------------------------------------
# one run

def _wrk_argv(row, mode, pin, server, duration):
    return wrk.argv(server, pin["client_cpus"], row.connections(mode), duration, MODES[mode][2])


def run_once(row, mode, duration, pin, bin_dir, tmp, tag, workers, log, count_calls=False):
    """One run of row: returns a dict (see module doc); "failed" set on failure.
    count_calls: warm up under strace and count syscalls (one round per row)."""
    server, why = start_server(row, pin, bin_dir, tmp, tag, workers)
    if server is None:
        return {"failed": why}
    argv = _wrk_argv(row, mode, pin, server, duration)
    res = {"port": server.port}
    # getrusage at the window's edges: a syspath server, whose workers (reuseport)
    # it would not see before they are reaped
    rusage = server.stats_path is not None and row.model != "reuseport"
    try:
        # first the burst: a reuseport server forks its workers after it says
        # it listens, and strace must find them all
        wrk.warm_up(server, pin["client_cpus"], bin_dir)
        if count_calls:
            calls = counters.count_syscalls(server, mode, _wrk_argv(row, mode, pin, server, 2),
                                            tmp, tag, log, row.name)
            if "why" in calls:
                res["syscalls_why"] = calls["why"]
            else:
                res["syscalls"], res["syscall_units"] = calls["syscalls"], calls["units"]
        a = counters.edge(server, pin, rusage)
        rc, timed_out, ru, text = wrk.run(argv, duration, tmp)
        b = counters.edge(server, pin, rusage)
    finally:
        _rc, clean = bench_proc.stop(server.proc)
    log.write("### %s %s %s\n$ %s\n%s\n" % (mode, row.name, tag, shlex.join(argv), text))
    if not clean:
        res["note"] = "server did not stop within 3 s of SIGTERM (killed)"
    w = parse_wrk(text)
    if rc != 0 or timed_out or w is None:
        res["failed"] = "wrk %s: %s" % ("timed out" if timed_out else "exit %s" % rc,
                                       (text.strip().splitlines() or ["no output"])[-1])
        return res
    res.update(w)
    res["rate"] = w["requests"] / w["duration_s"] if w["duration_s"] > 0 else None
    res["client_cpu_pct"] = 100.0 * (ru.ru_utime + ru.ru_stime) / w["duration_s"]
    if server.stats_path is not None:
        st = counters.read_stats(server.stats_path)
        if st is None or "snapshot" in st:
            res["failed"] = "syspath-server wrote no --stats JSON at exit"
            return res
        res["server_counters"] = {k: st.get(k) for k in
                                  ("connections", "requests", "bad_requests", "timeouts",
                                   "accept_errors", "workers", "defer_accept_s")}
        # start-up, warm-up, window and shutdown, reaped workers included
        res["server_life_cpu_us"] = float(st.get("user_us", 0)) + float(st.get("system_us", 0))
    # a unit is one response wrk counted in the window: with Connection: close
    # one connection each (the up to -c connections cut at the window's end
    # are served but not counted: at most c / units)
    units = w["requests"]
    res["units"] = units
    if a["pids"] != b["pids"]:
        # a process that left took its CPU time with it: no honest figure
        res["failed"] = "the server's processes changed in the window: %s -> %s" % (
            a["pids"], b["pids"])
        return res
    cpu_ns = counters.delta(a, b, "cpu_ns") if a["cpu_source"] == b["cpu_source"] else None
    cpu_us = cpu_ns / 1000.0 if cpu_ns is not None else None
    res["cpu_source"] = "%s, summed over %d process%s (%d thread%s), window only" % (
        b["cpu_source"], len(b["pids"]), "" if len(b["pids"]) == 1 else "es",
        b["tasks"], "" if b["tasks"] == 1 else "s") if cpu_us is not None else None
    res["server_cpu_us"] = cpu_us
    res["cpu_per_unit"] = cpu_us / units if cpu_us is not None and units else None
    # the window's wall time, as wrk measured it
    res["server_cpu_pct"] = (100.0 * cpu_us / (w["duration_s"] * 1e6)
                             if cpu_us is not None and w["duration_s"] > 0 else None)
    ticks = [(y[0] - x[0], y[1] - x[1]) for x, y in zip(a["ticks"], b["ticks"]) if x and y]
    ut, stt = sum(t[0] for t in ticks), sum(t[1] for t in ticks)
    res["user_share"] = ut / (ut + stt) if ut + stt else None
    res["user_share_ticks"] = ut + stt
    if rusage and a["rusage_us"] is not None and b["rusage_us"] is not None:
        res["rusage_cpu_us"] = b["rusage_us"] - a["rusage_us"]
        if cpu_us:
            res["rusage_vs_meter_pct"] = 100.0 * (res["rusage_cpu_us"] / cpu_us - 1)
    res.update(counters.window(a, b, units, cpu_us, ru))
    if res.get("syscalls") is not None:
        res["syscalls_per_unit"] = res["syscalls"] / res["syscall_units"]
    return res


# ---------------------------------------------------------------------------
# aggregate

def _sum_errors(runs):
    tot = {"connect": 0, "read": 0, "write": 0, "timeout": 0, "non2xx": 0}
    for r in runs:
        for k, v in r.get("errors", {}).items():
            tot[k] = tot.get(k, 0) + v
    return tot


def _saturated(server_pct, client_pct):
    s = server_pct is not None and server_pct >= SATURATED_PCT
    c = client_pct is not None and client_pct >= SATURATED_PCT
    return "both" if s and c else "server" if s else "client" if c else "neither"


def row_json(row, mode):
    unit, cpu_key, _, _ = MODES[mode]
    ok = [r for r in row.runs if "failed" not in r]
    failed = [r for r in row.runs if "failed" in r]
    rates = [r["rate"] for r in ok]
    cpu = [r["cpu_per_unit"] for r in ok if r.get("cpu_per_unit") is not None]
    spct = [r["server_cpu_pct"] for r in ok if r.get("server_cpu_pct") is not None]
    cpct = [r["client_cpu_pct"] for r in ok if r.get("client_cpu_pct") is not None]
    errors = _sum_errors(ok)
    counters = {}
    for r in ok:
        for k, v in (r.get("server_counters") or {}).items():
            if isinstance(v, (int, float)) and k not in ("workers", "defer_accept_s"):
                counters[k] = counters.get(k, 0) + v
    notes = [row.note] if row.note else []
    defer = [r["server_counters"].get("defer_accept_s") for r in ok if r.get("server_counters")]
    if mode == "accept" and defer and defer[0]:
        # say it: nginx's like-for-like row is nginx-deferred
        notes.append("TCP_DEFER_ACCEPT %d s (this model's default)" % defer[0])
    if failed:
        notes.append("%d of %d rounds failed: %s" % (len(failed), len(row.runs),
                                                     failed[0]["failed"]))
    if counters.get("bad_requests"):
        notes.append("server answered %d bad requests" % counters["bad_requests"])
    for r in row.runs:
        if r.get("note") and r["note"] not in notes:
            notes.append(r["note"])
    lo, hi = stats.bootstrap_ci(rates)
    clo, chi = stats.bootstrap_ci(cpu)
    spct_med, cpct_med = stats.median(spct), stats.median(cpct)
    shares = [r["user_share"] for r in ok if r.get("user_share") is not None]
    out = {
        "server": row.server,
        "backend": row.backend,
        "model": row.model,
        "name": row.name,
        "median": stats.median(rates),
        "ci95": [lo, hi],
        "rounds": rates,
        "errors": errors,
        "flagged": bool(failed) or any(errors.values()) or bool(counters.get("bad_requests")),
        cpu_key: stats.median(cpu),
        "server_cpu_us_rounds": cpu,
        "server_cpu_ci95": [clo, chi],
        "server_cpu_pct": spct_med,
        "client_cpu_pct": cpct_med,
        "saturated": _saturated(spct_med, cpct_med),
        "server_cpu_source": ok[0].get("cpu_source") if ok else None,
        # how much of the server's CPU was its own code rather than the kernel's
        "server_user_share": stats.median(shares),
        "wrk_connections": row.connections(mode),
        "failed_rounds": len(failed),
        "note": "; ".join(notes) if notes else None,
    }
    ticks = [r["user_share_ticks"] for r in ok if r.get("user_share_ticks") is not None]
    out["server_user_share_source"] = (
        "/proc/PID/stat utime / (utime + stime) over the window, on a median of %s clock "
        "ticks of %d ms" % (stats.median(ticks), 1000 // os.sysconf("SC_CLK_TCK"))
        if shares else None)
    # the server's own getrusage over the same window (syspath rows, not reuseport)
    rus = [r["rusage_vs_meter_pct"] for r in ok if r.get("rusage_vs_meter_pct") is not None]
    if rus:
        out["rusage_cpu_us_rounds"] = [r.get("rusage_cpu_us") for r in ok]
        out["rusage_vs_meter_pct"] = stats.median(rus)
    per = MODES[mode][3]
    for name in COUNTERS:
        vals = [r[name + "_per_unit"] for r in ok if r.get(name + "_per_unit") is not None]
        field = "%s_per_%s" % (name, per)
        out[field] = stats.median(vals)
        out[field + "_rounds"] = vals
        # an interval only where there are rounds enough to make one
        out[field + "_ci95"] = list(stats.bootstrap_ci(vals)) if len(vals) >= 3 else None
    why = [r["syscalls_why"] for r in row.runs if r.get("syscalls_why")]
    if why:
        out["syscalls_note"] = why[0]
    if counters:
        out["server_counters"] = counters
    return out


def result_json(mode, rows, skipped, pin, duration, rounds, warmup_kind):
    unit = MODES[mode][0]
    return {
        "mode": mode,
        "unit": unit,
        "rows": [row_json(r, mode) for r in rows],
        "skipped": skipped,
        "pinning": pin,
        "wrk": {"threads": WRK_THREADS, "connections": WRK_CONNECTIONS,
                "duration_s": float(duration),
                "args": MODES[mode][2] + ["--timeout", "2s"]},
        "rounds": rounds,
        "warmup_rounds": 0,      # no uncounted rounds: each run warms its own server up
        "warmup": warmup_kind,
        "order": "interleaved: every row once per round, rows in a fixed order",
        "saturated_threshold_pct": SATURATED_PCT,
        "counters_note": counters.counters_note(MODES[mode][3], own_netns()),
        # each server in a network namespace of its own ("own"), or the machine's
        "netns": "own" if own_netns() else "shared",
    }
