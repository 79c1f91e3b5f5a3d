"""scripts/lib/servers.py — start one load-bench row's server, fresh.

syspath-server (a backend x model, port 0, --stats for its own counters),
syspath-asm-server (port 0) or a peer (peers.py): pinned to the server CPU
(taskset), placed as the run's topology says (topology.py): in a network
namespace of its own, its clients joining it (loopback), in one of a veth
pair's two namespaces, its clients in the other (two-netns), or in this
machine's namespace on the address a remote client reaches (remote).
syspath-floor (the reference row `floor`) is started like syspath-asm-server."""
import os
import re
import shutil
import signal
import subprocess

import bench_proc
import peers
import topology
from wrk import taskset


class Server:
    """A started server: proc, the host and port its clients reach, (syspath)
    its --stats path, the argv prefix that puts a client where it reaches the
    server (join), and the topology.Pair it runs in and owns (two-netns, not
    shared: see share_pairs) or None."""
    def __init__(self, proc, port, stats_path=None, host="127.0.0.1", join=(), pair=None):
        self.proc, self.port, self.stats_path, self.host = proc, port, stats_path, host
        self.join, self.pair = list(join), pair
        self.snapshots = 0      # SIGUSR1 snapshots asked for so far


def own_netns():
    """Whether every server runs in a network namespace of its own (lo only),
    its clients joining it with nsenter: then the TCP counters of that
    namespace are the row's own traffic, not the machine's."""
    return bool(shutil.which("nsenter")) and bench_proc.own_netns_works()



def _start_with_line(argv, tmp, tag, what, spawn_kw):
    """Start a server that prints `listening on ADDR:PORT`; (proc, port) or (None, why)."""
    errpath = os.path.join(tmp, "stderr-%s.txt" % tag)
    with open(errpath, "wb") as err:
        p = bench_proc.spawn(argv, stdout=subprocess.PIPE, stderr=err, **spawn_kw)
    line = bench_proc.read_line(p, 5.0)
    m = re.match(r"listening on \S+:(\d+)", line or "")
    if m:
        return p, int(m.group(1))
    bench_proc.stop(p, signal.SIGKILL)
    return None, "%s did not start: %s" % (what, bench_proc.last_line(errpath) or repr(line))


# share_pairs(True): every two-netns run uses one Pair, made at its first
# need and left up by stop() and by the step's bench_proc.kill_all (its
# holders are forgotten there: topology's atexit hook, signal traps and
# PR_SET_PDEATHSIG still take it down); --quick
# trades a fresh pair per run (no TIME_WAIT or timer of one row in another's
# window) for the time making one costs
_shared = {"on": False, "pair": None}


def share_pairs(on):
    _shared["on"] = bool(on)


def _pair(pin):
    """A Pair that is up, and whether the run owns it (takes it down)."""
    if not _shared["on"]:
        return topology.Pair(pin["server_cpus"], pin["client_cpus"]).up(), True
    pair = _shared["pair"]
    if pair is None or not pair.holders or any(h.poll() is not None for h in pair.holders):
        if pair is not None:
            pair.down()
        pair = _shared["pair"] = topology.Pair(pin["server_cpus"], pin["client_cpus"]).up()
        for h in pair.holders:
            bench_proc.forget(h)
    return pair, False


def start_server(row, pin, bin_dir, tmp, tag, workers, topo="loopback", bind=None):
    """Start row's server fresh in topology topo (topology.TOPOLOGIES);
    bind: the address to listen on in remote (RemoteClient.address).
    Returns (Server, None) or (None, why). Stop it with stop()."""
    pair, owned = None, False
    if topo == "remote":
        # this machine's own namespace: the address the client reaches is here
        prefix, spawn_kw, host = [], {"own_netns": False}, bind
    elif topo == "two-netns":
        try:
            pair, owned = _pair(pin)
        except topology.Unavailable as e:
            return None, "--topology %s: %s" % (topo, e)
        prefix, spawn_kw, host = pair.server_prefix, {}, topology.SERVER_ADDR
    else:
        netns = own_netns()
        prefix, spawn_kw, host = [], {"own_netns": netns}, "127.0.0.1"
    prefix = prefix + taskset(pin["server_cpus"])
    stats_path = None
    if row.server == "syspath":
        stats_path = os.path.join(tmp, "stats-%s.json" % tag)
        argv = prefix + [
            os.path.join(bin_dir, "syspath-server"), "--backend", row.backend,
            "--model", row.model, "--addr", host, "--port", "0",
            "--stats", stats_path]
        if row.model == "reuseport":
            argv += ["--workers", str(workers)]
        p, port = _start_with_line(argv, tmp, tag, "syspath-server", spawn_kw)
    elif row.server == "syspath-asm-server":
        # it binds 127.0.0.1 only: a two-netns client reaches that over the veth
        host = "127.0.0.1"
        argv = prefix + [os.path.join(bin_dir, "syspath-asm-server"), "0"]
        p, port = _start_with_line(argv, tmp, tag, "syspath-asm-server", spawn_kw)
    elif row.server == "syspath-floor":
        argv = prefix + [os.path.join(bin_dir, "syspath-floor"), host, "0"]
        p, port = _start_with_line(argv, tmp, tag, "syspath-floor", spawn_kw)
    else:
        p, port = peers.start(row.server, row.name, prefix, tmp, spawn_kw, host)
    if p is None:
        if owned:
            pair.down()
        return None, port
    if pair is not None:
        join = pair.client_prefix
    else:
        join = bench_proc.join_netns(p.pid) if spawn_kw["own_netns"] else []
    return Server(p, port, stats_path, host, join, pair if owned else None), None


def stop(server):
    """Stop a started server (SIGTERM, then SIGKILL after 3 s) and take its
    topology down; (returncode, clean) as bench_proc.stop."""
    try:
        return bench_proc.stop(server.proc)
    finally:
        if server.pair is not None:
            server.pair.down()
