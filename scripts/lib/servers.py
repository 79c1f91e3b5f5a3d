"""scripts/lib/servers.py — start one load-bench row's server, fresh.

syspath-server (a backend x model, port 0, --stats for its own counters),
syspath-asm-server (port 0) or a peer (peers.py): pinned to the server CPU
(taskset), in a network namespace of its own where allowed, its clients
joining it (Server.join)."""
import os
import re
import shutil
import signal
import subprocess

import bench_proc
import peers
from wrk import taskset


class Server:
    """A started server: proc, host and port, (syspath) its --stats path, and
    the argv prefix that puts a client in its network namespace."""
    def __init__(self, proc, port, stats_path=None, netns=False, host="127.0.0.1"):
        self.proc, self.port, self.stats_path, self.host = proc, port, stats_path, host
        self.join = bench_proc.join_netns(proc.pid) if netns else []
        self.snapshots = 0      # SIGUSR1 snapshots asked for so far


def own_netns():
    """Whether every server runs in a network namespace of its own (lo only),
    its clients joining it with nsenter: then the TCP counters of that
    namespace are the row's own traffic, not the machine's."""
    return bool(shutil.which("nsenter")) and bench_proc.own_netns_works()


def _last_line(path):
    try:
        with open(path, errors="replace") as f:
            lines = f.read().strip().splitlines()
        return lines[-1] if lines else None
    except OSError:
        return None


def _start_with_line(argv, tmp, tag, what, netns):
    """Start a server that prints `listening on ADDR:PORT`; (proc, port) or (None, why)."""
    errpath = os.path.join(tmp, "stderr-%s.txt" % tag)
    with open(errpath, "wb") as err:
        p = bench_proc.spawn(argv, own_netns=netns, stdout=subprocess.PIPE, stderr=err)
    line = bench_proc.read_line(p, 5.0)
    m = re.match(r"listening on \S+:(\d+)", line or "")
    if m:
        return p, int(m.group(1))
    bench_proc.stop(p, signal.SIGKILL)
    return None, "%s did not start: %s" % (what, _last_line(errpath) or repr(line))


def start_server(row, pin, bin_dir, tmp, tag, workers):
    """Start row's server fresh; returns (Server, None) or (None, why)."""
    netns = own_netns()
    prefix = taskset(pin["server_cpus"])
    if row.server == "syspath":
        stats_path = os.path.join(tmp, "stats-%s.json" % tag)
        argv = prefix + [
            os.path.join(bin_dir, "syspath-server"), "--backend", row.backend,
            "--model", row.model, "--addr", "127.0.0.1", "--port", "0",
            "--stats", stats_path]
        if row.model == "reuseport":
            argv += ["--workers", str(workers)]
        p, port = _start_with_line(argv, tmp, tag, "syspath-server", netns)
        return (Server(p, port, stats_path, netns), None) if p else (None, port)
    if row.server == "syspath-asm-server":
        argv = prefix + [os.path.join(bin_dir, "syspath-asm-server"), "0"]
        p, port = _start_with_line(argv, tmp, tag, "syspath-asm-server", netns)
        return (Server(p, port, netns=netns), None) if p else (None, port)
    p, port = peers.start(row.server, row.name, prefix, tmp, {"own_netns": netns})
    return (Server(p, port, netns=netns), None) if p else (None, port)
