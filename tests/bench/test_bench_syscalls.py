#!/usr/bin/python3
"""bench-syscalls runs every row it registers, emits valid google-benchmark
JSON with the contract's names, and leaves out (with a reason) only what this
machine cannot run: int 0x80 without IA32 emulation, io_uring disabled, a
cross-CPU wake-up with one CPU (checked under taskset -c to one CPU too)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from microtest import binary, check_rows, fail, run, run_json  # noqa: E402
from sptest import Failure, backends  # noqa: E402

exe = binary("bench-syscalls")
try:
    # the struct sp_sys paths bench-syscalls measures: the registry's rows, as the server lists them
    paths = backends()
except Failure as e:
    fail(str(e))

expected = [f"syscall/{op}/{path}"
            for path in paths
            for op in ("getppid", "close_badfd", "write_devnull", "read_devzero",
                       "socket_close", "accept_eagain")]
expected += ["syscall/getppid/libc_syscall", "syscall/clock_gettime/vdso",
             "syscall/clock_gettime/raw", "syscall/nop/indirect", "syscall/wake_same_cpu/eventfd"]
uring = [f"uring/nop/batch{n}" for n in (1, 8, 32)]

doc, err = run_json([exe, "--benchmark_min_time=0.001"])
ctx = doc["context"]
for key in ("int80", "io_uring", "clocksource"):
    if key not in ctx:
        fail(f"context lacks {key!r}: {sorted(ctx)}")

optional = []
if ctx["int80"] == "available":
    optional.append("syscall/getppid/int80")
elif "skipping syscall/getppid/int80" not in err:
    fail(f"int80 is {ctx['int80']!r} but stderr does not say it was skipped:\n{err}")
if len(os.sched_getaffinity(0)) >= 2:
    optional.append("syscall/wake_other_cpu/eventfd")
elif "skipping syscall/wake_other_cpu/eventfd: one CPU only" not in err:
    fail(f"one CPU here but stderr does not say the cross-CPU wake-up was skipped:\n{err}")
if ctx["io_uring"] == "available":
    optional += uring
elif "skipping uring/nop/*" not in err:
    fail(f"io_uring is {ctx['io_uring']!r} but stderr does not say it was skipped:\n{err}")
rows = check_rows(doc, expected + optional)
extra = set(rows) - set(expected + optional)
if extra:
    fail(f"unexpected rows: {sorted(extra)}")
for n in (set(uring) & set(rows)):
    for b in rows[n]:
        if not b.get("items_per_second", 0) > 0:
            fail(f"{n} has no items_per_second (ns per NOP): {b}")
print(f"ok: {len(rows)} rows; int80 {ctx['int80']}; io_uring {ctx['io_uring']}")

# One CPU allowed (taskset): the cross-CPU wake-up is left out with a line, the same-CPU one runs.
one = sorted(os.sched_getaffinity(0))[0]
doc, err = run_json(["taskset", "-c", str(one), exe, "--benchmark_min_time=0.001",
                     "--benchmark_filter=^syscall/wake_"])
if "skipping syscall/wake_other_cpu/eventfd: one CPU only" not in err:
    fail(f"under taskset -c {one}: expected the cross-CPU wake-up skipped, stderr:\n{err}")
check_rows(doc, ["syscall/wake_same_cpu/eventfd"])
if any(b["name"].startswith("syscall/wake_other_cpu") for b in doc["benchmarks"]):
    fail("under taskset to one CPU, syscall/wake_other_cpu/eventfd still ran")

# Interleaved repetitions, as scripts/bench runs them: per-repetition rows and
# median aggregates for every name.
doc, _ = run_json([exe, "--benchmark_min_time=0.001", "--benchmark_repetitions=2",
                   "--benchmark_enable_random_interleaving=true",
                   "--benchmark_filter=^syscall/(getppid|close_badfd)/"])
names = [f"syscall/{op}/{p}" for op in ("getppid", "close_badfd") for p in paths]
rows = check_rows(doc, names)
for n in names:
    if len(rows[n]) != 2 or sorted(b.get("repetition_index") for b in rows[n]) != [0, 1]:
        fail(f"{n}: expected repetitions 0 and 1, got {rows[n]}")
    if not any(b.get("run_type") == "aggregate" and b.get("aggregate_name") == "median"
               and b.get("run_name") == n for b in doc["benchmarks"]):
        fail(f"{n}: no median aggregate")
print("ok: interleaved repetitions with aggregates")

# The CLI: --help says what the rows are and exits 0; a bad flag is one line, exit 2.
rc, out, _ = run([exe, "--help"])
if rc != 0 or "syscall/<op>/<path>" not in out or "--benchmark_filter" not in out:
    fail(f"--help exited {rc} or lacks the row list / google-benchmark flags:\n{out}")
rc, out, err = run([exe, "--no-such-flag"])
if rc != 2 or len(err.strip().splitlines()) != 1 or "--no-such-flag" not in err:
    fail(f"--no-such-flag: expected exit 2 and one line naming it, got {rc}: {err!r}")
print("ok: --help and a bad flag")
