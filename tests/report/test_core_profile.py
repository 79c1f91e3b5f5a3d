#!/usr/bin/python3
"""Behaviour: scripts/bench --profile's sort of perf's samples (core_profile.py) and its table.

Each call chain lands in the kind it names: the IPI that RPS sends, wherever it ran; the receive
softirq's packet work; interrupt entry from idle (the wake-up) and into a running task; the
server's syscalls and its own code; other tasks as other; the idle loop's halt as not busy. The
shares add up to 1 and each kind's µs per connection is its samples' time over the burst's
connections. A row's server_core_profile shows in summary.md and report.md as "Where the server
core's time went", a row whose profile failed says why, and a folder without profiles has no
such section. Without perf on PATH, --profile's check says so in one line.
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import PY, SRC, check, mkrun, need, run, script, tmpdir  # noqa: E402

sys.path.insert(0, os.path.join(SRC, "scripts", "lib"))
import core_profile  # noqa: E402

K = "[kernel.kallsyms]"
SERVER = 4242


def sample(pid, *syms, dso=K):
    """One sample as perf script -F pid,ip,sym,dso prints it, leaf first."""
    lines = ["%7d " % pid] + ["\tffffffff8100%04x %s (%s)" % (i, s, dso) for i, s in enumerate(syms)]
    return "\n".join(lines)


IDLE = ("default_idle", "default_idle_call", "do_idle", "cpu_startup_entry")
CASES = [
    # (expected kind, pid, call chain leaf first[, dso of every frame])
    (None, 0, ("pvm_safe_halt_hc",) + IDLE),                       # halted: not busy
    ("irq_from_idle", 0, ("pvm_irq_enable", "handle_softirqs", "__irq_exit_rcu",
                          "sysvec_call_function_single", "asm_sysvec_call_function_single",
                          "pvm_safe_halt_hc") + IDLE),
    ("packets", 0, ("tcp_v4_rcv", "ip_rcv", "process_backlog", "net_rx_action", "handle_softirqs",
                    "__irq_exit_rcu", "sysvec_call_function_single",
                    "asm_sysvec_call_function_single") + IDLE),
    ("ipi_send", 0, ("pvm_write_msr", "x2apic_send_IPI", "generic_exec_single", "net_rps_send_ipi",
                     "net_rx_action", "handle_softirqs", "__irq_exit_rcu",
                     "sysvec_call_function_single") + IDLE),
    ("ipi_send", SERVER, ("x2apic_send_IPI", "net_rps_send_ipi", "net_rx_action", "handle_softirqs",
                          "do_softirq", "__local_bh_enable_ip", "tcp_sendmsg", "__sys_sendto",
                          "do_syscall_64", "entry_SYSCALL_64_after_hwframe")),
    ("irq_into_task", SERVER, ("pvm_irq_enable", "handle_softirqs", "__irq_exit_rcu",
                               "asm_common_interrupt", "main")),
    ("syscalls", SERVER, ("__fput", "__x64_sys_close", "do_syscall_64",
                          "entry_SYSCALL_64_after_hwframe")),
    ("user", SERVER, ("sp_http_parse", "main"), "/build/bin/syspath-server"),
    ("other", 777, ("memcpy", "main"), "/usr/lib/libc.so.6"),          # another task
    ("other", 778, ("worker_thread", "kthread", "ret_from_fork")),     # a kernel thread
    ("other", SERVER, ("handle_mm_fault", "exc_page_fault", "asm_exc_page_fault")),
]

# 1. each call chain, parsed from perf script's text, lands where it should
text = "\n\n".join(sample(pid, *syms, dso=rest[0] if rest else K) for _, pid, syms, *rest in CASES)
parsed = core_profile.parse_script(text + "\n")
check(len(parsed) == len(CASES), "parse_script: expected %d samples, got %d" % (len(CASES), len(parsed)))
for (want, pid, syms, *_), (got_pid, frames) in zip(CASES, parsed):
    check(got_pid == pid and [s for s, _ in frames] == list(syms),
          "parse_script: expected pid %d %s, got %d %s" % (pid, syms[:2], got_pid, frames[:2]))
    got = core_profile.classify(got_pid, frames, {SERVER})
    check(got == want, "classify %s (pid %d): expected %s, got %s" % (syms[:4], pid, want, got))

# 2. shares of the busy samples, and µs per unit from the sampling rate and the burst's units
s = core_profile.summarize(parsed, {SERVER}, hz=1000, units=2)
busy = len(CASES) - 1
check(s["samples"] == len(CASES) and s["busy_samples"] == busy,
      "summarize: expected %d samples, %d busy, got %s" % (len(CASES), busy, s))
check(abs(sum(s["share"].values()) - 1) < 1e-9, "summarize: shares add to %s" % sum(s["share"].values()))
check(set(s["share"]) == set(core_profile.KEYS), "summarize: kinds %s" % sorted(s["share"]))
# two IPI samples at 1000 Hz over 2 connections: 2 ms / 2 = 1000 µs each
check(abs(s["us_per_unit"]["ipi_send"] - 1000.0) < 1e-6 and abs(s["share"]["other"] - 3 / busy) < 1e-9,
      "summarize: expected ipi_send 1000 µs/unit and other 3/%d, got %s" % (busy, s))
check(core_profile.summarize([], {SERVER}, 1000, 1)["share"]["user"] is None,
      "summarize: no busy sample must give no share, not 0")

# 2b. no perf on PATH: one line naming the Debian package (scripts/bench notes it and goes on)
path = os.environ.get("PATH", "")
with tempfile.TemporaryDirectory() as empty:
    os.environ["PATH"] = empty
    try:
        why = core_profile.available()
    finally:
        os.environ["PATH"] = path
check(why == "perf not installed (Debian: linux-perf)", "available() without perf: got %r" % why)

# 3. the table in summary.md and report.md, and a row that says why it has none
need("matplotlib", "scipy", "numpy")
T = tmpdir()
R = mkrun(os.path.join(T, "run"), "--reps", "3", "--rounds", "1", "--hyperfine-runs", "10",
          "--drop", "microbench.json", "--drop", "counts.json", "--drop", "hyperfine-hello.json",
          "--drop", "hyperfine-serve.json")
SUMMARY = os.path.join(SRC, "scripts", "lib", "bench_summary.py")
run([PY, SUMMARY, R], expect_rc=0)
with open(os.path.join(R, "summary.md"), encoding="utf-8") as f:
    check("Where the server core's time went" not in f.read(),
          "summary.md: a folder without core profiles must have no profile section")

path = os.path.join(R, "accept.json")
with open(path, encoding="utf-8") as f:
    doc = json.load(f)
names = [r["name"] for r in doc["rows"]]
check("nginx" in names and len(names) >= 2, "fixture: expected nginx and another row, got %s" % names)
other = next(n for n in names if n != "nginx")
us = {"ipi_send": 37.1, "packets": 22.0, "irq_from_idle": 0.06, "irq_into_task": 42.4,
      "syscalls": 8.0, "user": 3.4, "other": 0.5}
tot = sum(us.values())
for r in doc["rows"]:
    if r["name"] == "nginx":
        r["server_core_profile"] = {"samples": 3000, "busy_samples": 2000, "hz": 999, "units": 17624,
                                    "share": {k: v / tot for k, v in us.items()}, "us_per_unit": us}
    elif r["name"] == other:
        r["server_core_profile_note"] = "perf not installed (Debian: linux-perf)"
doc["profile_note"] = core_profile.note()
with open(path, "w", encoding="utf-8") as f:
    json.dump(doc, f)
run([PY, SUMMARY, R], expect_rc=0)
with open(os.path.join(R, "summary.md"), encoding="utf-8") as f:
    summary = f.read()
report = run([script("report"), "--stdout", R], expect_rc=0)[1]
for name, md in (("summary.md", summary), ("report.md", report)):
    check("### Where the server core's time went (perf, round 1's profiled burst)" in md,
          "%s: no core profile section" % name)
    row = next((ln for ln in md.split("time went", 1)[-1].splitlines() if ln.startswith("| `nginx` |")), "")
    check(row.startswith("| `nginx` | 37.1 (33%) | 22.0 (19%) | 0.1 (0%) | 42.4 (37%) | 8.0 (7%) | 3.4 (3%) "
                         "| 0.5 (0%) | 113.5 |"), "%s: expected nginx's profile row, got %r" % (name, row))
    check("- No core profile for `%s`: perf not installed (Debian: linux-perf)." % other in md,
          "%s: expected the row without a profile to say why" % name)
print("ok")
