"""scripts/lib/bench_micro.py — the microbenchmarks and the instruction counts.

microbench.json is google-benchmark's own JSON: "context" is the first
binary's context with every other binary's own keys added (bench-syscalls'
clocksource and int80, bench-helpers' thresholds and CPU features), and
"contexts" keeps each binary's context whole; "benchmarks" from bench-helpers
and bench-syscalls concatenated (per-repetition rows plus median/mean/stddev/cv aggregates).
Each binary runs with --benchmark_repetitions (>= 9 in a full run, so a
Mann-Whitney U test over repetitions can mean something) and
--benchmark_enable_random_interleaving=true (repetitions of different
benchmarks are shuffled, so drift hits them alike). bench-helpers' repetitions
are spread over 3 processes (3 repetitions each in a full run, 1 with --quick), whose per-repetition
rows are pooled, each tagged "syspath_process": a call of a few nanoseconds
moves by a cycle or more with where one process's code and data happen to lie
(glibc's own memset at 1-64 B ran measurably faster in one process than in the
next, with the same instructions: the rows' syspath_process tags show it), which
repetitions inside one process never see; pooled, the interval of a row includes it.

bench-helpers also has mix rows (<family>/<variant>/mix/<distribution>: 1024
calls per iteration, sizes drawn with a fixed seed from a published production
size distribution, bench/micro/distributions/) and an alignment sweep of memcpy
(memcpy/<variant>/align/<bytes>/dist<d> and .../dst<k>); they run with the same
repetitions and processes as every other row. Every mix row but glibc's runs in
one loop with glibc's, pass for pass on the same draw, and reports its time over
glibc's as the counter vs_libc (one a repetition): a difference of a few
percent between two rows timed apart drowns in this guest's drift, and a ratio
measured microseconds apart does not.

microbench.json's "method" says how the helper rows were measured, so a reader
can tell runs whose figures do not compare: version 1 sized rows only, memcpy's
src at dst's page offset; 2 src half a page away; 3 repetitions spread over
processes and pooled; 4 the mix rows and the alignment sweep; 5 each mix row
timed against glibc in the same loop (vs_libc); 6 (now) a mix draw of 32768 calls,
not 1024: the branch predictor learned a 1024-call draw that repeated every pass
(glibc's memcpy took 2.8 ns a call on google_b, 11 ns on the longer draw), so
version 5's mix figures timed sizes every one of whose tests was predicted.

The bench-syscalls rows' method is run.json's method.syscalls (syscalls_method,
written by bench_run when the part ran): version 1 (now) is what it has always
been, each row's call in google-benchmark's loop, real time per call, the
repetitions interleaved in one process that no taskset pins.

counts.json is scripts/count's output (valgrind --tool=callgrind); its
method_version (scripts/count's METHOD_VERSION) and the rest of its method
become run.json's method.counts (counts_method).

calibrate.json is syspath-calibrate's: where, on this machine, rep stosb/movsb
and non-temporal stores overtake the vector loop. bench-helpers runs with
those thresholds in its environment, so memset/auto and memcpy/auto use this
machine's crossovers (without them auto falls back to defaults derived from
ERMS, the CPU vendor and the L2 and L3 sizes: see impl/helpers/thresholds.c).

A binary that is not built is skipped with a note, never an error.
"""
import json
import os
import subprocess

import bench_proc
from bench_steps import Step

# Per binary: repetitions, --benchmark_min_time and extra flags. bench-helpers runs
# each row for min_time x 0.1 s (see its --help), bench-syscalls min_time x 0.2 s;
# 9 repetitions of each fit the 10-minute budget beside the load parts.
# "processes": how many processes share the repetitions (see above).
# "est": each step's expected seconds, for the progress line and the budget, the
# mix rows and the alignment sweep (~190 rows) included; taken from what these
# steps took in recent runs (run.json's steps record each one's seconds).
FULL = {"helpers": {"repetitions": 9, "processes": 3, "min_time": "0.1", "extra": []},
        "syscalls": {"repetitions": 9, "processes": 1, "min_time": "0.05", "extra": []},
        "est": {"helpers": 205.0, "syscalls": 25.0, "erms": 6.0}}
QUICK = {"helpers": {"repetitions": 3, "processes": 3, "min_time": "0.05", "extra": ["--quick"]},
         "syscalls": {"repetitions": 3, "processes": 1, "min_time": "0.01", "extra": []},
         "est": {"helpers": 26.0, "syscalls": 3.0, "erms": 1.0}}
# How the helper rows are measured (see the module's text); bump the version
# when a change makes a row's figures incomparable with older runs'.
METHOD_VERSION = 6
METHOD_PLACEMENT = ("sized rows: dst page-aligned (+1 misaligned), memcpy's src 2 KiB past "
                    "dst's page offset; mix rows: 32768 calls a pass, dst and src at random byte offsets "
                    "in buffers 4 x L1D, fixed draw, each variant timed pass for pass against glibc in one loop "
                    "(vs_libc); align rows: dst/src page offsets as named")
# How the bench-syscalls rows are measured (run.json's method.syscalls); bump the
# version when a change makes a row's figures incomparable with older runs'.
SYSCALLS_METHOD_VERSION = 1


def syscalls_method():
    """run.json's method.syscalls: the same words for a full and a --quick run (fewer
    repetitions are fewer values of the same figure, not another figure)."""
    full, quick = FULL["syscalls"], QUICK["syscalls"]
    return {"version": SYSCALLS_METHOD_VERSION,
            "timed": "bench-syscalls: each row's call in google-benchmark's loop, its result "
                     "checked before the loop; real time per call (per NOP in the io_uring batches)",
            "repetitions": "%d (--quick: %d), rows interleaved at random, each repetition one value"
                           % (full["repetitions"], quick["repetitions"]),
            "processes": full["processes"],
            "pinning": "none"}


def counts_method(doc):
    """run.json's method.counts from the counts.json scripts/count wrote: its method version,
    the tool, the iterations and what is counted, as the file says them (None when the file
    says no version)."""
    if not isinstance(doc, dict) or doc.get("method_version") is None:
        return None
    return {"version": doc["method_version"], "tool": doc.get("tool"),
            "iterations": doc.get("iterations"), "counted": doc.get("method")}


class Micro:
    def __init__(self, run):
        self.run = run
        self.cfg = QUICK if run.args.quick else FULL
        self.parts = {}        # binary label -> google-benchmark JSON (in run order)
        self.helper_env = None # syspath-calibrate's "env" (SYSPATH_*_THRESHOLD), for bench-helpers
        self.counts_method = None   # run.json's method.counts, once counts.json is written

    def _exe(self, name):
        path = os.path.join(self.run.bin, name)
        return path if os.access(path, os.X_OK) else None

    def _help(self, exe):
        try:
            r = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=10)
            return r.stdout + r.stderr
        except (OSError, subprocess.TimeoutExpired):
            return ""

    def steps(self, part):
        name = {"helpers": "bench-helpers", "syscalls": "bench-syscalls"}[part]
        exe = self._exe(name)
        if exe is None:
            self.run.note("%s: %s not built in %s: skipped" % (part, name, self.run.bin))
            return []
        cfg, est = self.cfg[part], self.cfg["est"]
        steps = []
        calibrate = self._exe("syspath-calibrate")
        if part == "helpers" and calibrate:
            steps.append(Step("microbench: syspath-calibrate (rep / non-temporal crossovers)",
                              5.0, "micro", lambda: self.calibrate(calibrate)))
        procs = cfg["processes"]
        steps += [Step("microbench: %s, %d repetitions, interleaved%s"
                       % (name, cfg["repetitions"], ", in %d processes" % procs if procs > 1 else ""),
                       est[part], "micro", lambda: self.bench(name, exe, cfg, []))]
        # glibc's memset with rep stosb forced: glibc reads GLIBC_TUNABLES only at
        # process start, so bench-helpers re-runs itself for these rows
        if part == "helpers" and "--libc-erms" in self._help(exe):
            steps.append(Step("microbench: bench-helpers --libc-erms (glibc memset, rep stosb "
                              "forced)", est["erms"], "micro",
                              lambda: self.bench(name + "-libc-erms", exe, cfg, ["--libc-erms"])))
        return steps

    def bench(self, label, exe, cfg, extra):
        """Run exe's repetitions in cfg["processes"] processes (the repetitions
        split as evenly as they go) and keep them as one document: the first
        process's context, every process's rows, each row tagged with its
        process (1, 2, ...)."""
        procs = max(1, min(cfg["processes"], cfg["repetitions"]))
        doc = None
        for k in range(procs):
            reps = cfg["repetitions"] // procs + (1 if k < cfg["repetitions"] % procs else 0)
            part = self._bench_process(label, exe, cfg, extra, reps, k + 1, procs)
            for b in part.get("benchmarks", []):
                b["syspath_process"] = k + 1
            if doc is None:
                doc = part
                doc.setdefault("context", {})["syspath_processes"] = procs
            else:
                doc["benchmarks"] += part.get("benchmarks", [])
            self.parts[label] = doc
            self.write()

    def _bench_process(self, label, exe, cfg, extra, reps, k, procs):
        argv = [exe] + cfg["extra"] + extra + [
            "--benchmark_repetitions=%d" % reps,
            "--benchmark_enable_random_interleaving=true",
            "--benchmark_min_time=%s" % cfg["min_time"],
            "--benchmark_format=json"]
        jpath = os.path.join(self.run.tmp, "%s.%d.json" % (label, k))
        with open(jpath, "wb") as out, self.run.logfile("microbench.log") as lf:
            lf.write("$ %s%s\n" % (" ".join(argv), "   # process %d of %d" % (k, procs) if procs > 1 else ""))
            lf.flush()
            env = None
            if self.helper_env and label.startswith("bench-helpers"):
                env = dict(os.environ, **self.helper_env)
                lf.write("  with %s\n" % " ".join("%s=%s" % kv for kv in sorted(self.helper_env.items())))
                lf.flush()
            rc, timed_out, _ru, _w = bench_proc.run_timed(argv, 900, stdout=out, stderr=lf, env=env)
        if rc != 0 or timed_out:
            raise RuntimeError("%s %s (see logs/microbench.log)"
                               % (label, "timed out" if timed_out else "exited %d" % rc))
        with open(jpath) as f:
            return json.load(f)

    def calibrate(self, exe):
        """syspath-calibrate -> calibrate.json, and its thresholds as bench-helpers' env."""
        path = os.path.join(self.run.out, "calibrate.json")
        # A full run measures up to 256 MiB: with 64 MiB the largest size, whether
        # non-temporal stores "win" hung on one noisy point (calibrate answered
        # "never" in some runs, and memset/auto then used rep stosb at 64 MiB).
        # 15 rounds, not 9: past the last-level cache one call is milliseconds
        # and this guest's memory speed moves between them; with 9, rep's win
        # at 64 MiB (1.5x) stayed inside the noise in one run of five.
        if self.run.args.quick:
            argv = [exe, "--budget", "2"]
        else:
            argv = [exe, "--budget", "12", "--rounds", "15", "--max-size", "256M"]
        with open(path + ".tmp", "wb") as out, self.run.logfile("microbench.log") as lf:
            lf.write("$ %s\n" % " ".join(argv))
            lf.flush()
            rc, timed_out, _ru, _w = bench_proc.run_timed(argv, 120, stdout=out, stderr=lf)
        if rc != 0 or timed_out:
            raise RuntimeError("syspath-calibrate %s (see logs/microbench.log)"
                               % ("timed out" if timed_out else "exited %d" % rc))
        os.replace(path + ".tmp", path)
        with open(path) as f:
            doc = json.load(f)
        # the variables exactly as `syspath-calibrate --env` prints them (its
        # JSON carries the same lines as "env"): no table of names here
        env = doc.get("env")
        if not isinstance(env, dict) or not env:
            self.run.note("microbench: calibrate.json has no \"env\": bench-helpers runs with "
                          "auto's built-in default thresholds")
            return
        self.helper_env = {str(k): str(v) for k, v in env.items()}

    def write(self):
        docs = list(self.parts.values())
        if not docs:
            return
        # one "context" as google-benchmark's tools expect it, and nothing lost:
        # the keys only a later binary has join it, and each binary's is kept whole
        merged = {"context": dict(docs[0].get("context", {})), "benchmarks": [],
                  "contexts": {name: d.get("context", {}) for name, d in self.parts.items()}}
        for d in docs[1:]:
            for k, v in d.get("context", {}).items():
                merged["context"].setdefault(k, v)
        merged["context"]["syspath_binaries"] = list(self.parts.keys())
        if any(k.startswith("bench-helpers") for k in self.parts):
            merged["method"] = {"version": METHOD_VERSION, "placement": METHOD_PLACEMENT,
                                "processes": self.cfg["helpers"]["processes"],
                                "mix": any("/mix/" in str(b.get("name", ""))
                                           for d in docs for b in d.get("benchmarks", []))}
        for d in docs:
            merged["benchmarks"] += d.get("benchmarks", [])
        path = os.path.join(self.run.out, "microbench.json")
        with open(path + ".tmp", "w") as f:
            # compact: with 9 repetitions of ~660 rows the file is ~3 MB even so
            json.dump(merged, f, separators=(",", ":"))
            f.write("\n")
        os.replace(path + ".tmp", path)

    # -- scripts/count --------------------------------------------------------

    def count_steps(self):
        script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "count")
        if not os.access(script, os.X_OK):
            self.run.note("counts: scripts/count not present: skipped")
            return []
        return [Step("counts: scripts/count (valgrind --tool=callgrind)", 60.0, "counts",
                     lambda: self.count(script))]

    def count(self, script):
        out = os.path.join(self.run.out, "counts.json")
        argv = [script, "--build-dir", self.run.build, "--out", out + ".tmp"]
        with self.run.logfile("counts.log") as lf:
            lf.write("$ %s\n" % " ".join(argv))
            lf.flush()
            rc, timed_out, _ru, _w = bench_proc.run_timed(argv, 900, stdout=lf)
        if rc != 0 or timed_out or not os.path.exists(out + ".tmp"):
            raise RuntimeError("scripts/count %s (see logs/counts.log)"
                               % ("timed out" if timed_out else "exited %d" % rc))
        os.replace(out + ".tmp", out)
        with open(out) as f:
            self.counts_method = counts_method(json.load(f))
