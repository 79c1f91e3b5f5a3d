"""scripts/lib/bench_run.py — what scripts/bench runs once the build is done.

scripts/bench (bash) asks this driver to check its options (--plan: one
line, what to build; the options, PARTS and --help are bench_options.py's),
installs what is missing and builds; then it hands
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
import json
import os
import shutil
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
import run_budget     # noqa: E402
import topology  # noqa: E402
from bench_options import PARTS, ROOT, parse_args, plan_line, usage  # noqa: E402
from bench_steps import Progress, Step, fmt_s  # noqa: E402

# Defaults. A full run must stay under 10 minutes on 2 cores, --quick under 90 s.
FULL = {"rounds": 5, "duration": None, "min_duration": 2, "load_budget_s": 420}
QUICK = {"rounds": 1, "duration": 1, "min_duration": 1, "load_budget_s": None}


def log(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


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
                        "rows": self.args.rows, "no_syscall_count": getattr(self.args, "no_syscall_count", False),
                        "profile": getattr(self.args, "profile", False),
                        "duration_s": getattr(self, "duration", None),
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
        method = self.methods()
        if method:
            doc["method"] = method
        write_json(os.path.join(self.out, "run.json"), doc)

    def methods(self):
        """run.json's method: one entry per part run, each defined beside the code that
        measures it (helpers' is microbench.json's own). counts' comes from the counts.json
        this run wrote: no file, no entry."""
        m = {}
        if any(p in self.parts for p in ("accept", "keepalive")):
            m["load"] = {"version": bench_load.METHOD_VERSION, "meter": bench_load.METER,
                         "topology": self.args.topology,
                         "topology_note": topology.TOPOLOGIES[self.args.topology]}
        if "syscalls" in self.parts:
            m["syscalls"] = bench_micro.syscalls_method()
        counts = getattr(getattr(self, "micro", None), "counts_method", None)
        if "counts" in self.parts and counts:
            m["counts"] = counts
        if "hyperfine" in self.parts:
            m["hyperfine"] = bench_hyperfine.method(self.args.quick)
        return m

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
