#!/usr/bin/python3
"""tests/report/mkrun.py — write a synthetic but realistic run folder, for the report tests.

The real run folders come from scripts/bench, which needs minutes of quiet
machine; the tests of scripts/plot, scripts/report and scripts/compare need
folders that are fast to make, deterministic, and shaped exactly like the
run-folder contract (docs/ARCHITECTURE.md, accept.json's schema,
google-benchmark's JSON with repetitions, hyperfine's --export-json).

  mkrun.py make OUT [--seed N] [--reps N] [--rounds N] [--machine zen3|spr]
                    [--drop FILE]... [--extra-keys] [--old] [--no-helpers]
                    [--runs N] [--drift F[,F...]]
      A full run folder: machine.json, microbench.json (helpers and syscalls,
      per-repetition rows plus median/mean/stddev/cv aggregates), counts.json,
      accept.json, keepalive.json, hyperfine-hello.json, hyperfine-serve.json,
      summary.md. The "true" figures are fixed functions of the machine (made
      to look like real runs' figures); --seed only changes the
      noise, so two seeds are two runs of the same machine.
      --drop FILE: leave that file out. --extra-keys: add keys no reader knows,
      at every level. --old: drop the optional keys an older bench did not
      write (name, ci95, flagged, server_cpu_us_rounds, note, the per-row counters, the
      instruments, warm-up text, peers beyond nginx, ...). --errored: a helper variant whose
      check failed and a load row whose every round failed. --no-helpers: microbench.json
      with the syscall rows alone (no memset, strlen, memcpy, htons): a small fixture.
      --runs N: OUT is a machine's folder (as results/<slug>/) of N run folders named by
      their time, an hour apart, seeds SEED .. SEED+N-1: N runs of one machine.
      --drift F[,F...]: each run's times and server CPU F times what they were, its rates
      1/F (one F for every run, or one per run; the counters are left as they are): the
      drift a whole run shares (another boot, a neighbour on the host) or, with the same
      F for every run, a real change.

  mkrun.py slow SRC DST --row NAME [--factor 1.10]
      Copy SRC to DST and make exactly one row FACTOR times slower: its times
      multiplied (rates divided) in every repetition/round and aggregate.
      NAME is a row name as scripts/compare prints it (syspath's row names:
      memset/rep_stosb/256, syscall/getppid/raw, accept/raw/epoll,
      accept-cpu/raw/epoll, keepalive/..., hyperfine-hello/<command>).
"""
import argparse
import json
import math
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "..", "scripts", "lib"))
import stats  # noqa: E402  (scripts/lib/stats.py: the same median and interval scripts/bench uses)

KiB, MiB = 1024, 1024 * 1024
SIZES = [1, 2, 4, 8, 16, 32, 64] + [256 * 4 ** i for i in range(10)]   # 1 B .. 64 MiB
MISALIGNED = [16, 256, 4096, 65536]

MACHINES = {
    "zen3": {
        "slug": "amd-epyc-7b13-zen3-2c-linux6.1",
        "cpu": {"model_name": "AMD EPYC 7B13", "vendor": "AuthenticAMD", "family": 25, "model": 1,
                "stepping": 0, "microarch": "zen3",
                "flags": {"erms": True, "fsrm": True, "avx2": True, "avx512f": False, "avx512bw": False},
                "cores": 2, "threads": 2, "caches": {"l1d": 32 * KiB, "l2": 512 * KiB, "l3": 32 * MiB}},
        "kernel": {"release": "6.1.0-27-cloud-amd64", "version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1"},
        "syscall_ns": 140.0, "mem_scale": 1.0,
    },
    "spr": {
        "slug": "intel-xeon-sapphirerapids-2c-linux6.18",
        "cpu": {"model_name": "Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz", "vendor": "GenuineIntel",
                "family": 6, "model": 143, "stepping": 8, "microarch": "sapphirerapids",
                "flags": {"erms": True, "fsrm": True, "avx2": True, "avx512f": True, "avx512bw": True},
                "cores": 2, "threads": 2, "caches": {"l1d": 48 * KiB, "l2": 2 * MiB, "l3": 105 * MiB}},
        "kernel": {"release": "6.18.0", "version": "#1 SMP PREEMPT_DYNAMIC"},
        "syscall_ns": 95.0, "mem_scale": 1.3,
    },
}

# memset/memcpy/strlen variants: (fixed cost ns, bandwidth factor per level L1/L2/L3/DRAM
# relative to the level's peak, cap in GB/s for byte-at-a-time code).
VARIANTS = {
    "memset": {
        "rep_stosb": (14.0, (0.55, 0.9, 1.0, 1.02), None),
        "loop": (1.0, (1, 1, 1, 1), 2.6),
        "word": (1.5, (1, 1, 1, 1), 19.0),
        "sse2": (1.6, (0.55, 0.7, 0.85, 0.95), None),
        "avx2": (1.3, (0.95, 0.95, 0.97, 0.97), None),
        "avx512": (1.3, (1.0, 0.98, 0.98, 0.98), None),
        "nt": (3.0, (0.3, 0.4, 0.6, 1.3), None),
        "auto": (1.3, (0.97, 0.97, 1.0, 1.25), None),
        "libc": (1.2, (1.0, 1.0, 1.0, 1.0), None),
        "libc_erms": (1.2, (1.0, 0.98, 1.01, 1.0), None),
    },
    "strlen": {
        "repne_scasb": (9.0, (1, 1, 1, 1), 1.4),
        "loop": (1.0, (1, 1, 1, 1), 2.4),
        "swar": (1.6, (1, 1, 1, 1), 9.0),
        "sse2": (1.5, (0.5, 0.55, 0.7, 0.9), None),
        "avx2": (1.3, (0.9, 0.92, 0.95, 0.98), None),
        "avx512": (1.4, (0.97, 0.97, 0.98, 0.99), None),
        "libc": (1.1, (1.0, 1.0, 1.0, 1.0), None),
    },
    "memcpy": {
        "rep_movsb": (12.0, (0.6, 0.95, 1.02, 1.03), None),
        "loop": (1.0, (1, 1, 1, 1), 2.2),
        "avx2": (1.4, (0.95, 0.95, 0.97, 0.98), None),
        "auto": (1.4, (0.97, 0.98, 1.02, 1.1), None),
        "libc": (1.3, (1.0, 1.0, 1.0, 1.0), None),
    },
}
PEAK_GBS = {"memset": (95, 70, 45, 22), "strlen": (110, 80, 50, 25), "memcpy": (60, 45, 28, 12)}
HTONS_NS = {"tutorial": 0.55, "rol": 0.32, "bswap": 0.31, "builtin": 0.07, "libc": 0.07}
# syscall cost relative to the machine's null syscall; path overheads in ns.
SYSCALL_OPS = {"getppid": 1.0, "close_badfd": 1.05, "write_devnull": 1.6, "read_devzero": 1.9,
               "socket_close": 24.0, "accept_eagain": 3.0}
PATH_NS = {"asm": 0.0, "raw": 0.4, "libc": 2.5}

AVX512_VARIANTS = {"avx512"}


def noisy(rng, value, cv, outlier=0.04):
    """A measured value: lognormal noise, now and then a slow outlier (a noisy neighbour)."""
    v = value * math.exp(rng.gauss(0.0, cv))
    if rng.random() < outlier:
        v *= 1.0 + rng.uniform(0.05, 0.25)
    return v


def level(size, caches):
    if size <= caches["l1d"]:
        return 0
    if size <= caches["l2"]:
        return 1
    if size <= caches["l3"]:
        return 2
    return 3


def helper_ns(family, variant, size, mach, misaligned):
    fixed, factors, cap = VARIANTS[family][variant]
    lv = level(size, mach["cpu"]["caches"])
    bw = PEAK_GBS[family][lv] * factors[lv] * mach["mem_scale"]
    if cap is not None:
        bw = min(bw, cap)
    ns = fixed + size / bw
    if misaligned:
        ns *= 1.08
    return ns


def gb_rows(name, reps, true_ns, rng, cv, family_index, bytes_=None, items=None):
    """google-benchmark rows for one benchmark: reps iterations + 4 aggregates."""
    rows, times = [], []
    for i in range(reps):
        t = noisy(rng, true_ns, cv)
        times.append(t)
        r = {"name": name, "family_index": family_index, "per_family_instance_index": 0,
             "run_name": name, "run_type": "iteration", "repetitions": reps, "repetition_index": i,
             "threads": 1, "iterations": max(1, int(2e8 / max(t, 0.05))) if t < 1e6 else 10,
             "real_time": t, "cpu_time": t * 1.001, "time_unit": "ns"}
        if bytes_ is not None:
            r["bytes_per_second"] = bytes_ / (t * 1e-9)
        if items is not None:
            r["items_per_second"] = items / (t * 1e-9)
        rows.append(r)
    mean = sum(times) / reps
    med = sorted(times)[reps // 2] if reps % 2 else sum(sorted(times)[reps // 2 - 1: reps // 2 + 1]) / 2
    sd = math.sqrt(sum((t - mean) ** 2 for t in times) / (reps - 1)) if reps > 1 else 0.0
    for agg, t, unit in (("mean", mean, "time"), ("median", med, "time"), ("stddev", sd, "time"),
                         ("cv", sd / mean if mean else 0.0, "percentage")):
        r = {"name": "%s_%s" % (name, agg), "family_index": family_index, "per_family_instance_index": 0,
             "run_name": name, "run_type": "aggregate", "repetitions": reps, "threads": 1,
             "aggregate_name": agg, "aggregate_unit": unit, "iterations": reps,
             "real_time": t, "cpu_time": t * 1.001, "time_unit": "ns"}
        if agg in ("mean", "median"):
            if bytes_ is not None:
                r["bytes_per_second"] = bytes_ / (t * 1e-9)
            if items is not None:
                r["items_per_second"] = items / (t * 1e-9)
        rows.append(r)
    return rows


def make_microbench(mach, reps, rng, helpers=True):
    has512 = mach["cpu"]["flags"]["avx512bw"]
    benches, fam_index = [], 0
    for family, variants in (VARIANTS if helpers else {}).items():
        for variant in variants:
            if variant in AVX512_VARIANTS and not has512:
                continue   # bench-helpers skips what the CPU lacks: the row is absent
            if variant == "libc_erms" and family != "memset":
                continue
            for size in SIZES:
                ns = helper_ns(family, variant, size, mach, False)
                benches += gb_rows("%s/%s/%d" % (family, variant, size), reps, ns, rng, 0.02,
                                   fam_index, bytes_=size)
                fam_index += 1
            for size in MISALIGNED:
                ns = helper_ns(family, variant, size, mach, True)
                benches += gb_rows("%s/%s/%d/misaligned" % (family, variant, size), reps, ns, rng,
                                   0.02, fam_index, bytes_=size)
                fam_index += 1
    for variant, ns in (HTONS_NS if helpers else {}).items():
        benches += gb_rows("htons/%s" % variant, reps, ns * 4096, rng, 0.02, fam_index, items=4096)
        fam_index += 1
    base = mach["syscall_ns"]
    for op, mult in SYSCALL_OPS.items():
        for path, extra in PATH_NS.items():
            benches += gb_rows("syscall/%s/%s" % (op, path), reps, base * mult + extra, rng, 0.015, fam_index)
            fam_index += 1
    for name, ns in (("syscall/getppid/libc_syscall", base + 4.0), ("syscall/getppid/int80", base * 1.6),
                     ("syscall/clock_gettime/vdso", 18.0), ("syscall/clock_gettime/raw", base * 1.1),
                     ("syscall/nop/indirect", 1.1)):
        benches += gb_rows(name, reps, ns, rng, 0.015, fam_index)
        fam_index += 1
    for batch in (1, 8, 32):
        per_op = base * 2.2 / batch + 25.0
        benches += gb_rows("uring/nop/batch%d" % batch, reps, per_op * batch, rng, 0.02, fam_index,
                           items=batch)
        fam_index += 1
    context = {"date": "2026-11-26T04:15:02+00:00", "host_name": "bench", "executable": "bin/bench-helpers",
               "num_cpus": mach["cpu"]["threads"], "mhz_per_cpu": 2450, "cpu_scaling_enabled": False,
               "caches": [{"type": "Data", "level": 1, "size": mach["cpu"]["caches"]["l1d"], "num_sharing": 1},
                          {"type": "Unified", "level": 2, "size": mach["cpu"]["caches"]["l2"], "num_sharing": 1},
                          {"type": "Unified", "level": 3, "size": mach["cpu"]["caches"]["l3"], "num_sharing": 2}],
               "load_avg": [0.4, 0.3, 0.2], "library_build_type": "release"}
    # as scripts/bench merges them: bench-syscalls' own keys join the first binary's context
    context.update({"clocksource": "kvm-clock", "int80": "available"})
    return {"context": context, "benchmarks": benches}


def make_counts(mach):
    rows = []
    for op in SYSCALL_OPS:
        for path, n in (("asm", 6.0), ("raw", 7.0), ("libc", 21.0)):
            rows.append({"name": "syscall/%s/%s" % (op, path), "instructions_per_call": n + (4 if op == "socket_close" else 0)})
    for family, variants in VARIANTS.items():
        for variant in variants:
            if variant in AVX512_VARIANTS and not mach["cpu"]["flags"]["avx512bw"]:
                continue
            if variant == "libc_erms" and family != "memset":
                continue
            for size in (16, 256, 4096, 65536):
                per_byte = {"loop": 3.0, "repne_scasb": 0.0, "rep_stosb": 0.0, "rep_movsb": 0.0,
                            "word": 0.4, "swar": 0.5}.get(variant, 0.1)
                rows.append({"name": "%s/%s/%d" % (family, variant, size),
                             "instructions_per_call": round(12 + per_byte * size, 1)})
    return {"tool": "callgrind", "iterations": 100000, "rows": rows,
            "skipped": [{"name": "syscall/getppid/int80", "reason": "valgrind cannot run int $0x80 from 64-bit code"}]}


LOAD_ROWS = [  # (server, backend, model, name, conn/s, µs/conn, req/s, µs/req)
    ("syspath", "asm", "iterative", "asm/iterative", 18500, 16.5, 21000, 11.0),
    ("syspath", "raw", "iterative", "raw/iterative", 18400, 16.6, 20900, 11.1),
    ("syspath", "libc", "iterative", "libc/iterative", 18000, 17.0, 20500, 11.4),
    ("syspath", "asm", "epoll", "asm/epoll", 19500, 14.2, 76000, 9.6),
    ("syspath", "raw", "epoll", "raw/epoll", 19400, 14.3, 75500, 9.7),
    ("syspath", "libc", "epoll", "libc/epoll", 19000, 14.8, 75000, 10.0),
    ("syspath", "asm", "uring", "asm/uring", 20500, 11.8, 78000, 7.4),
    ("syspath", "raw", "uring", "raw/uring", 20400, 11.9, 78000, 7.4),
    ("syspath", "libc", "uring", "libc/uring", 20300, 11.9, 77500, 7.5),
    ("syspath", "asm", "reuseport", "asm/reuseport", 19000, 15.5, 74000, 10.4),
    ("syspath", "raw", "reuseport", "raw/reuseport", 18900, 15.6, 74000, 10.5),
    ("syspath", "libc", "reuseport", "libc/reuseport", 18600, 16.1, 73500, 10.8),
    ("syspath-asm-server", None, None, "asm-server", 19800, 13.0, None, None),
    ("nginx", None, None, "nginx", 19000, 30.0, 75000, 12.0),
]
# peers beyond nginx, drawn from their own generator so the rows above keep their noise
PEER_ROWS = [
    ("nginx", None, None, "nginx-deferred", 19200, 21.0, None, None),
    ("h2o", None, None, "h2o", 18800, 29.0, 74000, 12.5),
]
# per-row counters: (segments, context switches, syscalls) per connection / request
COUNTERS = {"accept": {"syspath": (8.0, 0.04, 4.0), "syspath-asm-server": (8.0, 0.04, 4.0),
                       "nginx": (10.0, 0.38, 6.0), "h2o": (10.0, 0.5, 7.0)},
            "keepalive": {"syspath": (2.0, 0.02, 2.0), "nginx": (2.0, 0.007, 2.07), "h2o": (2.0, 0.01, 2.2)}}
CPU_SOURCE = ("process CPU clock (clock_gettime on clock_getcpuclockid: the kernel's sum_exec_runtime of every "
              "thread, exited ones included; ns), summed over 1 process (1 thread), window only")
TICKS_SOURCE = "/proc/PID/stat utime+stime (clock ticks of 10 ms), summed over 1 process (1 thread), window only"
WARMUP = "per run, against the same server process: syspath-client, 200 connections"


def add_counters(row, kind, rounds, crng):
    """The window's counters of one row, per round, as scripts/bench writes them."""
    per = "conn" if kind == "accept" else "req"
    segs, ctx, calls = COUNTERS[kind].get(row["server"], COUNTERS[kind]["syspath"])
    cpu = row["server_cpu_us_rounds"]
    series = {"segments": [noisy(crng, segs, 0.002, outlier=0.0) for _ in range(rounds)],
              "ctx_switches": [noisy(crng, ctx, 0.05, outlier=0.0) for _ in range(rounds)],
              "syscalls": [calls + 0.02],   # one traced burst per row
              "total_cpu_us": [c * 2.4 for c in cpu], "pair_cpu_us": [c * 1.9 for c in cpu]}
    for name, vals in series.items():
        field = "%s_per_%s" % (name, per)
        row[field] = stats.median(vals)
        row[field + "_rounds"] = vals
        row[field + "_ci95"] = list(stats.bootstrap_ci(vals)) if len(vals) >= 3 else None
    # nginx's figure comes from the tick fallback in this fixture, so the reader must name it
    row["server_cpu_source"] = TICKS_SOURCE if row["name"] == "h2o" else CPU_SOURCE
    row["server_user_share"] = 0.15
    row["server_user_share_source"] = ("/proc/PID/stat utime / (utime + stime) over the window, on a median "
                                       "of 9 clock ticks of 10 ms")
    if row["server"] == "syspath":
        row["rusage_vs_meter_pct"] = -0.4
    row["failed_rounds"] = 0


def make_load(kind, rounds, rng, draw_only=False):
    rows = []
    crng = random.Random("counters-%s-%d" % (kind, rounds))
    for server, backend, model, name, cps, cpu_c, rps, cpu_r in LOAD_ROWS + PEER_ROWS:
        if (server, name) in [(p[0], p[3]) for p in PEER_ROWS]:
            rng_used = crng
        else:
            rng_used = rng
        rate, cpu = (cps, cpu_c) if kind == "accept" else (rps, cpu_r)
        if rate is None:
            continue   # the freestanding server closes every connection: no keep-alive row
        conns = 1 if (kind == "keepalive" and model == "iterative") else 50
        vals = [noisy(rng_used, rate, 0.03, outlier=0.0) for _ in range(rounds)]
        cpus = [noisy(rng_used, cpu, 0.03, outlier=0.0) for _ in range(rounds)]
        if draw_only:
            continue   # a dropped file: its draws are made, so the files after it keep their noise
        errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0, "non2xx": 0}
        if kind == "accept" and name == "libc/reuseport":
            errors["read"] = 37   # one flagged row, so the plots and tables show the mark
        pct = min(99.0, rate * cpu / 1e4)
        client_pct = 99.0 if conns > 1 else 40.0
        rows.append({"server": server, "backend": backend, "model": model, "name": name,
                     "median": stats.median(vals), "ci95": list(stats.bootstrap_ci(vals)), "rounds": vals,
                     "errors": errors, "flagged": any(errors.values()),
                     ("server_cpu_us_per_conn" if kind == "accept" else "server_cpu_us_per_req"): stats.median(cpus),
                     "server_cpu_us_rounds": cpus, "server_cpu_ci95": list(stats.bootstrap_ci(cpus)),
                     "server_cpu_pct": round(pct, 1), "client_cpu_pct": client_pct,
                     "saturated": "client" if client_pct >= 85 else "neither",
                     "wrk_connections": conns,
                     "note": "wrk -c1: the iterative model serves one connection at a time" if conns == 1 else None})
        add_counters(rows[-1], kind, rounds, crng)
    per = "conn" if kind == "accept" else "req"
    return {"rows": rows, "unit": "conn/s" if kind == "accept" else "req/s",
            "skipped": [{"name": "asm/uring-sqpoll", "why": "not a model this fixture knows (an example skip)"}],
            "pinning": {"server_cpus": "0", "client_cpus": "1"},
            "wrk": {"threads": 1, "connections": 50, "duration_s": 5.0}, "rounds": rounds, "warmup_rounds": 0,
            "warmup": WARMUP, "netns": "own",
            "counters_note": {
                "window": "one measured window per round, after a warm-up against the same server process",
                "segments_per_" + per: "Tcp OutSegs delta of the server's network namespace: on loopback both "
                                       "sides' segments count (client's and server's)",
                "ctx_switches_per_" + per: "voluntary + involuntary context switches of the server's threads",
                "syscalls_per_" + per: "strace -c -f during round 1's warm-up: one value per row",
                "total_cpu_us_per_" + per: "/proc/stat busy time of both CPUs, clock ticks of 10 ms",
                "pair_cpu_us_per_" + per: "the server's CPU + wrk's own (getrusage)"}}


def add_errors(files):
    """An errored run: a helper variant whose result check failed, a load row whose every
    round failed (what scripts/bench writes for them)."""
    mb = files.get("microbench.json")
    if mb:
        mb["benchmarks"].append({"name": "memset/broken/256", "run_name": "memset/broken/256",
                                 "run_type": "iteration", "repetitions": 1, "repetition_index": 0,
                                 "threads": 1, "iterations": 0, "real_time": 0, "cpu_time": 0,
                                 "time_unit": "ns", "error_occurred": True,
                                 "error_message": "the variant did not fill the buffer / return dst"})
    acc = files.get("accept.json")
    if acc:
        acc["rows"].append({"server": "syspath", "backend": "raw", "model": "sqpoll", "name": "raw/sqpoll",
                            "median": None, "ci95": [None, None], "rounds": [], "flagged": True,
                            "errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0, "non2xx": 0},
                            "server_cpu_us_per_conn": None, "server_cpu_us_rounds": [],
                            "failed_rounds": acc["rounds"],
                            "note": "%d of %d rounds failed: server did not listen within 5 s"
                                    % (acc["rounds"], acc["rounds"])})


def _median(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def hyperfine_result(command, mean_s, runs, rng, params=None):
    times = [noisy(rng, mean_s, 0.06, outlier=0.05) for _ in range(runs)]
    mean = sum(times) / runs
    sd = math.sqrt(sum((t - mean) ** 2 for t in times) / (runs - 1))
    r = {"command": command, "mean": mean, "stddev": sd, "median": _median(times),
         "user": mean * 0.3, "system": mean * 0.6, "min": min(times), "max": max(times),
         "times": times, "exit_codes": [0] * runs}
    if params:
        r["parameters"] = params
    return r


def make_hyperfine(rng, runs):
    # scripts/bench names each command (hyperfine -n); one keeps its full path, as a bare
    # hyperfine run would, so both ways of naming are read
    bin_ = "/work/main/build/bin/"
    hello = {"results": [hyperfine_result("syspath-hello-asm", 0.00031, runs, rng),
                         hyperfine_result("syspath-hello-raw", 0.00033, runs, rng),
                         hyperfine_result("syspath-hello-glibc", 0.00082, runs, rng),
                         hyperfine_result(bin_ + "syspath-hello-glibc-static", 0.00040, runs, rng)]}
    serve = {"results": [hyperfine_result(b, m, max(10, runs // 10), rng, {"backend": b})
                         for b, m in (("asm", 0.031), ("raw", 0.031), ("libc", 0.032), ("freestanding", 0.029))]}
    return hello, serve


def make_machine(mach, seed):
    m = {"schema": 1, "slug": mach["slug"], "timestamp_utc": "2026-11-26T04:15:00Z",
         "cpu": json.loads(json.dumps(mach["cpu"])), "kernel": dict(mach["kernel"]),
         "mitigations": {"spectre_v1": "Mitigation: usercopy/swapgs barriers and __user pointer sanitization",
                         "spectre_v2": "Mitigation: Retpolines; IBPB: conditional; STIBP: disabled; RSB filling",
                         "meltdown": "Not affected", "retbleed": "Mitigation: untrained return thunk",
                         "spec_rstack_overflow": "Mitigation: Safe RET"},
         "governor": None, "virtualization": "kvm", "memory_bytes": 8 * 1024 ** 3, "io_uring": "enabled",
         "software": {"glibc": "2.36", "gcc": "12.2.0", "clang": "14.0.6", "nasm": "2.16.01",
                      "wrk": "4.1.0", "nginx": "1.22.1", "hyperfine": "1.15.0", "benchmark": "1.7.1",
                      "python": "3.11.2"},
         "syspath": {"commit": "%040x" % (0xabc123 + seed), "dirty": False}}
    return m


SUMMARY = """# syspath run (synthetic fixture)

Written by tests/report/mkrun.py, not by a benchmark.
"""


def add_extra_keys(doc):
    """Keys no reader knows, at every level: readers must ignore them."""
    if isinstance(doc, dict):
        for v in list(doc.values()):
            add_extra_keys(v)
        doc["x_future_field"] = {"added_by": "a newer scripts/bench", "n": 1}
    elif isinstance(doc, list):
        for v in doc:
            add_extra_keys(v)
    return doc


_OLD_ROW = ("name", "ci95", "flagged", "server_cpu_us_rounds", "note", "wrk_connections", "server_cpu_pct",
            "server_cpu_source", "server_user_share", "server_user_share_source", "rusage_vs_meter_pct",
            "failed_rounds")
OLD_DROPPED = {"accept.json": _OLD_ROW, "keepalive.json": _OLD_ROW}


def make_old(files):
    """What an older bench wrote: fewer keys in rows, a leaner machine.json."""
    for fname, keys in OLD_DROPPED.items():
        doc = files.get(fname)
        if doc:
            # an older bench had no peers beyond nginx and no counters
            doc["rows"] = [r for r in doc["rows"] if r["name"] not in [p[3] for p in PEER_ROWS]]
            for r in doc["rows"]:
                for k in keys:
                    r.pop(k, None)
                for k in [k for k in r if k.startswith(("segments_", "ctx_switches_", "syscalls_", "total_cpu_",
                                                        "pair_cpu_"))]:
                    r.pop(k)
            for k in ("unit", "rounds", "warmup_rounds", "warmup", "netns", "counters_note"):
                doc.pop(k, None)
    m = files.get("machine.json")
    if m:
        for k in ("software", "mitigations", "io_uring", "virtualization", "schema"):
            m.pop(k, None)
        m["cpu"].pop("caches", None)
        m["cpu"].pop("microarch", None)
    mb = files.get("microbench.json")
    if mb:   # google-benchmark before 1.5 had no run_name / aggregate_unit
        for k in ("clocksource", "int80"):   # and an older bench kept the first binary's context only
            mb["context"].pop(k, None)
        for b in mb["benchmarks"]:
            b.pop("run_name", None)
            b.pop("aggregate_unit", None)
            b.pop("family_index", None)
            b.pop("per_family_instance_index", None)


def drift(files, factor):
    """Every row of a run's files factor times slower: the whole run drifted."""
    for fname, doc in files.items():
        if fname == "microbench.json":
            _slow_bench(doc, None, factor)
        elif fname in ("accept.json", "keepalive.json"):
            _slow_load(doc, None, True, factor)
            _slow_load(doc, None, False, factor)
        elif fname.startswith("hyperfine-"):
            _slow_hyperfine(doc, None, factor)


def cmd_make(a):
    factors = [float(f) for f in a.drift.split(",")] if a.drift else [1.0]
    if a.runs is None:
        if len(factors) != 1:
            sys.exit("mkrun: --drift with one factor a run: %d factors, one run" % len(factors))
        return make_one(a, a.out, a.seed, factors[0], 0)
    if len(factors) not in (1, a.runs):
        sys.exit("mkrun: --drift: one factor, or one for each of the %d runs" % a.runs)
    for i in range(a.runs):
        make_one(a, os.path.join(a.out, "2026-11-26T%02d1500Z" % (4 + i)), a.seed + i,
                 factors[i] if len(factors) > 1 else factors[0], i)


def make_one(a, out, seed, factor, hour):
    mach = MACHINES[a.machine]
    rng = random.Random(seed)
    files = {"machine.json": make_machine(mach, seed),
             "microbench.json": make_microbench(mach, a.reps, rng, helpers=not a.no_helpers),
             "counts.json": make_counts(mach),
             "accept.json": make_load("accept", a.rounds, rng, "accept.json" in a.drop),
             "keepalive.json": make_load("keepalive", a.rounds, rng, "keepalive.json" in a.drop)}
    files["hyperfine-hello.json"], files["hyperfine-serve.json"] = make_hyperfine(rng, a.hyperfine_runs)
    files["machine.json"]["timestamp_utc"] = "2026-11-26T%02d:15:00Z" % (4 + hour)
    if factor != 1.0:
        drift(files, factor)
    if a.errored:
        add_errors(files)
    if a.old:
        make_old(files)
    if a.extra_keys:
        for doc in files.values():
            add_extra_keys(doc)
    for d in a.drop:
        if d not in files and d != "summary.md":
            sys.exit("mkrun: --drop %s: not a file this fixture writes" % d)
        files.pop(d, None)
    os.makedirs(out, exist_ok=True)
    for fname, doc in files.items():
        with open(os.path.join(out, fname), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    if "summary.md" not in a.drop:
        with open(os.path.join(out, "summary.md"), "w") as f:
            f.write(SUMMARY)


def _slow_bench(doc, row, factor):
    """Row row (None: every row) factor times slower."""
    hit = False
    for b in doc.get("benchmarks", []):
        if row is not None and b.get("run_name", b.get("name")) != row and b.get("name") != row:
            continue
        hit = True
        if b.get("aggregate_name") == "cv":
            continue   # a relative spread does not change when every value is scaled
        for k in ("real_time", "cpu_time"):
            b[k] *= factor
        for k in ("bytes_per_second", "items_per_second"):
            if k in b:
                b[k] /= factor
    return hit


def _slow_load(doc, name, cpu, factor):
    """Row name's CPU (cpu) or rate factor times slower; name None: every row's."""
    for r in doc.get("rows", []):
        if name is not None and r.get("name") != name:
            continue
        if r.get("median") is None:
            continue   # a row whose every round failed has nothing to slow
        if cpu:   # a CPU cost grows with the slowdown
            key = "server_cpu_us_per_conn" if "server_cpu_us_per_conn" in r else "server_cpu_us_per_req"
            r[key] *= factor
            r["server_cpu_us_rounds"] = [v * factor for v in r["server_cpu_us_rounds"]]
        else:     # a rate shrinks
            r["median"] /= factor
            r["ci95"] = [v / factor for v in r["ci95"]]
            r["rounds"] = [v / factor for v in r["rounds"]]
        if name is not None:
            return True
    return name is None


def _slow_hyperfine(doc, short, factor):
    """Command short (None: every command) factor times slower."""
    hit = False
    for r in doc.get("results", []):
        params = r.get("parameters") or {}
        name = ",".join("%s=%s" % (k, params[k]) for k in sorted(params)) if params else \
            os.path.basename(r["command"].split()[0])
        if short is not None and name != short:
            continue
        hit = True
        for k in ("mean", "stddev", "median", "user", "system", "min", "max"):
            r[k] *= factor
        r["times"] = [t * factor for t in r["times"]]
    return hit


def cmd_slow(a):
    if os.path.exists(a.dst):
        shutil.rmtree(a.dst)
    shutil.copytree(a.src, a.dst)
    row, hit = a.row, False
    section, _, rest = row.partition("/")
    if section in ("accept", "accept-cpu", "keepalive", "keepalive-cpu"):
        fname = section.replace("-cpu", "") + ".json"
        path = os.path.join(a.dst, fname)
        doc = json.load(open(path))
        hit = _slow_load(doc, rest, section.endswith("-cpu"), a.factor)
    elif section.startswith("hyperfine-"):
        path = os.path.join(a.dst, section + ".json")
        doc = json.load(open(path))
        hit = _slow_hyperfine(doc, rest, a.factor)
    else:
        path = os.path.join(a.dst, "microbench.json")
        doc = json.load(open(path))
        hit = _slow_bench(doc, row, a.factor)
    if not hit:
        sys.exit("mkrun: no row %s in %s" % (row, path))
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)


def main(argv=None):
    p = argparse.ArgumentParser(description="Write a synthetic syspath run folder (test fixture).")
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make", help="write a full run folder")
    m.add_argument("out")
    m.add_argument("--seed", type=int, default=1)
    m.add_argument("--reps", type=int, default=10, help="google-benchmark repetitions (default 10)")
    m.add_argument("--rounds", type=int, default=10, help="accept/keepalive rounds (default 10)")
    m.add_argument("--hyperfine-runs", type=int, default=100)
    m.add_argument("--machine", choices=sorted(MACHINES), default="zen3")
    m.add_argument("--drop", action="append", default=[], metavar="FILE")
    m.add_argument("--extra-keys", action="store_true")
    m.add_argument("--old", action="store_true")
    m.add_argument("--errored", action="store_true")
    m.add_argument("--no-helpers", action="store_true", help="microbench.json: the syscall rows alone")
    m.add_argument("--runs", type=int, help="OUT is a machine's folder of this many runs")
    m.add_argument("--drift", help="F or F1,F2,...: each run F times slower (rates 1/F)")
    s = sub.add_parser("slow", help="copy a run folder, one row FACTOR times slower")
    s.add_argument("src")
    s.add_argument("dst")
    s.add_argument("--row", required=True)
    s.add_argument("--factor", type=float, default=1.10)
    a = p.parse_args(argv)
    (cmd_make if a.cmd == "make" else cmd_slow)(a)


if __name__ == "__main__":
    main()
