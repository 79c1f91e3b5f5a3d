"""scripts/lib/counters.py — what the load bench reads around a window.

edge() reads every meter at one edge of a measured window: the server's
process tree (bench_proc.server_snapshot: its CPU clock, threads, context
switches), its per-process clock ticks (the user share), the machine's
/proc/stat busy ticks and the server namespace's /proc/PID/net/snmp
(bench_proc.machine_snapshot), and a syspath server's own getrusage through
SIGUSR1. window() turns two edges into the per-unit counters. count_syscalls()
is round 1's warm-up under `strace -c -f`, outside every timed window.
counters_note() says what each counter field measures.
"""
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

import bench_proc
import wrk

# the counters of a window, per connection (accept) or request (keep-alive):
# <name>_per_conn / <name>_per_req in the row, with _rounds and _ci95
COUNTERS = ("segments", "ctx_switches", "syscalls", "total_cpu_us", "pair_cpu_us")
SETTLE_S = 0.03        # before reading the meters: let the server finish wrk's last connections
STRACE_BURST_S = 0.3   # round 1's traced warm-up: wrk under strace -c -f this long


def read_stats(path):
    """A syspath server's --stats JSON; None if absent or partial."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _cpus(pin):
    """The CPUs /proc/stat is summed over: server's and client's, or all."""
    if pin.get("server_cpus") is None:
        return None
    return sorted({int(c) for k in ("server_cpus", "client_cpus") for c in pin[k].split(",")})


def _rusage_snapshot(server):
    """The syspath server's own getrusage so far (user+system µs), written by
    its SIGUSR1 handler over --stats; None if it does not land within 2 s."""
    server.snapshots += 1
    try:
        os.kill(server.proc.pid, signal.SIGUSR1)
    except OSError:
        return None
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        st = read_stats(server.stats_path)
        if st and st.get("snapshot") == server.snapshots:
            return float(st["user_us"]) + float(st["system_us"])
        time.sleep(0.002)
    return None


def edge(server, pin, rusage):
    """Every meter at one edge of the window."""
    time.sleep(SETTLE_S)        # let the server finish the connections wrk just dropped
    snap = bench_proc.server_snapshot(server.proc.pid)
    snap["ticks"] = [bench_proc.stat_ticks(p) for p in snap["pids"]]
    snap.update(bench_proc.machine_snapshot(_cpus(pin), server.proc.pid))
    snap["rusage_us"] = _rusage_snapshot(server) if rusage else None
    return snap


def delta(a, b, key):
    return b[key] - a[key] if a.get(key) is not None and b.get(key) is not None else None


def window(a, b, units, cpu_us, ru):
    """The per-unit counters of one window from its two edges: a dict of
    <counter>_per_unit (see COUNTERS), and total_cpu_ticks. cpu_us: the
    server's CPU over it (or None); ru: wrk's rusage (None: wrk ran elsewhere)."""
    if not units:
        return {}
    segs = delta(a, b, "out_segs")
    busy = delta(a, b, "busy_ticks")
    res = {"segments_per_unit": segs / units if segs is not None else None,
           "ctx_switches_per_unit": delta(a, b, "ctx_switches") / units,
           "total_cpu_us_per_unit": (busy * 1e6 / os.sysconf("SC_CLK_TCK") / units
                                     if busy is not None else None),
           "total_cpu_ticks": busy}
    if cpu_us is not None and ru is not None:
        res["pair_cpu_us_per_unit"] = (cpu_us + 1e6 * (ru.ru_utime + ru.ru_stime)) / units
    return res


def cores(a, b, pin, units, cpu_us):
    """Each side's core over one window, from /proc/stat at its two edges:
    <side>_core_ticks (busy: user nice system irq softirq), _busy_pct and
    _steal_pct (of all its ticks, idle included) and _us_per_unit, for side
    server and client; server_unseen_us_per_unit is the server core's busy
    time less the server's own tasks (cpu_us): kernel work on its core that
    the process clock cannot see. {} when unpinned (no core of its own)."""
    hz = os.sysconf("SC_CLK_TCK")
    out = {}
    for side in ("server", "client"):
        cpus = pin.get(side + "_cpus")
        if cpus is None:
            return {}
        try:
            d = {f: sum(b["cpu_ticks"][c][f] - a["cpu_ticks"][c][f]
                        for c in (int(x) for x in cpus.split(",")))
                 for f in ("busy", "steal", "total")}
        except (KeyError, TypeError):
            return {}
        out[side + "_core_ticks"] = d["busy"]
        out[side + "_core_busy_pct"] = 100.0 * d["busy"] / d["total"] if d["total"] else None
        out[side + "_core_steal_pct"] = 100.0 * d["steal"] / d["total"] if d["total"] else None
        out[side + "_core_us_per_unit"] = d["busy"] * 1e6 / hz / units if units else None
    # how often the server's core was entered from outside its tasks: every interrupt (device
    # and IPIs: RPS hands a packet to another CPU with one) and the network receive softirqs
    # run there; the fewer packets share an entry, the more each costs
    for field, key in (("server_core_interrupts_per_unit", "interrupts"),
                       ("server_core_net_rx_per_unit", "net_rx")):
        try:
            n = sum(b[key][int(c)] - a[key][int(c)] for c in pin["server_cpus"].split(","))
        except (KeyError, TypeError):
            continue
        out[field] = n / units if units else None
    if units and cpu_us is not None:
        out["server_unseen_us_per_unit"] = out["server_core_us_per_unit"] - cpu_us / units
    return out


def parse_strace_total(text):
    """Total calls from `strace -c` output (the `total` line); None without one."""
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 5 and f[-1] == "total":
            try:
                return int(f[3])
            except ValueError:
                return None
    return None



def count_syscalls(server, mode, wrk_argv, tmp, tag, log, name):
    """The warm-up of a first round: strace -c -f attached to the server and
    its descendants while wrk (wrk_argv, whole seconds) runs for STRACE_BURST_S;
    {"syscalls", "units"} or {"why"}. Outside every timed window: strace slows
    the server many times."""
    if not shutil.which("strace"):
        return {"why": "strace not installed (Debian: strace)"}
    pids = bench_proc.process_tree(server.proc.pid)
    out = os.path.join(tmp, "strace-%s.txt" % tag)
    errpath = os.path.join(tmp, "strace-%s.err" % tag)
    argv = ["strace", "-c", "-f", "-o", out] + [a for p in pids for a in ("-p", str(p))]
    with open(errpath, "wb") as err:
        st = bench_proc.spawn(argv, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 5.0
    attached = 0
    while time.monotonic() < deadline and st.poll() is None:
        with open(errpath, errors="replace") as f:
            attached = f.read().count(" attached")
        if attached >= len(pids):
            break
        time.sleep(0.01)
    if attached < len(pids):
        bench_proc.stop(st, signal.SIGKILL)
        return {"why": "strace did not attach: %s" % (bench_proc.last_line(errpath) or "no message")}
    # wrk counts whole seconds; on SIGINT it stops and prints its summary all
    # the same, so the traced burst is cut at STRACE_BURST_S
    with tempfile.TemporaryFile(dir=tmp) as wout:
        client = bench_proc.spawn(wrk_argv, stdout=wout, stderr=subprocess.STDOUT)
        time.sleep(STRACE_BURST_S)
        rc, clean = bench_proc.stop(client, signal.SIGINT, grace=5.0)
        timed_out = not clean
        wout.seek(0)
        text = wout.read().decode(errors="replace")
    time.sleep(SETTLE_S)
    bench_proc.stop(st, signal.SIGINT, grace=10.0)
    log.write("### %s %s %s syscalls (strace -c -f)\n$ %s\n$ %s\n%s\n"
              % (mode, name, tag, shlex.join(argv), shlex.join(wrk_argv), text))
    try:
        with open(out, errors="replace") as f:
            table = f.read()
    except OSError:
        table = ""
    log.write(table + "\n")
    calls = parse_strace_total(table)
    w = wrk.parse_wrk(text)
    if calls is None or w is None or not w["requests"]:
        return {"why": "strace -c printed no total, or wrk under it served nothing (wrk exit %s)"
                % ("timed out" if timed_out else rc)}
    return {"syscalls": calls, "units": w["requests"]}


def counters_note(per, netns_own, topo="loopback"):
    """What each counter field measures, keyed by its name; per: conn or req;
    netns_own: each server in a network namespace of its own; topo: the
    topology (topology.TOPOLOGIES)."""
    unit = "connection" if per == "conn" else "request"
    tick_ms = 1000 // os.sysconf("SC_CLK_TCK")
    if topo == "two-netns":
        segments = ("Tcp OutSegs delta of the server's network namespace (/proc/PID/net/snmp) "
                    "/ %ss: the server's segments alone (wrk's are sent from another "
                    "namespace)" % unit)
    else:
        segments = ("Tcp OutSegs delta of the server's network namespace "
                    "(/proc/PID/net/snmp) / %ss: on loopback both sides' segments "
                    "count (client's and server's); %s" % (unit, (
                        "each server runs in a network namespace of its own, its "
                        "clients joining it, so no other traffic counts")
                        if netns_own else (
                        "the namespace is the machine's, so any other TCP traffic "
                        "on it in the window counts too")))
    if topo == "remote":
        segments = ("Tcp OutSegs delta of this machine's network namespace "
                    "(/proc/PID/net/snmp) / %ss: the server's segments, and any other TCP "
                    "traffic of this machine in the window (the ssh carrying wrk's output "
                    "included)" % unit)
    where = ("in two-netns each side's receive work runs on its own core (RPS)"
             if topo == "two-netns" else
             "with a remote client the server's receive work runs on this machine, the "
             "client's on the other" if topo == "remote" else
             "on loopback a packet's receive work runs on the sender's core, so each core "
             "carries the other side's receive work and not its own")
    return {
        "server_core_us_per_" + per: "the headline: /proc/stat busy time (user nice system "
                                     "irq softirq) of the server's CPU over the window / "
                                     "%ss, clock ticks of %d ms: the server's tasks and the "
                                     "kernel's work for them, softirq included; %s"
                                     % (unit, tick_ms, where),
        "server_tasks_us_per_" + per: "the server's own tasks: its process CPU clock over "
                                      "the window / %ss (as server_cpu_us_per_%s)"
                                      % (unit, per),
        "server_unseen_us_per_" + per: "server core busy time less the server's own tasks: "
                                       "kernel work on the server's core the process clock "
                                       "cannot see (softirq outside its tasks, ksoftirqd, "
                                       "kworkers); tick-grained, so it can dip below 0",
        "server_core_interrupts_per_" + per: "interrupts on the server's CPU over the window "
                                             "(/proc/interrupts, every source, IPIs included) "
                                             "/ %ss" % unit,
        "server_core_net_rx_per_" + per: "NET_RX softirqs run on the server's CPU over the "
                                         "window (/proc/softirqs) / %ss: one runs a batch of "
                                         "received packets, so fewer per %s means larger "
                                         "batches" % (unit, unit),
        "client_core_us_per_" + per: "/proc/stat busy time of wrk's CPU over the window / "
                                     "%ss, clock ticks of %d ms; null with a remote client "
                                     "(its core is on the other machine)" % (unit, tick_ms),
        "segments_per_" + per: segments,
        "window": "every counter and the server CPU come from one measured window per round: "
                  "after a warm-up against the same server process, from just before wrk "
                  "starts to just after it ends; a %s is one response wrk counted" % unit,
        "ctx_switches_per_" + per: "voluntary + involuntary context switches "
                                   "(/proc/PID/task/TID/status), summed over the live threads "
                                   "of the server and its child processes",
        "syscalls_per_" + per: "strace -c -f attached to the server and its child processes "
                               "during round 1's warm-up (wrk for %g s), outside every timed "
                               "window: one value per row; up to -c connections cut at the "
                               "end are served but not counted" % STRACE_BURST_S,
        "total_cpu_us_per_" + per: "/proc/stat busy time (user nice system irq softirq) of "
                                   "the server's and client's CPUs, clock ticks of %d ms: "
                                   "server, wrk and the kernel's network work together, "
                                   "and any other work on those CPUs in the window" % tick_ms,
        "pair_cpu_us_per_" + per: "the server's CPU over the window + wrk's own (getrusage "
                                  "of the wrk process): the exchange's cost without the "
                                  "machine's other work; softirq work done while either "
                                  "runs is in it, ksoftirqd's is not",
    }
