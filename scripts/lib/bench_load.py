"""scripts/lib/bench_load.py — accept throughput and keep-alive: servers under wrk.

One *row* is one server configuration: syspath-server for every backend x model
that `syspath-server --list` reports available, the freestanding
syspath-asm-server (accept only: it closes every connection), and the peers from
Debian, each started here from a generated config in its fastest documented
setup for a fixed 14-byte answer: nginx (nginx-light, one worker, `return 200`;
in accept also nginx-deferred, with TCP_DEFER_ACCEPT), h2o (one event-loop
thread, a static file) and lighttpd (one process, a static file). A peer that
is not installed is skipped with a note.

One *run* is: start the row's server fresh, pinned to the server CPU (taskset),
on a free 127.0.0.1 port; warm it up (a short syspath-client burst, and in the
first round then a 0.3 s wrk under `strace -c -f`, which counts its syscalls);
read the meters; run wrk pinned to the client CPU for the measured window;
read the meters again; stop the server. Rounds interleave the rows
(A B C ... A B C ...).

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
a unit is one response wrk counted: TCP segments (/proc/net/snmp OutSegs:
loopback counts both sides, and every socket of the machine), the server's
context switches (voluntary + involuntary over its threads), and the total
busy CPU of the server's and the client's CPUs (/proc/stat: client, kernel
and softirq included). Syscalls per unit come from the strace'd warm-up of
round 1, outside every timed window.

Per run we also keep: rate (wrk's requests / wrk's measured duration), wrk's
socket errors and non-2xx count, and wrk's own CPU time (os.wait4 rusage) so
we can say which side was saturated.

Errors are results: a row whose counted rounds saw any socket error, non-2xx
answer or failed run is "flagged", never averaged away.
"""
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import bench_proc
import stats

MODES = {
    # mode: (unit, per-unit CPU key, wrk extra args, what a counter is per)
    "accept": ("conn/s", "server_cpu_us_per_conn", ["-H", "Connection: close"], "conn"),
    "keepalive": ("req/s", "server_cpu_us_per_req", [], "req"),
}
# the counters of a window, per connection (accept) or request (keep-alive):
# <name>_per_conn / <name>_per_req in the row, with _rounds and _ci95
COUNTERS = ("segments", "ctx_switches", "syscalls", "total_cpu_us", "pair_cpu_us")
WRK_THREADS = 1
WRK_CONNECTIONS = 50
SATURATED_PCT = 85.0   # a side using >= this share of its core is the bottleneck
WARMUP_CONNECTIONS = 200
SETTLE_S = 0.03        # before reading the meters: let the server finish wrk's last connections
STRACE_BURST_S = 0.3   # round 1's traced warm-up: wrk under strace -c -f this long


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
        rows.append(Row("nginx", "nginx", note="nginx-light, 1 worker, return 200, "
                        "access_log off, keepalive_requests 1000000"))
        if mode == "accept":
            # the like-for-like peer of syspath's event models, which defer accept
            # by default: the same nginx with `listen ... deferred` (TCP_DEFER_ACCEPT)
            rows.append(Row("nginx", "nginx-deferred", note="as nginx, with listen ... deferred "
                            "(TCP_DEFER_ACCEPT)"))
    else:
        skipped.append({"name": "nginx", "why": "nginx not installed (Debian: nginx-light)"})
    for name, peer in PEERS.items():
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


def _taskset(cpus):
    return ["taskset", "-c", cpus] if cpus is not None else []


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port, proc, timeout=5.0):
    # read from /proc, not by connecting: the server may be in a network
    # namespace of its own, and a probe would be one more connection
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if bench_proc.listening(proc.pid, port):
            return True
        time.sleep(0.02)
    return False


def own_netns():
    """Whether every server runs in a network namespace of its own (lo only),
    its clients joining it with nsenter: then the TCP counters of that
    namespace are the row's own traffic, not the machine's."""
    return bool(shutil.which("nsenter")) and bench_proc.own_netns_works()


NGINX_CONF = """# generated by scripts/bench: one worker, no master, no daemon, no access log
worker_processes 1;
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    # nginx closes a keep-alive connection after 1000 requests by default;
    # syspath-server never does, so lift it to compare the same work
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port} backlog=4096{deferred};
        location / {{ default_type text/plain; return 200 "Hello, World!\\n"; }}
    }}
}}
"""


# The answer h2o and lighttpd serve: a static file, their fastest way to a
# fixed answer (h2o's mruby handler costs more per request; lighttpd has no
# built-in one)
PEER_BODY = b"Hello, World!\n"

H2O_CONF = """# generated by scripts/bench: one event-loop thread, no access log
# (none unless configured), and TCP_DEFER_ACCEPT, which h2o sets on every
# listener; h2o has no per-connection request limit for HTTP/1
num-threads: 1
{user}listen:
  host: 127.0.0.1
  port: {port}
max-connections: 4096
error-log: {errlog}
hosts:
  default:
    paths:
      /:
        file.file: {body}
        file.etag: OFF
"""

LIGHTTPD_CONF = """# generated by scripts/bench: one process (no workers), no access log
# (mod_accesslog not loaded), only the two modules the answer needs
server.compat-module-load = "disable"
server.modules = ("mod_alias", "mod_staticfile")
server.document-root = {dir}
server.bind = "127.0.0.1"
server.port = {port}
server.errorlog = {errlog}
server.max-worker = 0
server.listen-backlog = 4096
server.defer-accept = 1
# lighttpd closes a keep-alive connection after 1000 requests by default;
# 65535 is its ceiling (the option is a short)
server.max-keep-alive-requests = 65535
server.max-keep-alive-idle = 30
static-file.etags = "disable"
alias.url = ("/" => {body})
mimetype.assign = ("" => "text/plain")
"""


def _quoted(path):
    # a JSON string is a valid YAML (h2o) and lighttpd string
    return json.dumps(path)


def _h2o_setup(pdir, port):
    body = os.path.join(pdir, "hello.txt")
    user = ""
    if os.geteuid() == 0:
        # h2o started as root switches to `nobody` unless told otherwise, and
        # nobody cannot read the run's private temp dir
        user = "user: %s\n" % _quoted(pwd.getpwuid(os.geteuid()).pw_name)
    conf = os.path.join(pdir, "h2o.conf")
    with open(conf, "w") as f:
        f.write(H2O_CONF.format(user=user, port=port, body=_quoted(body),
                                errlog=_quoted(os.path.join(pdir, "error.log"))))
    return ["h2o", "-m", "worker", "-c", conf]


def _lighttpd_setup(pdir, port):
    body = os.path.join(pdir, "hello.txt")
    conf = os.path.join(pdir, "lighttpd.conf")
    with open(conf, "w") as f:
        f.write(LIGHTTPD_CONF.format(dir=_quoted(pdir), port=port, body=_quoted(body),
                                     errlog=_quoted(os.path.join(pdir, "error.log"))))
    return ["lighttpd", "-D", "-f", conf]      # -D: stay in the foreground


# name: binary, Debian package, the row's note, setup(dir, port) -> argv
PEERS = {
    "h2o": {"binary": "h2o", "package": "h2o", "setup": _h2o_setup,
            "note": "h2o, 1 thread, a static file (file.file, no etag), no access log, "
                    "TCP_DEFER_ACCEPT (always on in h2o)"},
    "lighttpd": {"binary": "lighttpd", "package": "lighttpd", "setup": _lighttpd_setup,
                 "note": "lighttpd, 1 process, a static file (mod_alias + mod_staticfile, "
                         "no etag), no access log, server.defer-accept 1, "
                         "max-keep-alive-requests 65535"},
}


# ---------------------------------------------------------------------------
# one run

class Server:
    """A started server: proc, port, (syspath) its --stats path, and the argv
    prefix that puts a client in its network namespace."""
    def __init__(self, proc, port, stats_path=None, netns=False):
        self.proc, self.port, self.stats_path = proc, port, stats_path
        self.join = bench_proc.join_netns(proc.pid) if netns else []
        self.snapshots = 0      # SIGUSR1 snapshots asked for so far


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


def _last_line(path):
    try:
        with open(path, errors="replace") as f:
            lines = f.read().strip().splitlines()
        return lines[-1] if lines else None
    except OSError:
        return None


def start_server(row, pin, bin_dir, tmp, tag, workers):
    """Start row's server fresh; returns (Server, None) or (None, why)."""
    netns = own_netns()
    if row.server == "syspath":
        stats_path = os.path.join(tmp, "stats-%s.json" % tag)
        argv = _taskset(pin["server_cpus"]) + [
            os.path.join(bin_dir, "syspath-server"), "--backend", row.backend,
            "--model", row.model, "--addr", "127.0.0.1", "--port", "0",
            "--stats", stats_path]
        if row.model == "reuseport":
            argv += ["--workers", str(workers)]
        p, port = _start_with_line(argv, tmp, tag, "syspath-server", netns)
        return (Server(p, port, stats_path, netns), None) if p else (None, port)
    if row.server == "syspath-asm-server":
        argv = _taskset(pin["server_cpus"]) + [os.path.join(bin_dir, "syspath-asm-server"), "0"]
        p, port = _start_with_line(argv, tmp, tag, "syspath-asm-server", netns)
        return (Server(p, port, netns=netns), None) if p else (None, port)
    if row.server in PEERS:
        peer = PEERS[row.server]

        def setup(pdir, port):
            with open(os.path.join(pdir, "hello.txt"), "wb") as f:
                f.write(PEER_BODY)
            return peer["setup"](pdir, port)
        return _start_peer(row.server, setup, pin, tmp, netns)

    def nginx_setup(ndir, port):
        conf = os.path.join(ndir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(tmp=ndir, port=port,
                                      deferred=" deferred" if row.name == "nginx-deferred" else ""))
        return ["nginx", "-p", ndir, "-c", conf, "-e", os.path.join(ndir, "error.log")]
    return _start_peer("nginx", nginx_setup, pin, tmp, netns)


def _start_peer(what, setup, pin, tmp, netns):
    """Start a peer that cannot be told "port 0": pick a free port, write its
    config (setup(dir, port) -> argv), and retry on a clash. In the foreground,
    pinned, in the server's network namespace; (Server, None) or (None, why)."""
    why = "?"
    pdir = os.path.join(tmp, what)
    os.makedirs(pdir, exist_ok=True)
    errlog = os.path.join(pdir, "error.log")
    for _attempt in range(3):
        port = _free_port()
        # a stale log would give the last run's reason
        if os.path.exists(errlog):
            os.remove(errlog)
        argv = _taskset(pin["server_cpus"]) + setup(pdir, port)
        errpath = os.path.join(pdir, "stderr.txt")
        with open(errpath, "wb") as err:
            p = bench_proc.spawn(argv, own_netns=netns, stdout=err, stderr=subprocess.STDOUT)
        if _wait_listening(port, p):
            return Server(p, port, netns=netns), None
        bench_proc.stop(p, signal.SIGKILL)
        why = (_last_error(errpath) or _last_error(errlog) or
               "did not listen on 127.0.0.1:%d within 5 s" % port)
    return None, "%s did not start: %s" % (what, why)


def _last_error(path):
    """The last line of a log that is not one of the servers' start-up chatter."""
    try:
        with open(path, errors="replace") as f:
            lines = [l for l in f.read().strip().splitlines()
                     if l.strip() and "[INFO]" not in l and "server started" not in l]
        return lines[-1].strip() if lines else None
    except OSError:
        return None


def parse_wrk(text):
    """wrk's summary -> {requests, duration_s, errors{connect,read,write,timeout,non2xx}};
    None if it has no summary line."""
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h),", text)
    if not m:
        return None
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}[m.group(3)]
    out = {"requests": int(m.group(1)), "duration_s": float(m.group(2)) * scale,
           "errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0, "non2xx": 0}}
    se = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if se:
        for k, v in zip(("connect", "read", "write", "timeout"), se.groups()):
            out["errors"][k] = int(v)
    n2 = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if n2:
        out["errors"]["non2xx"] = int(n2.group(1))
    return out


def _read_stats(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _wrk_argv(row, mode, pin, server, duration):
    port = server.port
    return server.join + _taskset(pin["client_cpus"]) + [
        "wrk", "-t%d" % WRK_THREADS, "-c%d" % row.connections(mode), "-d%ds" % duration,
        "--timeout", "2s"] + MODES[mode][2] + ["http://127.0.0.1:%d/" % port]


def _run_wrk(argv, duration, tmp):
    """(returncode, timed_out, rusage, text) of one wrk run."""
    with tempfile.TemporaryFile(dir=tmp) as out:
        rc, timed_out, ru, _wall = bench_proc.run_timed(argv, duration + 15, stdout=out)
        out.seek(0)
        return rc, timed_out, ru, out.read().decode(errors="replace")


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
        st = _read_stats(server.stats_path)
        if st and st.get("snapshot") == server.snapshots:
            return float(st["user_us"]) + float(st["system_us"])
        time.sleep(0.002)
    return None


def _edge(server, pin, rusage):
    """Every meter at one edge of the window."""
    time.sleep(SETTLE_S)        # let the server finish the connections wrk just dropped
    snap = bench_proc.server_snapshot(server.proc.pid)
    snap["ticks"] = [bench_proc.stat_ticks(p) for p in snap["pids"]]
    snap.update(bench_proc.machine_snapshot(_cpus(pin), server.proc.pid))
    snap["rusage_us"] = _rusage_snapshot(server) if rusage else None
    return snap


def _delta(a, b, key):
    return b[key] - a[key] if a.get(key) is not None and b.get(key) is not None else None


def warm_up(server, pin, bin_dir, count=WARMUP_CONNECTIONS):
    """A short burst against the server the window will measure: pages faulted
    in, rings and connection slots set up, caches warm. syspath-client makes
    `count` connections; without it, wrk for 1 s."""
    client = os.path.join(bin_dir, "syspath-client")
    if os.access(client, os.X_OK):
        argv = server.join + _taskset(pin["client_cpus"]) + [client, "--port", str(server.port),
                                               "--count", str(count), "--quiet"]
        bench_proc.run_timed(argv, 15, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        bench_proc.run_timed(server.join + _taskset(pin["client_cpus"]) + [
            "wrk", "-t1", "-c4", "-d1s", "http://127.0.0.1:%d/" % server.port], 16,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


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


def count_syscalls(server, row, mode, pin, tmp, tag, log):
    """The warm-up of a first round: strace -c -f attached to the server and
    its descendants while wrk runs for STRACE_BURST_S; {"syscalls", "units"} or
    {"why"}. Outside every timed window: strace slows the server many times."""
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
        return {"why": "strace did not attach: %s" % (_last_line(errpath) or "no message")}
    # wrk counts whole seconds; on SIGINT it stops and prints its summary all
    # the same, so the traced burst is cut at STRACE_BURST_S
    wargv = _wrk_argv(row, mode, pin, server, 2)
    with tempfile.TemporaryFile(dir=tmp) as wout:
        wrk = bench_proc.spawn(wargv, stdout=wout, stderr=subprocess.STDOUT)
        time.sleep(STRACE_BURST_S)
        rc, clean = bench_proc.stop(wrk, signal.SIGINT, grace=5.0)
        timed_out = not clean
        wout.seek(0)
        text = wout.read().decode(errors="replace")
    time.sleep(SETTLE_S)
    bench_proc.stop(st, signal.SIGINT, grace=10.0)
    log.write("### %s %s %s syscalls (strace -c -f)\n$ %s\n$ %s\n%s\n"
              % (mode, row.name, tag, shlex.join(argv), shlex.join(wargv), text))
    try:
        with open(out, errors="replace") as f:
            table = f.read()
    except OSError:
        table = ""
    log.write(table + "\n")
    calls = parse_strace_total(table)
    w = parse_wrk(text)
    if calls is None or w is None or not w["requests"]:
        return {"why": "strace -c printed no total, or wrk under it served nothing (wrk exit %s)"
                % ("timed out" if timed_out else rc)}
    return {"syscalls": calls, "units": w["requests"]}


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
        warm_up(server, pin, bin_dir)
        if count_calls:
            calls = count_syscalls(server, row, mode, pin, tmp, tag, log)
            if "why" in calls:
                res["syscalls_why"] = calls["why"]
            else:
                res["syscalls"], res["syscall_units"] = calls["syscalls"], calls["units"]
        a = _edge(server, pin, rusage)
        rc, timed_out, ru, text = _run_wrk(argv, duration, tmp)
        b = _edge(server, pin, rusage)
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
        st = _read_stats(server.stats_path)
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
    cpu_ns = _delta(a, b, "cpu_ns") if a["cpu_source"] == b["cpu_source"] else None
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
    if units:
        segs = _delta(a, b, "out_segs")
        busy = _delta(a, b, "busy_ticks")
        res["segments_per_unit"] = segs / units if segs is not None else None
        res["ctx_switches_per_unit"] = _delta(a, b, "ctx_switches") / units
        res["total_cpu_us_per_unit"] = (busy * 1e6 / os.sysconf("SC_CLK_TCK") / units
                                        if busy is not None else None)
        res["total_cpu_ticks"] = busy
        if cpu_us is not None:
            res["pair_cpu_us_per_unit"] = (cpu_us + 1e6 * (ru.ru_utime + ru.ru_stime)) / units
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
        "counters_note": counters_note(mode),
        # each server in a network namespace of its own ("own"), or the machine's
        "netns": "own" if own_netns() else "shared",
    }


def counters_note(mode):
    """What each counter field measures, keyed by its name."""
    per = MODES[mode][3]
    unit = "connection" if per == "conn" else "request"
    tick_ms = 1000 // os.sysconf("SC_CLK_TCK")
    return {
        "window": "every counter and the server CPU come from one measured window per round: "
                  "after a warm-up against the same server process, from just before wrk "
                  "starts to just after it ends; a %s is one response wrk counted" % unit,
        "segments_per_" + per: "Tcp OutSegs delta of the server's network namespace "
                               "(/proc/PID/net/snmp) / %ss: on loopback both sides' segments "
                               "count (client's and server's); %s" % (unit, (
                                   "each server runs in a network namespace of its own, its "
                                   "clients joining it, so no other traffic counts")
                                   if own_netns() else (
                                   "the namespace is the machine's, so any other TCP traffic "
                                   "on it in the window counts too")),
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
