#!/usr/bin/python3
"""The load bench's window meter against the server's own getrusage.

One syspath row (libc/epoll) runs exactly as scripts/bench runs it
(bench_load.run_once: start, warm up, meters, wrk for 2 s, meters, stop), and
  - the external meter (the process CPU clock summed over the server's process
    tree) and the server's getrusage, read through SIGUSR1 at the same two
    edges, agree within 3% over that window;
  - the window leaves the warm-up out: the server served more connections in
    its life than wrk counted in the window;
  - the counters are there and plausible for a Connection: close exchange:
    5..12 TCP segments (SYN, SYN-ACK, ACK, request, response, FINs; the
    upper bound where the server has a network namespace of its own), >= 3
    syscalls (accept, read, write, close), the two CPUs' total busy time at
    least the server's share of it, server + wrk CPU above the server's.
Then one reuseport row (parent + worker): the meter sums over both processes
and sees the worker's CPU, which the parent's own clock would not, and strace
counts the worker's syscalls. Then libc/epoll again on loopback and in two
network namespaces joined by a veth pair (where the machine can make them):
across the veth the server's namespace counts its own segments only (about
half of loopback's both sides), each side's core busy time is read (over 0
and at most 100%, with its ticks and steal), and the kernel work the process
clock cannot see is the core's time less the server's tasks.
No speed is asserted."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import bin_dir, skip, src, want  # noqa: E402

sys.path.insert(0, os.path.join(src(), "scripts", "lib"))
import bench_load  # noqa: E402
import bench_proc  # noqa: E402
import servers  # noqa: E402
import topology  # noqa: E402
import wrk  # noqa: E402

bindir = bin_dir()
if not shutil.which("wrk"):
    skip("wrk is not installed (Debian: wrk)")
if not shutil.which("taskset"):
    skip("taskset is not installed (Debian: util-linux)")
if not os.access(os.path.join(bindir, "syspath-server"), os.X_OK):
    skip("syspath-server is not built in %s" % bindir)
backends, models, unavailable = bench_load.list_server(bindir)
want("libc" in backends and "epoll" in models,
     "syspath-server --list has no libc/epoll: %r %r" % (backends, models))

pin = bench_load.pinning()
DURATION = 2


def run(row, count_calls):
    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as log:
        res = bench_load.run_once(row, "accept", DURATION, pin, bindir, tmp, "t", 1, log,
                                  count_calls=count_calls)
    want("failed" not in res, "%s: run failed: %s" % (row.name, res.get("failed")))
    return res


row = bench_load.Row("syspath", "libc/epoll", "libc", "epoll")
res = run(row, count_calls=shutil.which("strace") is not None)
meter, rus = res.get("server_cpu_us"), res.get("rusage_cpu_us")
want(meter and meter > 0, "libc/epoll: window meter read %r µs" % meter)
want(rus is not None, "libc/epoll: no getrusage snapshot at the window's edges (SIGUSR1 --stats)")
want(abs(rus / meter - 1) <= 0.03,
     "libc/epoll: meter %.0f µs and the server's getrusage %.0f µs over the same window "
     "differ by %.2f%% (at most 3%%)" % (meter, rus, 100 * (rus / meter - 1)))
want(res["cpu_source"].startswith(tuple(s for s, _ in bench_proc.CPU_METERS)),
     "cpu_source %r does not name one of the meter's instruments" % res["cpu_source"])
served = res["server_counters"]["connections"]
want(served >= res["units"] + wrk.WARMUP_CONNECTIONS,
     "the server served %d connections in its life, wrk counted %d in the window: the "
     "%d warm-up connections should fall outside it" % (served, res["units"],
                                                       wrk.WARMUP_CONNECTIONS))
want(res.get("segments_per_unit") is not None and res["segments_per_unit"] >= 5,
     "segments per Connection: close exchange %r, expected >= 5" % res.get("segments_per_unit"))
if servers.own_netns():
    # the server's namespace holds this row's traffic alone: a Connection: close
    # exchange is ten segments at most (fewer when the FIN rides with the answer)
    want(res["segments_per_unit"] <= 12,
         "segments per connection %.2f in the server's own network namespace: other "
         "traffic seems to count" % res["segments_per_unit"])
want(isinstance(res.get("ctx_switches_per_unit"), float) and res["ctx_switches_per_unit"] >= 0,
     "ctx_switches_per_unit %r" % res.get("ctx_switches_per_unit"))
total = res.get("total_cpu_us_per_unit")
want(total is not None and total >= 0.8 * res["cpu_per_unit"],
     "total CPU per connection %r is below the server's own %r: the two CPUs' /proc/stat "
     "busy time should include the server" % (total, res["cpu_per_unit"]))
pair = res.get("pair_cpu_us_per_unit")
want(pair is not None and pair > res["cpu_per_unit"],
     "server + wrk CPU per connection %r should exceed the server's own %r"
     % (pair, res["cpu_per_unit"]))
if shutil.which("strace"):
    want(res.get("syscalls_per_unit") is not None and res["syscalls_per_unit"] >= 3,
         "syscalls per connection %r (%s), expected >= 3"
         % (res.get("syscalls_per_unit"), res.get("syscalls_why")))
row.runs.append(res)
doc = bench_load.row_json(row, "accept")
for name in bench_load.COUNTERS:
    want(name + "_per_conn" in doc and name + "_per_conn_rounds" in doc,
         "row JSON lacks %s_per_conn (has %s)" % (name, sorted(doc)))
    want(doc[name + "_per_conn_ci95"] is None, "%s_per_conn_ci95 from 1 round should be null"
         % name)
print("ok: libc/epoll meter %.0f µs, getrusage %.0f µs (%+.3f%%); %.2f segments, %s syscalls, "
      "%.3f ctx switches per connection" % (meter, rus, 100 * (rus / meter - 1),
                                           res["segments_per_unit"],
                                           "%.2f" % res["syscalls_per_unit"]
                                           if res.get("syscalls_per_unit") else "no",
                                           res["ctx_switches_per_unit"]))

if "reuseport" in models and "reuseport" not in unavailable:
    row = bench_load.Row("syspath", "libc/reuseport", "libc", "reuseport")
    if shutil.which("strace"):
        res = run(row, count_calls=True)
        # the parent makes a few wait calls a second: a count of 1 or more per
        # connection is the worker's, which strace attaches to as well
        want(res.get("syscalls_per_unit") is not None and res["syscalls_per_unit"] >= 1,
             "reuseport: syscalls per connection %r (%s): the worker was not traced"
             % (res.get("syscalls_per_unit"), res.get("syscalls_why")))
    # without strace, whose traced burst costs the server more CPU than the window
    res = run(row, count_calls=False)
    want("over 2 processes" in (res.get("cpu_source") or ""),
         "reuseport (parent + 1 worker): cpu_source %r should sum over 2 processes"
         % res.get("cpu_source"))
    # the parent only waits for its worker: without the worker's CPU the meter
    # would read next to nothing, against the whole-life getrusage at exit
    # (workers reaped), of which the window is most
    life = res.get("server_life_cpu_us")
    want(life and res["server_cpu_us"] >= 0.5 * life,
         "reuseport: the window meter read %r µs, the whole life's getrusage %r µs: the "
         "worker's CPU seems missing" % (res["server_cpu_us"], life))
    want(res.get("rusage_cpu_us") is None,
         "reuseport: a getrusage window was kept although the parent cannot see its "
         "live workers")
    print("ok: libc/reuseport meter summed over 2 processes, %.0f µs" % res["server_cpu_us"])
else:
    print("libc/reuseport not available here: its part was not run")

# the same libc/epoll row in two namespaces joined by a veth pair: the server's
# namespace now sees its own segments only, and each core's busy time is read
why = topology.probe("two-netns")
if why:
    print("two-netns not made here (%s): its part was not run" % why)
else:
    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as log:
        loop = bench_load.run_once(bench_load.Row("syspath", "libc/epoll", "libc", "epoll"),
                                   "accept", DURATION, pin, bindir, tmp, "l", 1, log,
                                   topo="loopback")
        two = bench_load.run_once(bench_load.Row("syspath", "libc/epoll", "libc", "epoll"),
                                  "accept", DURATION, pin, bindir, tmp, "n", 1, log,
                                  topo="two-netns")
    want("failed" not in two and "failed" not in loop, "two-netns %r / loopback %r run failed"
         % (two.get("failed"), loop.get("failed")))
    want(two["topology"] == "two-netns", "the run says topology %r" % two.get("topology"))
    # on loopback the namespace sends both sides' segments, across the veth only the server's
    want(2 <= two["segments_per_unit"] <= 0.75 * loop["segments_per_unit"],
         "segments per connection: %.2f in two-netns, %.2f on loopback; the server's own "
         "(two-netns) should be about half of both sides' (loopback)"
         % (two["segments_per_unit"], loop["segments_per_unit"]))
    if pin["server_cpus"] is not None:
        core, tasks = two.get("server_core_us_per_unit"), two.get("server_tasks_us_per_unit")
        want(core and core > 0 and tasks == two["cpu_per_unit"],
             "two-netns: server core %r µs/conn, tasks %r (the process clock %r)"
             % (core, tasks, two["cpu_per_unit"]))
        want(abs(two["server_unseen_us_per_unit"] - (core - tasks)) < 1e-6 * core,
             "unseen %r is not core %r - tasks %r" % (two["server_unseen_us_per_unit"], core,
                                                      tasks))
        for side in ("server", "client"):
            busy = two.get(side + "_core_busy_pct")
            want(busy is not None and 0 < busy <= 100 and two[side + "_core_ticks"] > 0 and
                 0 <= two[side + "_core_steal_pct"] <= 100,
                 "two-netns: %s core busy %r%% over %r ticks, steal %r%%"
                 % (side, busy, two.get(side + "_core_ticks"), two.get(side + "_core_steal_pct")))
        # RPS runs the server side's receive work on its core: NET_RX softirqs there, and
        # interrupts (the IPIs that hand packets over, the timer) to enter it
        for f in ("server_core_net_rx_per_unit", "server_core_interrupts_per_unit"):
            want(two.get(f) is not None and two[f] > 0, "two-netns: %s %r, want > 0" % (f, two.get(f)))
        want(two.get("client_core_us_per_unit") and two["client_core_us_per_unit"] > 0,
             "two-netns: client core %r µs/conn" % two.get("client_core_us_per_unit"))
    print("ok: two-netns %.2f segments per connection (loopback %.2f), server core %s µs/conn"
          % (two["segments_per_unit"], loop["segments_per_unit"],
             "%.1f" % two["server_core_us_per_unit"] if two.get("server_core_us_per_unit")
             else "unpinned: no"))
