"""scripts/lib/bench_hyperfine.py — process-level paths, timed by hyperfine.

hyperfine-hello.json: `hyperfine -N --warmup 20` over the tutorial's hello world
as four processes: syspath-hello-asm (freestanding NASM), syspath-hello-raw
(static, -nostdlib, inline-asm syscalls), syspath-hello-glibc (dynamic) and
syspath-hello-glibc-static. -N: no shell in between, so the figure is the
process's own exec + start-up + exit.

hyperfine-serve.json: `--parameter-list backend B1,B2,...,freestanding` over
`syspath-client --serve {backend} --count N`, the backends being those
`syspath-server --list` names (asm, raw, libc today): the client starts the server
(syspath-server --backend B --port 0 --max-conns N, or syspath-asm-server 0 N),
reads its port from the listening line, makes N sequential connect -> GET ->
read -> close, and waits for the server to exit. One process per measurement,
no shell, no port race (see bench/load/client.c). The client and the server it
starts are pinned to one CPU (taskset; the server inherits the affinity): left to
the scheduler, the pair sometimes shares a CPU (~20 us a connection here) and
sometimes wakes across two (~60 us), and the runs split into two clusters that
say nothing about the path. On one CPU the wall time is the two processes' work.

run.json's method.hyperfine (method(), written by bench_run when the part ran)
says so, with the warm-up runs, the runs and N: version 1 (now) is the above.
N is part of what a serve figure means (the time of N connections), so a
--quick run's entry differs from a full run's, and compare leaves them unjudged.
"""
import os
import shutil

import bench_load
import bench_proc
from bench_steps import Step

HELLOS = (("syspath-hello-asm", "freestanding NASM"),
          ("syspath-hello-raw", "C, -nostdlib, inline-asm syscalls, static"),
          ("syspath-hello-glibc", "glibc, dynamic"),
          ("syspath-hello-glibc-static", "glibc, static"))
FULL = {"hello_warmup": 20, "hello_runs": 500, "serve_warmup": 3, "serve_runs": 20, "serve_conns": 1000}
QUICK = {"hello_warmup": 20, "hello_runs": 100, "serve_warmup": 3, "serve_runs": 5, "serve_conns": 200}
# How the hyperfine files are measured (run.json's method.hyperfine); bump the version when
# a change makes their figures incomparable with older runs'.
METHOD_VERSION = 1


def method(quick):
    """run.json's method.hyperfine: the commands' shape in words, and the counts the run used."""
    c = QUICK if quick else FULL
    return {"version": METHOD_VERSION,
            "hello": "hyperfine -N (no shell): one whole hello-world process per run, wall time",
            "serve": "hyperfine -N: syspath-client --serve {backend} --count N starts the server "
                     "and makes N sequential connections, both on the server's CPU (taskset); wall "
                     "time per run",
            "hello_warmup": c["hello_warmup"], "hello_runs": c["hello_runs"],
            "serve_warmup": c["serve_warmup"], "serve_runs": c["serve_runs"],
            "serve_connections": c["serve_conns"]}


class Hyperfine:
    def __init__(self, run):
        self.run = run
        self.cfg = QUICK if run.args.quick else FULL

    def steps(self):
        if not shutil.which("hyperfine"):
            self.run.note("hyperfine: not installed (Debian: hyperfine): skipped")
            return []
        c = self.cfg
        return [Step("hyperfine: hello world x4 processes, %d runs each" % c["hello_runs"],
                     4 * (c["hello_runs"] + c["hello_warmup"]) * 0.0015 + 1, "hyperfine", self.hello),
                Step("hyperfine: serve %d connections per backend, %d runs"
                     % (c["serve_conns"], c["serve_runs"]),
                     4 * (c["serve_runs"] + c["serve_warmup"]) * (0.01 + c["serve_conns"] / 20000.0) + 1,
                     "hyperfine", self.serve)]

    def _hyperfine(self, name, args, timeout):
        out = os.path.join(self.run.out, name)
        argv = ["hyperfine", "-N", "--style", "basic", "--export-json", out + ".tmp"] + args
        with self.run.logfile("hyperfine.log") as lf:
            lf.write("$ %s\n" % " ".join(argv))
            lf.flush()
            rc, timed_out, _ru, _w = bench_proc.run_timed(argv, timeout, stdout=lf)
        if rc != 0 or timed_out:
            if os.path.exists(out + ".tmp"):
                os.remove(out + ".tmp")
            raise RuntimeError("hyperfine %s (see logs/hyperfine.log)"
                               % ("timed out" if timed_out else "exited %d" % rc))
        os.replace(out + ".tmp", out)

    def hello(self):
        args = ["--warmup", str(self.cfg["hello_warmup"]), "--runs", str(self.cfg["hello_runs"])]
        n = 0
        for exe, _what in HELLOS:
            path = os.path.join(self.run.bin, exe)
            if not os.access(path, os.X_OK):
                self.run.note("hyperfine-hello: %s not built: left out" % exe)
                continue
            args += ["-n", exe, path]
            n += 1
        if n == 0:
            raise RuntimeError("no hello-world binary built in %s" % self.run.bin)
        self._hyperfine("hyperfine-hello.json", args, 300)

    def serve(self):
        client = os.path.join(self.run.bin, "syspath-client")
        if not os.access(client, os.X_OK):
            raise RuntimeError("syspath-client not built in %s" % self.run.bin)
        # the backends are the server's own list, never typed here
        backends, _models, _unavailable = bench_load.list_server(self.run.bin)
        if not backends:
            self.run.note("hyperfine-serve: syspath-server not built (or --list failed): "
                          "its backends left out")
        if os.access(os.path.join(self.run.bin, "syspath-asm-server"), os.X_OK):
            backends.append("freestanding")
        else:
            self.run.note("hyperfine-serve: syspath-asm-server not built: freestanding left out")
        if not backends:
            raise RuntimeError("no server built in %s" % self.run.bin)
        n = self.cfg["serve_conns"]
        cpu = bench_load.pinning().get("server_cpus")
        pin = "taskset -c %s " % cpu if cpu is not None and shutil.which("taskset") else ""
        args = ["--warmup", str(self.cfg["serve_warmup"]), "--runs", str(self.cfg["serve_runs"]),
                "--parameter-list", "backend", ",".join(backends),
                "-n", "{backend}",
                "%s%s --serve {backend} --count %d --timeout 10 --quiet" % (pin, client, n)]
        self._hyperfine("hyperfine-serve.json", args, 600)
