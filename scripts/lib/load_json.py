"""scripts/lib/load_json.py — accept.json and keepalive.json: a row's rounds
aggregated (row_json), the file around the rows (result_json), and the
constants that say what the file's fields mean. docs/ARCHITECTURE.md's
"accept.json, keepalive.json" section is the contract; bench_load.py feeds
it the runs (Row.runs: dicts from run_once)."""
import os

import core_profile
import counters
import stats
import topology
import wrk
from counters import COUNTERS
from servers import own_netns

MODES = {
    # mode: (unit, per-unit CPU key, wrk extra args, what a counter is per)
    "accept": ("conn/s", "server_cpu_us_per_conn", ["-H", "Connection: close"], "conn"),
    "keepalive": ("req/s", "server_cpu_us_per_req", [], "req"),
}
WRK_THREADS = wrk.THREADS
WRK_CONNECTIONS = wrk.CONNECTIONS
SATURATED_PCT = 85.0   # a side using >= this share of its core is the bottleneck
SERVER_BOUND_PCT = 90.0  # the server's core this busy: the rate is the server's throughput
# the load method: 1 was the server's process CPU clock on loopback; 2 makes
# the server core's busy time the headline, in a recorded topology
METHOD_VERSION = 2
METER = ("server core busy time: /proc/stat user+nice+system+irq+softirq of the "
         "server's CPU over the measured window, per connection or request")
# each side's core over the window, per connection (accept) or request
# (keep-alive): <name>_per_conn / <name>_per_req, with _rounds and _ci95
# what a syspath-server's --stats says: counts, summed over a row's runs, and the
# settings in force, which are not (each row note says them)
SERVER_COUNTS = ("connections", "requests", "bad_requests", "timeouts", "accept_errors")
SERVER_SETTINGS = ("workers", "defer_accept_s", "quickack", "gather_us")
CORES = ("server_core_us", "server_tasks_us", "server_unseen_us", "client_core_us",
         "server_core_interrupts", "server_core_net_rx")


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


def row_json(row, mode, topo=None):
    unit, cpu_key, _, _ = MODES[mode]
    ok = [r for r in row.runs if "failed" not in r]
    failed = [r for r in row.runs if "failed" in r]
    rates = [r["rate"] for r in ok]
    cpu = [r["cpu_per_unit"] for r in ok if r.get("cpu_per_unit") is not None]
    spct = [r["server_cpu_pct"] for r in ok if r.get("server_cpu_pct") is not None]
    cpct = [r["client_cpu_pct"] for r in ok if r.get("client_cpu_pct") is not None]
    errors = _sum_errors(ok)
    served = {}
    for r in ok:
        for k, v in (r.get("server_counters") or {}).items():
            if isinstance(v, (int, float)) and k not in SERVER_SETTINGS:
                served[k] = served.get(k, 0) + v
    notes = [row.note] if row.note else []
    defer = [r["server_counters"].get("defer_accept_s") for r in ok if r.get("server_counters")]
    quick = [r["server_counters"].get("quickack") for r in ok if r.get("server_counters")]
    listener = []
    if mode == "accept" and defer and defer[0]:
        # say it: nginx's like-for-like row is nginx-deferred
        listener.append("TCP_DEFER_ACCEPT %d s" % defer[0])
    if quick and quick[0] == 0:
        # say it: no peer has it (a run with --quickack 1 rows shows what it is worth)
        listener.append("delayed ACKs from the first request (TCP_QUICKACK 0)")
    gather = [r["server_counters"].get("gather_us") for r in ok if r.get("server_counters")]
    if mode == "keepalive" and gather and gather[0]:
        # say it: it trades a response's latency (up to this wait) for fewer wake-ups
        listener.append("completions gathered: a turn waits for one per 4 kept-alive connections "
                        "(at most 16), at most %d µs once one is in" % gather[0])
    if listener:
        notes.append("%s (this model's default)" % ", ".join(listener))
    if failed:
        notes.append("%d of %d rounds failed: %s" % (len(failed), len(row.runs),
                                                     failed[0]["failed"]))
    if served.get("bad_requests"):
        notes.append("server answered %d bad requests" % served["bad_requests"])
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
        # a reference row (floor) is neither a syspath model nor a peer
        "reference": bool(getattr(row, "reference", False)),
        "median": stats.median(rates),
        "ci95": [lo, hi],
        "rounds": rates,
        "errors": errors,
        "flagged": bool(failed) or any(errors.values()) or bool(served.get("bad_requests")),
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
    out.update(_cores_json(ok, per, topo or (row.runs[0].get("topology") if row.runs else None)
                           or "loopback"))
    out.update(_per_unit_fields(ok, COUNTERS, per))
    why = [r["syscalls_why"] for r in row.runs if r.get("syscalls_why")]
    if why:
        out["syscalls_note"] = why[0]
    # --profile: round 1's profiled burst (core_profile.py), or why there is none
    prof = [r["core_profile"] for r in row.runs if r.get("core_profile")]
    why = [r["profile_why"] for r in row.runs if r.get("profile_why")]
    if prof:
        out["server_core_profile"] = prof[0]
    elif why:
        out["server_core_profile_note"] = why[0]
    if served:
        out["server_counters"] = served
    return out


def _per_unit_fields(ok, names, per):
    """<name>_per_<per> for each name: the median over the rounds, the rounds, and an interval
    only where there are rounds enough to make one."""
    out = {}
    for name in names:
        vals = [r[name + "_per_unit"] for r in ok if r.get(name + "_per_unit") is not None]
        field = "%s_per_%s" % (name, per)
        out[field] = stats.median(vals)
        out[field + "_rounds"] = vals
        out[field + "_ci95"] = list(stats.bootstrap_ci(vals)) if len(vals) >= 3 else None
    return out


def _cores_json(ok, per, topo):
    """The row's core fields (see CORES and counters.cores) and its verdict."""
    out = {"topology": topo}
    out.update(_per_unit_fields(ok, CORES, per))
    for side in ("server", "client"):
        for what in ("busy_pct", "steal_pct", "ticks"):
            key = "%s_core_%s" % (side, what)
            out[key] = stats.median([r[key] for r in ok if r.get(key) is not None])
    busy = out["server_core_busy_pct"]
    out["server_bound"] = busy >= SERVER_BOUND_PCT if busy is not None else None
    if topo == "remote":
        # the client's core is on the other machine: unknown, never guessed
        for key in ("client_core_busy_pct", "client_core_steal_pct", "client_core_ticks"):
            out[key] = None
    out["server_core_source"] = (
        "/proc/stat user+nice+system+irq+softirq of the server's CPU over the window, "
        "clock ticks of %d ms; a median of %s ticks a window"
        % (1000 // os.sysconf("SC_CLK_TCK"), out["server_core_ticks"])
        if out["server_core_ticks"] is not None else None)
    return out


def result_json(mode, rows, skipped, pin, duration, rounds, warmup_kind, topo="loopback"):
    unit = MODES[mode][0]
    doc = {
        "mode": mode,
        "unit": unit,
        "rows": [row_json(r, mode, topo) for r in rows],
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
        "counters_note": counters.counters_note(MODES[mode][3], own_netns(), topo),
        # each server in a network namespace of its own ("own"), or the machine's
        "netns": ("own" if topo == "two-netns" or (topo != "remote" and own_netns())
                  else "shared"),
        "topology": topo,
        "topology_note": topology.TOPOLOGIES.get(topo),
        "meter": meter_json(mode),
    }
    if any(r.get("server_core_profile") for r in doc["rows"]):
        doc["profile_note"] = core_profile.note()
    return doc


def meter_json(mode):
    """What the headline is and how fine it reads (the file's `meter`)."""
    hz = os.sysconf("SC_CLK_TCK")
    return {"version": METHOD_VERSION, "headline": "server_core_us_per_" + MODES[mode][3],
            "what": METER, "user_hz": hz, "tick_us": 1e6 / hz,
            "server_tasks": MODES[mode][1],
            "server_bound_threshold_pct": SERVER_BOUND_PCT}
