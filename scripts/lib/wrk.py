"""scripts/lib/wrk.py — the load bench's clients: wrk's arguments, its run and
its output, and the warm-up burst before a window.

wrk runs pinned to the client CPU (taskset), in the client's network
namespace (the argv prefix a started server gives: `Server.join`), for whole
seconds; its own CPU time comes from os.wait4, so we can say which side was
saturated."""
import os
import re
import subprocess
import tempfile

import bench_proc

THREADS = 1
CONNECTIONS = 50
TIMEOUT = "2s"          # wrk's --timeout: an answer later than this is a timeout error
WARMUP_CONNECTIONS = 200


def taskset(cpus):
    return ["taskset", "-c", cpus] if cpus is not None else []


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


def args(connections, duration, extra):
    """wrk's options: -t THREADS, -c connections, whole seconds, extra (the
    mode's arguments, e.g. -H 'Connection: close'); the URL goes last."""
    return ["-t%d" % THREADS, "-c%d" % connections, "-d%ds" % duration,
            "--timeout", TIMEOUT] + extra


def argv(server, client_cpus, connections, duration, extra):
    """wrk here against a started server (args, then its URL), pinned, in
    the client's network namespace."""
    return server.join + taskset(client_cpus) + ["wrk"] + args(connections, duration, extra) + [
        "http://%s:%d/" % (server.host, server.port)]


def run(argv, duration, tmp):
    """(returncode, timed_out, rusage, text) of one wrk run."""
    with tempfile.TemporaryFile(dir=tmp) as out:
        rc, timed_out, ru, _wall = bench_proc.run_timed(argv, duration + 15, stdout=out)
        out.seek(0)
        return rc, timed_out, ru, out.read().decode(errors="replace")


def warm_up(server, client_cpus, bin_dir, count=WARMUP_CONNECTIONS):
    """A short burst against the server the window will measure: pages faulted
    in, rings and connection slots set up, caches warm. syspath-client makes
    `count` connections; without it, wrk for 1 s."""
    client = os.path.join(bin_dir, "syspath-client")
    if os.access(client, os.X_OK):
        cmd = server.join + taskset(client_cpus) + [
            client, "--host", server.host, "--port", str(server.port),
            "--count", str(count), "--quiet"]
        bench_proc.run_timed(cmd, 15, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        bench_proc.run_timed(server.join + taskset(client_cpus) + [
            "wrk", "-t1", "-c4", "-d1s", "http://%s:%d/" % (server.host, server.port)], 16,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
