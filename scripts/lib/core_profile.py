"""scripts/lib/core_profile.py — where the server core's time went, by perf's samples.

The headline (the server core's busy time, /proc/stat) says how much of the
core a connection took, not what for. `scripts/bench --profile` adds, in
round 1 of each load row, one burst of wrk against the same server process
before its window (outside it, as the strace'd warm-up is), recorded by
`perf record -g -C <the server's CPUs>` with a software clock
(cpu-clock: no hardware counter is needed, so it works in a guest). Every
sample is sorted by its call chain into one of CATEGORIES, and the core's
busy samples (every sample but the idle loop's halt) give each category's
share and its microseconds per connection or request of the burst.

Why these categories: on a machine whose interrupts are dear (a guest whose
every interrupt and IPI goes through the hypervisor), a server's core time is
mostly the entering of the core, not the work done there: the wake-up of an
idle core by a packet's IPI, and the IPI that hands each of the server's
packets to the client's CPU (RPS). Those are told apart from the packet work
itself (net_rx_action), the server's syscalls and its own code.

The sort is by kernel function names that x86_64 Linux has had for years
(do_idle, net_rx_action, net_rps_send_ipi, asm_sysvec_* and
asm_common_interrupt, do_syscall_64); a name a kernel lacks only moves its
samples to "other". A sample that landed after the interrupt it waited for
(a guest delivers the sample's own interrupt when interrupts come back on)
counts where it landed: the interrupt entry it was part of.
"""
import os
import shutil
import subprocess

PROFILE_S = 2           # the profiled burst: wrk this long
PROFILE_HZ = 999        # samples a second on each profiled CPU
# perf's start and stop and the sort around the burst: round 1's runs took 3.8 s more than
# round 2's on the Zen 5 guest, the 0.45 s strace'd warm-up among them
OVERHEAD_S = 1.3

# (key, column title in summary.md, what it holds): the order a sample is tried in, first
# match wins
CATEGORIES = (
    ("ipi_send", "IPIs to the client's CPU",
     "handing packets to another CPU: the IPI that RPS sends (net_rps_send_ipi), wherever it ran"),
    ("packets", "packet work", "packet work: the receive softirq (net_rx_action), wherever it ran"),
    ("irq_from_idle", "entry from idle",
     "entering the core from idle: interrupt entry and exit, other softirq work among it, with "
     "the core idle before (the wake-up)"),
    ("irq_into_task", "entry into a task",
     "entering the core while a task ran: interrupt entry and exit, other softirq work among it"),
    ("syscalls", "syscalls",
     "the kernel in the server's tasks: syscalls, io_uring's task work among them (the IPIs and "
     "packet work they ran count above)"),
    ("user", "server code", "the server's own code"),
    ("other", "other", "everything else busy on the core: other tasks, kernel threads, page faults"),
)
KEYS = tuple(c[0] for c in CATEGORIES)
IRQ_ENTRY = ("asm_sysvec_", "asm_common_interrupt", "sysvec_", "common_interrupt")


def available():
    """None when perf can record here, else one line saying why (the fix included)."""
    if not shutil.which("perf"):
        return "perf not installed (Debian: linux-perf)"
    try:
        p = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-o", "/dev/null",
                            "--", "true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "perf record failed: %s" % e
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
        return "perf record cannot sample here: %s" % last.strip()
    return None


def parse_script(text):
    """perf script -F pid,ip,sym,dso output -> [(pid, [(sym, dso)] leaf first)]."""
    samples = []
    for block in text.split("\n\n"):
        lines = [ln.strip() for ln in block.strip().splitlines() if ln.strip()]
        if not lines:
            continue
        try:
            pid = int(lines[0].split()[0])
        except (ValueError, IndexError):
            continue
        frames = []
        for ln in lines[1:]:
            parts = ln.split(None, 1)
            rest = parts[1] if len(parts) > 1 else ""
            dso = ""
            if rest.endswith(")") and " (" in rest:
                rest, dso = rest.rsplit(" (", 1)
                dso = dso[:-1]
            frames.append((rest.split("+0x")[0].strip(), dso))
        samples.append((pid, frames))
    return samples


def classify(pid, frames, server_pids):
    """The category of one sample (a key of CATEGORIES), or None for the idle loop's own
    time (the core halted: not busy)."""
    syms = [s for s, _ in frames]
    has = lambda name: any(s == name for s in syms)          # noqa: E731
    irq = any(s.startswith(IRQ_ENTRY) for s in syms)
    idle = pid == 0 or has("do_idle")
    if has("net_rps_send_ipi"):
        return "ipi_send"
    if has("net_rx_action"):
        return "packets"
    if irq:
        return "irq_from_idle" if idle else "irq_into_task"
    if idle:
        return None
    if pid not in server_pids:
        return "other"
    if any(s.startswith(("do_syscall_64", "entry_SYSCALL")) for s in syms):
        return "syscalls"
    leaf_dso = frames[0][1] if frames else ""
    if frames and "kernel" not in leaf_dso and not leaf_dso.startswith("["):
        return "user"
    return "other"


def summarize(samples, server_pids, hz, units):
    """{"samples", "busy_samples", "hz", "units", "share" {key: of busy}, "us_per_unit"
    {key: busy seconds of that kind / units}} from parsed samples."""
    counts = {k: 0 for k in KEYS}
    for pid, frames in samples:
        k = classify(pid, frames, server_pids)
        if k is not None:
            counts[k] += 1
    busy = sum(counts.values())
    return {"samples": len(samples), "busy_samples": busy, "hz": hz, "units": units,
            "share": {k: (counts[k] / busy if busy else None) for k in KEYS},
            "us_per_unit": {k: (counts[k] * 1e6 / hz / units if units else None) for k in KEYS}}


def record(cpus, server_pids, wrk_argv, duration, tmp, tag, units_of):
    """perf record of cpus ("0" or "0,1") while wrk_argv runs (the burst), sorted:
    summarize()'s dict plus "wrk" (its output), or {"why": one line}. units_of(text): the
    burst's units (responses) from wrk's output, or None."""
    data = os.path.join(tmp, "perf-%s.data" % tag)
    argv = ["perf", "record", "-q", "-e", "cpu-clock", "-F", str(PROFILE_HZ), "-g",
            "-C", cpus, "-o", data, "--"] + list(wrk_argv)
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 30,
                           start_new_session=True)
    except subprocess.TimeoutExpired:
        return {"why": "perf record with wrk did not end within %d s" % (duration + 30)}
    except OSError as e:
        return {"why": "perf record failed: %s" % e}
    units = units_of(p.stdout)
    if p.returncode != 0 or not units:
        return {"why": "the profiled burst failed (perf record exit %d: %s)" % (
            p.returncode, (p.stderr.strip().splitlines() or ["no message"])[-1].strip())}
    try:
        s = subprocess.run(["perf", "script", "-i", data, "-F", "pid,ip,sym,dso"],
                           capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return {"why": "perf script failed: %s" % e}
    finally:
        try:
            os.unlink(data)
        except OSError:
            pass
    out = summarize(parse_script(s.stdout), set(server_pids), PROFILE_HZ, units)
    if not out["busy_samples"]:
        return {"why": "perf recorded no busy sample on CPU %s" % cpus}
    out["wrk"] = p.stdout
    return out


def note():
    """What a row's server_core_profile holds (for the part's JSON)."""
    return ("round 1 of each row: wrk for %d s against the same server process before the "
            "window (outside it), under perf record -g -e cpu-clock -F %d -C <server CPUs>; "
            "share: of the core's busy samples (all but the idle loop's halt); us_per_unit: "
            "those samples' time per connection or request of that burst. Categories, "
            "first match wins: %s" % (PROFILE_S, PROFILE_HZ,
                                     "; ".join("%s: %s" % (k, what) for k, _, what in CATEGORIES)))

