"""scripts/lib/findings_figures.py — the figures scripts/findings reports, each read from one run.

A figure is (label, format, get): get(run) gives the run's value or None when the run lacks
it (an old folder, a CPU without the row), format says how to print it ("ns": a plain figure,
"count": an exact count, "x": a ratio, "ref": the reference row of a ratio column). Ratios are
made inside one run, from each row's median (runfolder.Row), before anything is pooled over
runs; scripts/findings does the pooling and the tables.

Which syscall paths and models there are is the runs' own rows (paths_of, models_of), never a
list kept here: a new path or model shows up in the tables with the first run that measures it.
fmt's orders only sort them (a name they do not know sorts last).
"""
import statistics

import fmt
import runfolder
import verdict


DECLARED = "libc"               # the path every other is set against (glibc's, every model has it)
LOAD_CPU = ("accept-cpu", "keepalive-cpu")
PEERS = ("nginx-deferred", "h2o", "lighttpd")
HELPER_SIZES = (64, 4096, 262144, 4194304)
HELPER_ROWS = [("memset", "rep_stosb"), ("memset", "auto"), ("memcpy", "rep_movsb"), ("memcpy", "auto"),
               ("strlen", "repne_scasb"), ("strlen", "avx2"), ("strlen", "avx512")]


def paths_of(runs):
    """The struct sp_sys paths the runs measured, in fmt.BACKEND_ORDER: the backend of their syspath
    load rows and the <path> of their syscall/close_badfd/<path> rows (bench-syscalls measures
    every op on each such path; the other ways in, libc_syscall, int80 and the vDSO, only one)."""
    seen = set()
    for run in runs:
        for name, r in run.rows.items():
            if r.section in LOAD_CPU and r.meta.get("server") == "syspath" and r.meta.get("backend"):
                seen.add(r.meta["backend"])
            elif name.startswith("syscall/close_badfd/"):
                seen.add(name.split("/", 2)[2])
    return sorted(seen, key=fmt.order_key(fmt.BACKEND_ORDER))


def models_of(runs):
    """The server models of the runs' syspath load rows, in fmt.MODEL_ORDER."""
    seen = {r.meta["model"] for run in runs for sec in LOAD_CPU for r in run.section(sec)
            if r.meta.get("server") == "syspath" and r.meta.get("model")}
    return sorted(seen, key=fmt.order_key(fmt.MODEL_ORDER))


def others(paths):
    """The paths set against DECLARED: every one but it."""
    return [p for p in paths if p != DECLARED]


def med(run, name):
    r = run.get(name)
    return r.median if r else None


def ratio(a, b):
    """a / b of two medians, or None."""
    return a / b if a is not None and b else None


def counter(run, kind, row, name):
    """A load counter's median (segments, ctx_switches, syscalls per connection or request)."""
    r = run.get("%s-cpu/%s" % (kind, row))
    c = runfolder.as_dict(r.meta.get("counters")).get(name) if r else None
    return c.median if c is not None else None


def _helper_x(ref_row, row):
    """A helper row's speed over glibc's: verdict.compare's ratio, so a row timed in one loop with
    glibc's (vs_libc) gives its paired ratio, as summary.md's tables do, not its median over
    glibc's row timed apart. None without both rows."""
    c = verdict.compare(ref_row, row, equivalence=False) if ref_row and row else None
    return c["r"] if c else None


def helper_ratio(run, fam, variant, size):
    """A helper's speed over glibc's at one size, aligned buffers (> 1: faster)."""
    series = runfolder.helper_series(run, fam)
    return _helper_x(series.get(("libc", False), {}).get(size), series.get((variant, False), {}).get(size))


def helper_lowest(run, fam, variant, highest=False):
    """The helper's lowest (or highest) speed ratio to glibc over every size and alignment both have."""
    series = runfolder.helper_series(run, fam)
    ratios = []
    for (v, mis), rows in series.items():
        if v == variant:
            ref = series.get(("libc", mis), {})
            ratios += [_helper_x(ref.get(s), rows[s]) for s in rows]
    ratios = [r for r in ratios if r is not None]
    return (max if highest else min)(ratios) if ratios else None


def server_x(run, kind, row):
    return runfolder.cpu_x_nginx(run, kind, row)


def cpu(run, kind, row):
    return med(run, "%s-cpu/%s" % (kind, row))


# A figure: (label, format, run -> value or None). Formats: "ns" (a plain figure), "x" (a ratio).

def syscall_figures(paths):
    g = "syscall/getppid/%s"
    c = "syscall/close_badfd/%s"
    figs = [("`getppid` via %s (ns)" % p, "ns", lambda r, p=p: med(r, g % p))
            for p in list(paths) + ["libc_syscall"]]
    figs += [("`close(-1)` via %s (ns)" % p, "ns", lambda r, p=p: med(r, c % p)) for p in paths]
    figs += [
        ("`clock_gettime` via the vDSO (ns)", "ns", lambda r: med(r, "syscall/clock_gettime/vdso")),
        ("`getppid` via `int 0x80` (ns)", "ns", lambda r: med(r, g % "int80")),
        ("a call through `struct sp_sys` (ns)", "ns", lambda r: med(r, "syscall/nop/indirect")),
        ("io_uring NOP alone (ns)", "ns", lambda r: med(r, "uring/nop/batch1")),
        ("io_uring NOP in batches of 8 (ns per op)", "ns", lambda r: med(r, "uring/nop/batch8")),
        ("eventfd round trip, partner on the same CPU (ns)", "ns",
         lambda r: med(r, "syscall/wake_same_cpu/eventfd")),
        ("eventfd round trip, partner on another CPU (ns)", "ns",
         lambda r: med(r, "syscall/wake_other_cpu/eventfd")),
    ]
    for p in others(paths):
        figs.append(("`getppid` %s ÷ libc" % p, "x", lambda r, p=p: ratio(med(r, g % p), med(r, g % DECLARED))))
        figs.append(("`close(-1)` %s ÷ libc" % p, "x", lambda r, p=p: ratio(med(r, c % p), med(r, c % DECLARED))))
    figs += [
        ("`int 0x80` ÷ `syscall` (getppid, libc)", "x", lambda r: ratio(med(r, g % "int80"), med(r, g % DECLARED))),
        ("vDSO `clock_gettime` ÷ `getppid` (libc)", "x",
         lambda r: ratio(med(r, "syscall/clock_gettime/vdso"), med(r, g % DECLARED))),
    ]
    for op in ("getppid", "close_badfd"):
        for p in paths:
            figs.append(("user-space instructions per `%s` via %s (callgrind)" % (
                "close(-1)" if op == "close_badfd" else op, p), "count",
                lambda r, op=op, p=p: med(r, "instr/syscall/%s/%s" % (op, p))))
    return figs


def server_figures(kind, models):
    unit = "µs per connection" if kind == "accept" else "µs per request"
    rows = ["nginx"] + ["%s/%s" % (DECLARED, m) for m in models]
    rows += (["asm-server"] if kind == "accept" else []) + [p for p in PEERS]
    out = []
    for row in rows:
        x = ("× nginx", "ref", None) if row == "nginx" else \
            ("× nginx", "x", lambda r, row=row: server_x(r, kind, row))
        out.append((row, [(unit, "ns", lambda r, row=row: cpu(r, kind, row)), x]))
    return out


def path_figures(kind, paths, models):
    return [(m, [("%s ÷ libc" % p, "x", lambda r, m=m, p=p: ratio(cpu(r, kind, "%s/%s" % (p, m)),
                                                                  cpu(r, kind, "%s/%s" % (DECLARED, m))))
                 for p in others(paths)]) for m in models]


def all_path_ratios(run):
    """Every other path ÷ libc server CPU ratio of a run, both load kinds, every model it has."""
    out = []
    for kind in ("accept", "keepalive"):
        for m in models_of([run]):
            for p in others(paths_of([run])):
                v = ratio(cpu(run, kind, "%s/%s" % (p, m)), cpu(run, kind, "%s/%s" % (DECLARED, m)))
                if v is not None:
                    out.append(v)
    return out


def uring_figures(paths):
    figs = []
    for kind, per in (("accept", "connection"), ("keepalive", "request")):
        for b in paths:
            figs.append(("%s: %s/uring ÷ %s/epoll, server CPU per %s" % (kind, b, b, per), "x",
                         lambda r, kind=kind, b=b: ratio(cpu(r, kind, b + "/uring"), cpu(r, kind, b + "/epoll"))))
        for c, words in (("syscalls", "syscalls"), ("segments", "TCP segments"), ("ctx_switches", "context switches")):
            for row in ("libc/epoll", "libc/uring", "nginx") + (("nginx-deferred",) if kind == "accept" else ()):
                figs.append(("%s: %s per %s, %s" % (kind, words, per, row), "ns",
                             lambda r, kind=kind, row=row, c=c: counter(r, kind, row, c)))
    return figs


def helper_figures():
    out = []
    for fam, v in HELPER_ROWS:
        cells = [(fmt.fmt_bytes(s), "x", lambda r, fam=fam, v=v, s=s: helper_ratio(r, fam, v, s))
                 for s in HELPER_SIZES]
        cells.append(("lowest, any size", "x", lambda r, fam=fam, v=v: helper_lowest(r, fam, v)))
        out.append(("%s/%s" % (fam, v), cells))
    return out


# per family on the size mixes: auto, and the tutorial's string instruction
MIX_VARIANTS = {"memset": ("auto", "rep_stosb"), "memcpy": ("auto", "rep_movsb")}


def helpers_version(run):
    """The run's helpers method version (microbench.json's "method"), or None."""
    return runfolder.as_dict(run.part_methods.get("helpers")).get("version")


def mix_ratio(run, fam, variant, dist):
    """A variant's time per call over glibc's on one size mix (< 1: faster): the median of its
    repetitions' paired ratios (vs_libc, one loop with glibc), else of the two rows' medians."""
    r = run.get("%s/%s/mix/%s" % (fam, variant, dist))
    if not r:
        return None
    paired = [v for v in r.meta.get("vs_libc") or [] if isinstance(v, (int, float))]
    if paired:
        return statistics.median(paired)
    return ratio(r.median, med(run, "%s/libc/mix/%s" % (fam, dist)))


def mix_figures(runs):
    """One group per family and distribution the runs' mix rows have."""
    seen = {(r.meta["family"], r.meta["dist"]) for run in runs for r in run.section("helpers-mix")
            if r.meta.get("family") in MIX_VARIANTS}
    order = fmt.order_key(fmt.FAMILY_ORDER)
    return [("%s, `%s`" % (fam, dist),
             [(label, "x", lambda r, fam=fam, v=v, dist=dist: mix_ratio(r, fam, v, dist))
              for label, v in zip(("auto", "rep string (rep_stosb, rep_movsb)"), MIX_VARIANTS[fam])])
            for fam, dist in sorted(seen, key=lambda fd: (order(fd[0]), fd[1]))]


def hyperfine_figures(paths):
    h, s = "hyperfine-hello/syspath-hello-%s", "hyperfine-serve/backend=%s"
    figs = [("hello world, %s ÷ dynamic glibc (process start)" % v, "x",
             lambda r, v=v: ratio(med(r, h % v), med(r, h % "glibc"))) for v in ("asm", "raw", "glibc-static")]
    figs += [("1000 sequential connections, %s ÷ libc" % b, "x",
              lambda r, b=b: ratio(med(r, s % b), med(r, s % DECLARED))) for b in others(paths) + ["freestanding"]]
    return figs


# How a run metered server CPU, by its load method version (run.json's, or what an older
# folder's rows say: runfolder.method), and where the load ran. Runs that differ in either are
# never pooled: the figures measure different things.
METER_WORDS = {0: "per-row meters (getrusage at exit, schedstat)", 1: "the server processes' CPU clock",
               2: "the server core's busy time"}
TOPOLOGY_WORDS = {"two-netns": "two namespaces", "loopback": "loopback", "remote": "a remote client"}
DEFAULT_TOPOLOGY = "two-netns"     # scripts/bench's default: each side's work on its own core


def load_method(run):
    """(version, topology) of the run's server CPU figures; None without load rows; a part of it
    the folder does not record is None."""
    if not any(run.section(s) for s in LOAD_CPU):
        return None
    m = runfolder.as_dict((runfolder.method(run) or {}).get("load"))
    return (m.get("version"), m.get("topology"))


def load_method_words(key):
    """'the server core's busy time, two namespaces' for a load_method key."""
    if key is None:
        return None
    version, topo = key
    return "%s, %s" % (METER_WORDS.get(version, "a meter not recorded"),
                       TOPOLOGY_WORDS.get(topo, topo or "topology not recorded"))


def pick_reference(runs):
    """The load method the machine's server figures pool on: the newest run's in the default
    topology, else the newest run's with load rows; None without any."""
    keys = [load_method(r) for r in runs]
    for want in (lambda k: k is not None and k[1] == DEFAULT_TOPOLOGY, lambda k: k is not None):
        hits = [k for k in keys if want(k)]
        if hits:
            return hits[-1]
    return None


def core_figure(run, kind, row, name):
    """A load row's figure (runfolder.FIGURES: e.g. server_tasks_us_per_conn): its median or None."""
    r = run.get("%s-cpu/%s" % (kind, row))
    v = runfolder.figure(r.meta, name) if r is not None else None
    return v.median if hasattr(v, "median") else None


def topology_figures(kind, models):
    """Each row's server core and server tasks, and each over nginx's, in one run: the columns of
    the loopback / two-namespace table (scripts/findings puts a topology's runs under each)."""
    per = "conn" if kind == "accept" else "req"
    rows = ["nginx"] + ["%s/%s" % (DECLARED, m) for m in models] + ["floor"]
    out = []
    for row in rows:
        cells = []
        for what, field in (("core", "server_core_us_per_" + per), ("tasks", "server_tasks_us_per_" + per)):
            get = (lambda r, row=row, field=field: core_figure(r, kind, row, field))
            cells.append(("%s µs" % what, "ns", get))
            cells.append(("%s × nginx" % what, "ref" if row == "nginx" else "x",
                          lambda r, get=get, field=field: ratio(get(r), core_figure(r, kind, "nginx", field))))
        out.append((row, cells))
    return out


def budget_figures(kind, models):
    """Where the server core's time goes, per row: the core, the server's tasks, the rest (kernel
    work the tasks' clock cannot see), how often the core was entered from outside (interrupts,
    NET_RX softirqs), the syscalls and segments per unit, and the ratio to nginx the row would
    read if its tasks cost nothing (its unseen time over nginx's core): a floor no user-space
    change can go below."""
    per = "conn" if kind == "accept" else "req"
    rows = ["floor", "nginx"] + ["%s/%s" % (DECLARED, m) for m in models]
    out = []
    for row in rows:
        f = (lambda name, row=row: (lambda r: core_figure(r, kind, row, name)))
        cells = [("core µs", "ns", f("server_core_us_per_" + per)),
                 ("tasks µs", "ns", f("server_tasks_us_per_" + per)),
                 ("unseen µs", "ns", f("server_unseen_us_per_" + per)),
                 ("interrupts", "ns", f("server_core_interrupts_per_" + per)),
                 ("NET_RX", "ns", f("server_core_net_rx_per_" + per)),
                 ("syscalls", "ns", lambda r, row=row: counter(r, kind, row, "syscalls")),
                 ("segments", "ns", lambda r, row=row: counter(r, kind, row, "segments")),
                 ("core busy %", "ns", f("server_core_busy_pct")),
                 ("unseen ÷ nginx core", "x",
                  lambda r, row=row: ratio(core_figure(r, kind, row, "server_unseen_us_per_" + per),
                                           core_figure(r, kind, "nginx", "server_core_us_per_" + per)))]
        out.append((row, cells))
    return out
