"""scripts/lib/bench_run.py — what scripts/bench runs once the build is done.

scripts/bench (bash) asks this driver to check its options (--plan: one
line, what to build), installs what is missing and builds; then it hands
every option over to this driver, which plans every step up front (so the
progress line can say "[37/170] ... ~4m10s left"), runs them in order, writes
the run folder as it goes (a Ctrl-C keeps every finished round), stops every
child it started, writes summary.md, calls scripts/plot and scripts/report if
they exist, and prints the run folder's path as its last line on stdout
(--runs N: N folders, one after the other, their paths the last N lines).
--adaptive: the load parts add rounds while a declared comparison is
undecided (adaptive.py; bench_load.Load asks it after each round).

Steps and files:
  machine    machine.json                  (bench_machine)
  helpers    microbench.json               bench-helpers        (bench_micro)
  syscalls   microbench.json               bench-syscalls       (bench_micro)
  counts     counts.json                   scripts/count        (bench_micro)
  accept     accept.json                   wrk -H 'Connection: close'  (bench_load)
  keepalive  keepalive.json                wrk                  (bench_load)
  hyperfine  hyperfine-hello.json, hyperfine-serve.json          (bench_hyperfine)
  always     run.json (options, steps, timings, notes), summary.md, logs/
"""
import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import adaptive  # noqa: E402
import bench_hyperfine  # noqa: E402
import bench_load  # noqa: E402
import bench_machine  # noqa: E402
import bench_micro  # noqa: E402
import bench_proc  # noqa: E402
import bench_summary  # noqa: E402
import remote         # noqa: E402
import run_budget     # noqa: E402
import topology  # noqa: E402
from bench_steps import Progress, Step, fmt_s  # noqa: E402

ROOT = bench_machine.ROOT
# The parts a run is made of, in the order they run: what each measures, and where.
PARTS = {
    "helpers": ("bench-helpers: memset/strlen/memcpy/htons variants vs glibc", "microbench.json"),
    "syscalls": ("bench-syscalls: asm vs raw vs libc syscall paths, vDSO, io_uring", "microbench.json"),
    "counts": ("scripts/count: instructions per call under callgrind", "counts.json"),
    "accept": ("every server row under wrk -H 'Connection: close' (conn/s)", "accept.json"),
    "keepalive": ("every server row under plain wrk, keep-alive (req/s)", "keepalive.json"),
    "hyperfine": ("hello-world processes and N-connection server runs", "hyperfine-*.json"),
}
MAX_DURATION_S = 600
MAX_ROUNDS = adaptive.MOST_ROUNDS
MAX_RUNS = 20
MAX_MINUTES = 24 * 60

USAGE = """usage: scripts/bench [options]

Measures what each syscall path costs, on this machine, into one run folder:
%(parts)s
plus machine.json, run.json, summary.md, and (when present) scripts/plot and
scripts/report's plots and report.md. Server rows: every backend x model that
`syspath-server --list` reports available, syspath-asm-server (accept only),
and the peers nginx (also with deferred accept), h2o and lighttpd, one worker
each; server on one CPU, wrk on another (taskset), each in a network namespace
of its own joined by a veth pair (see --topology). The headline is the server
core's busy time per connection or request (/proc/stat of the server's CPU).

  --quick            fewer rounds and shorter runs (about 1.5 minutes; counts left out)
  --only PART        run only PART (repeatable, or comma-separated):
                     %(names)s
  --out DIR          run folder (default: results/<machine-slug>/<UTC timestamp>/);
                     an existing one is added to: the files of the parts run are replaced
  --duration S       seconds per wrk run (whole number, at most %(max_d)d; default: fits the
                     10-minute budget, 1..5; --quick: 1)
  --rounds N         counted rounds per server row (default 5, at most %(max_r)d; --quick: 1);
                     each run first warms up the same server process, outside its window
  --adaptive         accept/keepalive: after the configured rounds, add whole rounds (every row
                     once, interleaved) until every declared comparison of the part (each
                     model's libc row against the peers, rates against nginx, asm and raw
                     ÷ libc) is decided, equivalent or different, at a stricter α per look
                     (5 looks: α/5 each, so repeated looks do not inflate the error); the
                     looks come at the configured rounds, then about 1.5x more each time;
                     the part's JSON and summary.md say the rounds taken and why it stopped
                     ("all decided", "time cap", "max rounds")
  --max-minutes M    --adaptive's time cap, in minutes (fractions allowed): no batch of rounds
                     is started that would end the run, with every step still planned, after
                     M minutes from its start (default %(cap)g)
  --runs N           N run folders in one go, one after the other, each a full independent
                     run (with --out DIR: DIR-r1 .. DIR-rN); the last N lines on stdout are
                     their paths. Runs as replicates: drift between runs shows between them
  --rows NAME[,NAME] accept/keepalive: only these server rows (repeatable), named as in
                     accept.json: raw/epoll, libc/iterative, asm-server, nginx, h2o, ...;
                     e.g. a quick regression check of one server against its controls
  --topology T       accept/keepalive: where server and wrk sit (default %(topo)s):
%(topos)s
  --client ssh://[user@]host[:port]
                     accept/keepalive: wrk runs on that machine over ssh (BatchMode: a key,
                     no password prompt; it needs wrk there), the servers bind the address
                     of this machine that it reaches (topology remote: not with --topology;
                     the client's core figures are then null), and run.json records its
                     machine.json;
                     checked before anything is built: unreachable, no wrk -> one line, exit 2.
                     SYSPATH_SSH_CONFIG=FILE: ssh -F FILE; SYSPATH_SSH_STRICT=yes|accept-new|no:
                     its StrictHostKeyChecking (default: the ssh configuration's)
  --build-dir DIR    build (and use) DIR (default: build/)
  --no-build         use the binaries already in --build-dir; install nothing
  -h, --help         this text

Progress goes to stderr, one line per step with the time left; the last line
on stdout is the run folder's path. Ctrl-C stops every server and client it
started and keeps the rounds already finished.

Examples:
  scripts/bench                         # the full run, under 10 minutes on 2 cores
  scripts/bench --quick --only accept   # a minute's smoke run of the accept rows
  scripts/compare results/A/... results/B/...   # then compare two run folders
"""


def usage():
    parts = "\n".join("  %-10s %-66s %s" % (name, what, out) for name, (what, out) in PARTS.items())
    topos = "\n".join("                       %-10s %s" % (name, what)
                      for name, what in topology.HELP.items())
    return USAGE % {"parts": parts, "names": ", ".join(PARTS), "max_d": MAX_DURATION_S,
                    "max_r": MAX_ROUNDS, "cap": adaptive.DEFAULT_MAX_MINUTES, "topo": topology.DEFAULT,
                    "topos": topos}


# Defaults. A full run must stay under 10 minutes on 2 cores, --quick under 90 s.
FULL = {"rounds": 5, "duration": None, "min_duration": 2, "load_budget_s": 420}
QUICK = {"rounds": 1, "duration": 1, "min_duration": 1, "load_budget_s": None}


def log(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


def parse_args(argv):
    """scripts/bench's options, checked once, here: a bad one is one line on stderr and exit 2."""
    class Parser(argparse.ArgumentParser):
        def error(self, message):
            sys.stderr.write("bench: %s (see --help)\n" % message)
            sys.exit(2)

    def whole(most):
        def check(s):
            try:
                v = int(s)
            except ValueError:
                v = 0
            if v < 1:
                raise argparse.ArgumentTypeError("wants a whole number >= 1, got '%s'" % s)
            if v > most:
                raise argparse.ArgumentTypeError("%s: at most %d" % (s, most))
            return v
        return check

    def minutes(s):
        try:
            v = float(s)
        except ValueError:
            v = 0
        if not 0 < v <= MAX_MINUTES:
            raise argparse.ArgumentTypeError("wants minutes, > 0 and at most %d, got '%s'" % (MAX_MINUTES, s))
        return v

    ap = Parser(prog="scripts/bench", add_help=False, allow_abbrev=False)
    ap.add_argument("-h", "--help", action="store_true")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--duration", type=whole(MAX_DURATION_S))
    ap.add_argument("--rounds", type=whole(MAX_ROUNDS))
    ap.add_argument("--rows", action="append", default=[])
    ap.add_argument("--adaptive", action="store_true")
    ap.add_argument("--max-minutes", type=minutes)
    ap.add_argument("--runs", type=whole(MAX_RUNS), default=1)
    ap.add_argument("--topology", choices=list(topology.HELP))
    ap.add_argument("--client")
    # --plan: scripts/bench asks what to build before it installs and builds (see plan_line)
    ap.add_argument("--plan", action="store_true", help=argparse.SUPPRESS)
    # --no-post: no scripts/plot and scripts/report steps (tests that only read the JSON)
    ap.add_argument("--no-post", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.help:
        return args
    for name in ("out", "build_dir"):
        if getattr(args, name) == "":
            ap.error("--%s needs a value" % name.replace("_", "-"))
    only = []
    for o in args.only:
        for part in o.split(","):
            if part not in PARTS:
                ap.error("unknown --only '%s' (known: %s)" % (part, ", ".join(PARTS)))
            if part not in only:
                only.append(part)
    args.only = only
    rows = []
    for o in args.rows:
        for name in o.split(","):
            if not name.strip():
                ap.error("--rows wants server row names, e.g. raw/epoll,nginx (got '%s')" % o)
            if name.strip() not in rows:
                rows.append(name.strip())
    args.rows = rows
    if rows and only and not set(only) & {"accept", "keepalive"}:
        ap.error("--rows picks server rows: it needs --only accept or keepalive")
    if (args.adaptive or args.max_minutes) and only and not set(only) & {"accept", "keepalive"}:
        ap.error("--adaptive adds load rounds: it needs --only accept or keepalive")
    if args.max_minutes and not args.adaptive:
        ap.error("--max-minutes caps --adaptive's rounds: add --adaptive")
    if args.client is not None:
        # a RemoteClient, checked (reachable, wrk there, its address for the servers)
        if only and not set(only) & {"accept", "keepalive"}:
            ap.error("--client runs wrk: it needs --only accept or keepalive")
        if args.topology is not None:
            ap.error("--client puts wrk on that machine (topology remote): drop --topology")
        try:
            args.client = remote.RemoteClient.from_env(args.client)
        except remote.BadURL as e:
            ap.error(str(e))
        try:
            args.client.check()
        except remote.RemoteError as e:
            sys.stderr.write("bench: --client: %s\n" % e)
            sys.exit(2)
    # with --client the topology is remote (topology.TOPOLOGIES), never chosen
    args.topology = "remote" if args.client is not None else args.topology or topology.DEFAULT
    if args.out:
        try:
            os.makedirs(args.out, exist_ok=True)
        except OSError:
            pass
        if not (os.path.isdir(args.out) and os.access(args.out, os.W_OK)):
            ap.error("--out %s: cannot create or write that folder" % args.out)
    if args.no_build and not os.path.isdir(os.path.join(args.build_dir, "bin")):
        ap.error("--no-build: %s/bin does not exist (build first, or drop --no-build)" % args.build_dir)
    return args


def plan_line(args):
    """What scripts/bench needs before it hands over: 'help', or 'build DIR' / 'no-build DIR'."""
    if args.help:
        return "help"
    return "%s %s" % ("no-build" if args.no_build else "build", os.path.abspath(args.build_dir))


class Run:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build_dir)
        self.bin = os.path.join(self.build, "bin")
        self.mode = QUICK if args.quick else FULL
        self.ts = bench_machine.utc_now()
        if args.out:
            self.out = os.path.abspath(args.out)
        else:
            self.out = os.path.join(ROOT, "results", bench_machine.quick_slug(),
                                    bench_machine.folder_timestamp(self.ts))
        self.notes = []
        self.steps = []
        self.flushers = []     # write partial results after an interruption
        self.tmp = None
        self.logs = None
        self.parts = args.only or [p for p in PARTS if p != "counts" or self._counts_in_default()]
        self.rounds = args.rounds or self.mode["rounds"]
        self.adaptive = adaptive.Adaptive(self, args.max_minutes or adaptive.DEFAULT_MAX_MINUTES) \
            if args.adaptive else None
        self.step_index = 0
        # reuseport: one worker per CPU the server may use (pinned: one)
        self.workers = 1 if bench_load.pinning().get("server_cpus") \
            else len(os.sched_getaffinity(0))

    def _counts_in_default(self):
        # callgrind runs every row ~50x slower: in the default full run only when
        # scripts/count exists; --quick leaves it out (ask with --only counts)
        return not self.args.quick

    def note(self, msg):
        log(msg)
        self.notes.append(msg)

    def insert_steps(self, steps):
        """Run steps right after the current one (--adaptive's added rounds)."""
        self.steps[self.step_index + 1:self.step_index + 1] = steps

    def seconds_left(self):
        """The estimated seconds of the steps planned after the current one."""
        return Progress(self.steps).left(self.step_index + 1)

    def logfile(self, name):
        return open(os.path.join(self.logs, name), "a")

    # -- the plan -----------------------------------------------------------

    def plan(self):
        self.steps.append(Step("machine: machine.json", 0.5, "misc", self.step_machine))
        self.micro = bench_micro.Micro(self)
        for part in ("helpers", "syscalls"):
            if part in self.parts:
                self.steps += self.micro.steps(part)
        if "counts" in self.parts:
            self.steps += self.micro.count_steps()
        load_parts = [p for p in ("accept", "keepalive") if p in self.parts]
        if load_parts:
            self.load = bench_load.Load(self, write_json, log)
            self.steps += self.load.steps(load_parts)
        if "hyperfine" in self.parts:
            self.hyper = bench_hyperfine.Hyperfine(self)
            self.steps += self.hyper.steps()
        self.steps.append(Step("summary.md", 1.0, "misc", self.step_summary))
        for tool in () if self.args.no_post else ("plot", "report"):
            if os.access(os.path.join(ROOT, "scripts", tool), os.X_OK):
                self.steps.append(Step("scripts/%s" % tool, 10.0, "post",
                                       lambda t=tool: self.step_post(t)))

    # -- steps --------------------------------------------------------------

    def step_machine(self):
        write_json(os.path.join(self.out, "machine.json"), bench_machine.fingerprint(self.ts, self.bin))
        if self.args.client:
            self.args.client.fingerprint()     # run.json's client.machine

    def step_summary(self):
        self.write_run_json()
        bench_summary.write(self.out)

    def step_post(self, tool):
        argv = [os.path.join(ROOT, "scripts", tool), self.out]
        try:
            with self.logfile("%s.log" % tool) as lf:
                rc, timed_out, _ru, _w = bench_proc.run_timed(argv, 600, stdout=lf)
        except OSError as e:
            self.note("warning: scripts/%s could not run: %s (the data is kept)" % (tool, e))
            return
        if rc != 0 or timed_out:
            self.note("warning: scripts/%s %s (see logs/%s.log; the data is kept)"
                      % (tool, "timed out" if timed_out else "failed with exit %d" % rc, tool))

    def write_run_json(self):
        doc = {
            "schema": 1,
            "started_utc": self.ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "elapsed_s": round(time.monotonic() - self.t0, 1),
            "options": {"quick": self.args.quick, "only": self.args.only, "rounds": self.rounds,
                        "rows": self.args.rows, "duration_s": getattr(self, "duration", None),
                        "build_dir": self.build, "parts": self.parts,
                        "adaptive": self.args.adaptive,
                        "max_minutes": (self.args.max_minutes or adaptive.DEFAULT_MAX_MINUTES)
                        if self.args.adaptive else None},
            "steps": [{"label": s.label, "seconds": None if s.seconds is None
                       else round(s.seconds, 2), "status": s.status} for s in self.steps],
            "notes": self.notes,
            "client": self.args.client.record() if self.args.client else None,
        }
        if any(p in self.parts for p in ("accept", "keepalive")):
            doc["options"]["topology"] = self.args.topology
            doc["method"] = {"load": {"version": bench_load.METHOD_VERSION,
                                      "meter": bench_load.METER,
                                      "topology": self.args.topology,
                                      "topology_note": topology.TOPOLOGIES[self.args.topology]}}
        write_json(os.path.join(self.out, "run.json"), doc)

    def execute(self):
        self.t0 = time.monotonic()
        os.makedirs(self.out, exist_ok=True)
        self.logs = os.path.join(self.out, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.tmp = tempfile.mkdtemp(prefix="syspath-bench-")
        rc = 0
        bench_proc.install_traps()
        try:
            self.plan()
            loads = [s for s in self.steps if s.kind == "load"]
            log("run folder %s" % self.out)
            if loads:
                where = ("server on CPU %s, wrk on CPU %s" % (self.pin["server_cpus"],
                                                              self.pin["client_cpus"])
                         if self.pin.get("server_cpus") else "unpinned")
                log("load: %d runs of %d s (wrk -t%d, %s, topology %s)"
                    % (len(loads), self.duration, bench_load.WRK_THREADS, where,
                       self.args.topology))
            prog = Progress(self.steps)
            for i, step in enumerate(self.steps):   # --adaptive may insert steps after i
                self.step_index = i
                prog.show(i)
                t = time.monotonic()
                try:
                    step.fn()
                    step.status = "ok"
                except bench_proc.Interrupted:
                    raise
                except Exception as e:   # a step's failure is reported, the run goes on
                    step.status = "failed"
                    self.note("%s failed: %s: %s" % (step.label, type(e).__name__, e))
                finally:
                    step.seconds = time.monotonic() - t
                    bench_proc.kill_all()
            # exit 1 when a step failed or a part asked for by --only produced nothing
            # (the folder and its data are kept and printed all the same)
            files = {"helpers": "microbench.json", "syscalls": "microbench.json",
                     "counts": "counts.json", "accept": "accept.json",
                     "keepalive": "keepalive.json", "hyperfine": "hyperfine-hello.json"}
            empty = [p for p in self.args.only
                     if not os.path.exists(os.path.join(self.out, files[p]))]
            if empty:
                self.note("nothing measured for --only %s (see the notes above)" % ", ".join(empty))
            # and when a row errored (a failed check, failed rounds): shown, never dropped
            errored = bench_summary.errored(self.out)
            for e in errored:
                self.note("errored: %s" % e)
            if empty or errored or any(s.status == "failed" for s in self.steps):
                rc = 1
        except bench_proc.Interrupted as e:
            rc = 130
            self.note("interrupted (%s): children stopped; finished rounds are kept" % e)
        finally:
            bench_proc.kill_all()
            shutil.rmtree(self.tmp, ignore_errors=True)
            try:
                if rc:
                    for flush in self.flushers:
                        flush()
                self.write_run_json()
                # summary.md again from the final run.json (its elapsed time, the last notes),
                # so the committed file is what scripts/report's renderer makes of the folder
                bench_summary.write(self.out)
            except Exception as e:
                log("warning: could not write run.json/summary.md: %s" % e)
            run_budget.keep(self.out, log)   # the folder stays within its size budget
        log("done in %s" % fmt_s(time.monotonic() - self.t0))
        return rc


def write_json(path, doc):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def main(argv):
    args = parse_args(argv)
    if args.plan:
        print(plan_line(args))
        return 0
    if args.help:
        sys.stdout.write(usage())
        return 0
    run = Run(args)
    if set(run.parts) & {"accept", "keepalive"}:
        # a topology the kernel or user cannot make: one line, before any work
        # (remote's client was checked by parse_args)
        why = topology.probe(args.topology) if args.client is None else None
        if why:
            log(why)
            return 2
    if args.rows:
        # a row this machine does not have is a typo or a missing peer: say so now, not in a note
        modes = [p for p in ("accept", "keepalive") if p in run.parts]
        known = []
        for mode in modes:
            rows, skipped = bench_load.plan_rows(mode, run.bin, run.workers)
            known += [r.name for r in rows] + [s["name"] for s in skipped]
        unknown = [n for n in args.rows if n not in known]
        if unknown:
            log("unknown --rows '%s' (known here: %s) (see --help)"
                % (",".join(unknown), ", ".join(dict.fromkeys(known))))
            return 2
    # --runs N: N independent run folders, one after the other (runs as replicates)
    outs, rc = [], 0
    for k in range(1, args.runs + 1):
        if k > 1:
            run = Run(args)
        if args.runs > 1:
            run.out = ("%s-r%d" % (run.out.rstrip("/"), k)) if args.out else run.out
            while run.out in outs or (not args.out and os.path.exists(run.out)):
                run.out += "-r%d" % k     # two runs within one second of each other
            log("run %d of %d" % (k, args.runs))
        rc = max(rc, run.execute())
        outs.append(run.out)
        if rc == 130:
            break
    # the last lines on stdout: the run folders (scripts and people pick them up from here)
    for out in outs:
        print(out)
    sys.stdout.flush()
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
