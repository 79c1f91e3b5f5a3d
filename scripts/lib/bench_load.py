"""scripts/lib/bench_load.py — accept throughput and keep-alive: servers under wrk.

One *row* is one server configuration: syspath-server for every backend x model
that `syspath-server --list` reports available, the freestanding
syspath-asm-server (accept only: it closes every connection), and the peers
from Debian (peers.py: nginx, in accept also nginx-deferred, h2o, lighttpd). A
peer that is not installed is skipped with a note.

One *run* is: make the run's topology (topology.py: by default two network
namespaces joined by a veth pair, each side's receive work steered to its own
CPU), start the row's server fresh in it (servers.py), pinned to the server
CPU, on a free port; warm it up (wrk.warm_up: a short syspath-client burst,
and in the first round then a 0.3 s wrk under `strace -c -f`, which counts its
syscalls: counters.count_syscalls; with --profile then a wrk burst under perf
record of the server's CPU: core_profile.py); read the meters (counters.edge); run wrk
pinned to the client CPU for the measured window; read the meters again; stop
the server and take the topology down. Rounds interleave the rows (A B C ...
A B C ...). --quick, a smoke run within 90 s, makes one namespace pair for all
its runs and leaves the strace'd warm-up (the syscall count) out.

The headline, for every row, peers included: the server core's busy time over
the window (/proc/stat user+nice+system+irq+softirq of the server's CPU,
counters.cores), per connection or request: the server's tasks and the kernel
work done for them, softirq included, wherever the process clock cannot see
it. Beside it, the server's own tasks: the difference of two readings of the
process CPU clock (the kernel's sum_exec_runtime, ns) summed over the server
and every descendant (reuseport workers, nginx workers, h2o's crash-handler
helper) and all their threads; bench_proc.server_snapshot falls back to
per-thread schedstat, then to clock ticks, and server_cpu_source names the
instrument used. Start-up, warm-up and shutdown fall outside the window. On a
syspath row (not reuseport, whose workers getrusage sees only once reaped)
the server's own getrusage, read through SIGUSR1 at the same two edges, is
kept beside it as a cross-check (rusage_vs_meter_pct). A row whose server
core was 90% busy is server-bound: only then is its rate the server's.

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
import core_profile
import counters
import peers
import remote
import servers
import topology
import wrk
from bench_steps import Step
from load_json import (MODES, WRK_CONNECTIONS, WRK_THREADS, COUNTERS,  # noqa: F401
                       METHOD_VERSION, METER, SERVER_COUNTS, SERVER_SETTINGS, result_json,
                       row_json)  # (read through here too)
from wrk import parse_wrk

LOAD_OVERHEAD_S = 0.3     # start, warm-up burst, meters and stop around each window (measured here)
STRACE_WARMUP_S = 0.45    # round 1's warm-up: wrk for 0.3 s under strace, attach and detach
REMOTE_SSH_S = 0.5        # --client: the ssh session that carries each window's wrk

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
    """reference: a row that is neither a syspath model nor a peer (floor)."""
    def __init__(self, server, name, backend=None, model=None, note=None, reference=False):
        self.server, self.name, self.backend, self.model = server, name, backend, model
        self.note, self.reference = note, reference
        self.runs = []           # counted rounds: dicts from run_once

    def connections(self, mode):
        # iterative serves one connection at a time and answers 'Connection: close'
        # whenever another client waits: with 50 wrk connections the keep-alive
        # row would measure accept again, so it is driven by one connection;
        # floor keeps one connection until its EOF, so the other 49 would wait
        if mode == "keepalive" and (self.model == "iterative" or self.name == "floor"):
            return 1
        return WRK_CONNECTIONS


FLOOR_NOTE = {
    "accept": "the reference row: bench/load/syspath-floor.c, blocking accept, read, send "
              "with MSG_MORE, close; one process, libc (not a peer, not a model)",
    "keepalive": "the reference row: bench/load/syspath-floor.c, blocking, one connection "
                 "at a time, read and send until EOF: wrk -c1 (not a peer, not a model)",
}


def plan_rows(mode, bin_dir, workers, topo=None):
    """(rows, skipped): every row to measure, and [{"name", "why"}] for the rest;
    topo: the run's topology (remote leaves out what binds 127.0.0.1 only)."""
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
    if os.access(os.path.join(bin_dir, "syspath-floor"), os.X_OK):
        rows.append(Row("syspath-floor", "floor", note=FLOOR_NOTE[mode], reference=True))
    else:
        skipped.append({"name": "floor", "why": "syspath-floor not built"})
    if mode == "accept" and topo == "remote":
        skipped.append({"name": "asm-server", "why": "syspath-asm-server binds 127.0.0.1 "
                        "only: a client on another machine cannot reach it"})
    elif mode == "accept":
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


def _remote_wrk(client, row, mode, pin, server, duration):
    """The window's wrk on the remote client: (argv as logged, rc, timed_out,
    rusage None, text). The local ssh is pinned to the client CPU, off the
    server's core."""
    args = wrk.args(row.connections(mode), duration, MODES[mode][2]) + [
        client.url_for(server.port)]
    try:
        text = client.run_wrk(args, prefix=wrk.taskset(pin["client_cpus"]))
        rc = 0
    except remote.RemoteError as e:
        text, rc = str(e), 1
    return ["ssh", str(client), "wrk"] + args, rc, False, None, text


def run_once(row, mode, duration, pin, bin_dir, tmp, tag, workers, log, count_calls=False,
             topo="loopback", client=None, profile=False):
    """One run of row: returns a dict (see module doc); "failed" set on failure.
    count_calls: warm up under strace and count syscalls (one round per row);
    profile: then a wrk burst under perf record of the server's CPUs
    (core_profile.py; one round per row, outside the window);
    topo: where server and wrk sit (topology.TOPOLOGIES); client: the checked
    remote.RemoteClient of topology remote, whose wrk makes the window (the
    warm-up and the strace'd burst run here, against the same address)."""
    server, why = servers.start_server(row, pin, bin_dir, tmp, tag, workers, topo,
                                       bind=client.address if client else None)
    if server is None:
        return {"failed": why, "topology": topo}
    argv = _wrk_argv(row, mode, pin, server, duration)
    res = {"port": server.port, "topology": topo}
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
        if profile:
            _profile(res, server, row, mode, pin, tmp, tag, log)
        a = counters.edge(server, pin, rusage)
        if client is not None:
            argv, rc, timed_out, ru, text = _remote_wrk(client, row, mode, pin, server, duration)
        else:
            rc, timed_out, ru, text = wrk.run(argv, duration, tmp)
        b = counters.edge(server, pin, rusage)
    finally:
        _rc, clean = servers.stop(server)
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
    # wrk's own CPU: unknown when it ran on another machine
    res["client_cpu_pct"] = (100.0 * (ru.ru_utime + ru.ru_stime) / w["duration_s"]
                             if ru is not None else None)
    if server.stats_path is not None:
        st = counters.read_stats(server.stats_path)
        if st is None or "snapshot" in st:
            res["failed"] = "syspath-server wrote no --stats JSON at exit"
            return res
        res["server_counters"] = {k: st.get(k) for k in SERVER_COUNTS + SERVER_SETTINGS}
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
    res.update(counters.cores(a, b, pin, units, cpu_us))
    if client is not None:
        # the client's core is on the other machine: its figures, and the
        # totals that would hold them, are unknown here (this machine's client
        # CPU ran only the ssh that carried wrk's output)
        for key in ("client_core_ticks", "client_core_busy_pct", "client_core_steal_pct",
                    "client_core_us_per_unit", "total_cpu_us_per_unit", "total_cpu_ticks",
                    "pair_cpu_us_per_unit"):
            res[key] = None
    res["server_tasks_us_per_unit"] = res["cpu_per_unit"]
    if res.get("syscalls") is not None:
        res["syscalls_per_unit"] = res["syscalls"] / res["syscall_units"]
    return res


def _profile(res, server, row, mode, pin, tmp, tag, log):
    """The profiled burst (core_profile.record) into res: core_profile, or profile_why."""
    if pin["server_cpus"] is None:
        res["profile_why"] = "no CPU of the server's own to profile (fewer than 2 CPUs)"
        return
    argv = _wrk_argv(row, mode, pin, server, core_profile.PROFILE_S)
    pids = bench_proc.server_snapshot(server.proc.pid)["pids"]
    prof = core_profile.record(pin["server_cpus"], pids, argv, core_profile.PROFILE_S, tmp, tag,
                               lambda text: (parse_wrk(text) or {}).get("requests"))
    if "why" in prof:
        res["profile_why"] = prof["why"]
        return
    log.write("### %s %s %s profiled burst (perf record -C %s)\n$ %s\n%s\n"
              % (mode, row.name, tag, pin["server_cpus"], shlex.join(argv), prof.pop("wrk")))
    res["core_profile"] = prof


# ---------------------------------------------------------------------------
# the part: every row's runs as steps, rounds interleaving the rows

class Load:
    """The accept and keep-alive parts of a scripts/bench run (bench_run.Run):
    plans the rows and the window length, and makes one step per run; the
    last row of each round rewrites the part's file (write_json(path, doc)),
    so an interrupted run keeps every finished round."""

    def __init__(self, run, write_json, log):
        self.run, self.write_json, self.log = run, write_json, log
        self.count_calls = True     # round 1 warms up under strace (not in --quick, --no-syscall-count)
        self.profile = False        # --profile: round 1 then a burst under perf (core_profile.py)

    def steps(self, parts):
        """The load steps of parts (accept, keepalive); sets run.pin and run.duration."""
        run, steps = self.run, []
        missing = [t for t in ("wrk", "taskset") if not shutil.which(t)]
        if missing:
            run.note("%s: %s not installed (Debian: wrk, util-linux): skipped"
                      % (" and ".join(parts), " and ".join(missing)))
            return []
        run.pin = pinning()
        if run.pin.get("note"):
            run.note(run.pin["note"])
        # --quick, a smoke run within 90 s: one namespace pair for all its runs,
        # and no strace'd warm-up (the syscall count, 0.6 s a row)
        quick = getattr(run.args, "quick", False)
        servers.share_pairs(quick)
        self.count_calls = not quick and not getattr(run.args, "no_syscall_count", False)
        if quick:
            run.note("%s: --quick leaves the syscall count out and runs every row in one "
                     "namespace pair" % " and ".join(parts))
        if getattr(run.args, "profile", False):
            why = core_profile.available()
            if why:
                run.note("%s: --profile: no core profile: %s" % (" and ".join(parts), why))
            self.profile = why is None
        planned = {}
        for mode in parts:
            rows, skipped = plan_rows(mode, run.bin, run.workers, run.args.topology)
            if run.args.rows:
                rows = [r for r in rows if r.name in run.args.rows]
                skipped = [s for s in skipped if s["name"] in run.args.rows]
            for s in skipped:
                run.note("%s: skipping %s: %s" % (mode, s["name"], s["why"]))
            planned[mode] = (rows, skipped)
        nrows = sum(len(r) for r, _ in planned.values())
        run.duration = run.args.duration or run.mode["duration"]
        if run.duration is None:
            # the full run's budget decides, from 2 s windows up to 5 s while
            # there are few rows; round 1's extras (the strace'd warm-up, --profile's
            # burst) come out of it first
            budget = run.mode["load_budget_s"] - nrows * self.first_round_extra()
            per = budget / max(nrows * run.rounds, 1) - self.overhead()
            run.duration = int(max(run.mode["min_duration"], min(5, per)))
        for mode in parts:
            rows, skipped = planned[mode]
            if not rows:
                run.note("%s: nothing to measure" % mode)
                continue
            steps += self.mode_steps(mode, rows, skipped)
        return steps

    def first_round_extra(self):
        """Seconds round 1 adds to each run: the strace'd warm-up, the profiled burst."""
        return ((STRACE_WARMUP_S if self.count_calls else 0) +
                (core_profile.PROFILE_S + core_profile.OVERHEAD_S if self.profile else 0))

    def overhead(self):
        """Seconds each run costs beyond its window."""
        topo = self.run.args.topology
        shared = getattr(self.run.args, "quick", False)     # one pair: servers.share_pairs
        return LOAD_OVERHEAD_S + (topology.SETUP_S if topo == "two-netns" and not shared else
                                  REMOTE_SSH_S if topo == "remote" else 0)

    def mode_steps(self, mode, rows, skipped):
        run, steps = self.run, []
        warm = "per run, against the same server process: syspath-client, %d connections" % wrk.WARMUP_CONNECTIONS
        if self.count_calls:
            warm += ("; in round 1 then wrk for %g s under strace -c -f (counts the syscalls)"
                     % counters.STRACE_BURST_S)
        if self.profile:
            warm += ("; in round 1 then wrk for %d s under perf record of the server's CPU "
                     "(the core profile)" % core_profile.PROFILE_S)
        state = {"rows": rows, "skipped": skipped, "warmup": warm, "rounds": run.rounds}

        def write():
            doc = result_json(mode, rows, skipped, run.pin, run.duration, state["rounds"], warm,
                              run.args.topology)
            doc["complete"] = state.get("complete", False)
            if run.adaptive:
                doc["adaptive"] = run.adaptive.record(mode)
            self.write_json(os.path.join(run.out, "%s.json" % mode), doc)

        # after a Ctrl-C, the rows' finished runs are written too (complete: false)
        run.flushers.append(lambda: any(r.runs for r in rows) and write())
        def round_steps(rnd):
            out = []
            for i, row in enumerate(rows):
                last = i == len(rows) - 1
                label = "%s: %s round %d/%d" % (mode, row.name, rnd, state["rounds"])
                est = run.duration + self.overhead() + (
                    self.first_round_extra() if rnd == 1 else 0)

                def fn(row=row, rnd=rnd, last=last):
                    tag = "%s-%s-r%d" % (mode, row.name.replace("/", "-"), rnd)
                    with run.logfile("%s.log" % mode) as lf:
                        res = run_once(row, mode, run.duration, run.pin, run.bin, run.tmp, tag,
                                       run.workers, lf, count_calls=rnd == 1 and self.count_calls,
                                       topo=run.args.topology, client=run.args.client,
                                       profile=rnd == 1 and self.profile)
                    row.runs.append(res)
                    if res.get("failed"):
                        run.note("%s: %s round %d: %s" % (mode, row.name, rnd, res["failed"]))
                    elif any(res.get("errors", {}).values()):
                        self.log("%s: %s round %d: wrk errors %s" % (mode, row.name, rnd, res["errors"]))
                    if res.get("profile_why"):
                        run.note("%s: %s: no core profile: %s" % (mode, row.name,
                                                                  res["profile_why"]))
                    if res.get("syscalls_why"):
                        run.note("%s: %s: no syscall count: %s" % (mode, row.name,
                                                                   res["syscalls_why"]))
                    if last and rnd == state["rounds"]:
                        state["complete"] = True
                    if last:
                        write()
                    if last and rnd == state["rounds"] and run.adaptive:
                        # --adaptive (adaptive.py): whole rounds more while a declared comparison is undecided
                        add = run.adaptive.more(mode, rnd, sum(s.est for s in out))
                        state["rounds"] += add
                        state["complete"] = not add
                        write()
                        run.insert_steps([s for r in range(rnd + 1, rnd + add + 1) for s in round_steps(r)])
                out.append(Step(label, est, "load", fn))
            return out

        for rnd in range(1, run.rounds + 1):
            steps += round_steps(rnd)
        return steps
