"""scripts/lib/findings_figures.py — the figures scripts/findings reports, each read from one run.

A figure is (label, format, get): get(run) gives the run's value or None when the run lacks
it (an old folder, a CPU without the row), format says how to print it ("ns": a plain figure,
"count": an exact count, "x": a ratio, "ref": the reference row of a ratio column). Ratios are
made inside one run, from each row's median (runfolder.Row), before anything is pooled over
runs; scripts/findings does the pooling and the tables.
"""
import fmt
import runfolder


MODELS = fmt.MODEL_ORDER
PATHS = ("asm", "raw")          # each set against DECLARED, the path every model has
DECLARED = "libc"
PEERS = ("nginx-deferred", "h2o", "lighttpd")
HELPER_SIZES = (64, 4096, 262144, 4194304)
HELPER_ROWS = [("memset", "rep_stosb"), ("memset", "auto"), ("memcpy", "rep_movsb"), ("memcpy", "auto"),
               ("strlen", "repne_scasb"), ("strlen", "avx2"), ("strlen", "avx512")]


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


def helper_ratio(run, fam, variant, size):
    """A helper's speed over glibc's at one size, aligned buffers (> 1: faster)."""
    return ratio(med(run, "%s/%s/%d" % (fam, variant, size)), med(run, "%s/libc/%d" % (fam, size)))


def helper_lowest(run, fam, variant, highest=False):
    """The helper's lowest (or highest) speed ratio to glibc over every size and alignment both have."""
    series = runfolder.helper_series(run, fam)
    ratios = []
    for (v, mis), rows in series.items():
        if v != variant:
            continue
        ref = series.get(("libc", mis), {})
        ratios += [ratio(rows[s].median, ref[s].median) for s in rows if s in ref]
    ratios = [r for r in ratios if r is not None]
    return (max if highest else min)(ratios) if ratios else None


def server_x(run, kind, row):
    return runfolder.cpu_x_nginx(run, kind, row)


def cpu(run, kind, row):
    return med(run, "%s-cpu/%s" % (kind, row))


# A figure: (label, format, run -> value or None). Formats: "ns" (a plain figure), "x" (a ratio).

def syscall_figures():
    g = "syscall/getppid/%s"
    c = "syscall/close_badfd/%s"
    figs = [("`getppid` via %s (ns)" % p, "ns", lambda r, p=p: med(r, g % p))
            for p in ("asm", "raw", "libc", "libc_syscall")]
    figs += [("`close(-1)` via %s (ns)" % p, "ns", lambda r, p=p: med(r, c % p)) for p in ("asm", "raw", "libc")]
    figs += [
        ("`clock_gettime` via the vDSO (ns)", "ns", lambda r: med(r, "syscall/clock_gettime/vdso")),
        ("`getppid` via `int 0x80` (ns)", "ns", lambda r: med(r, g % "int80")),
        ("a call through `struct sp_sys` (ns)", "ns", lambda r: med(r, "syscall/nop/indirect")),
        ("io_uring NOP alone (ns)", "ns", lambda r: med(r, "uring/nop/batch1")),
        ("io_uring NOP in batches of 8 (ns per op)", "ns", lambda r: med(r, "uring/nop/batch8")),
    ]
    for p in PATHS:
        figs.append(("`getppid` %s ÷ libc" % p, "x", lambda r, p=p: ratio(med(r, g % p), med(r, g % DECLARED))))
        figs.append(("`close(-1)` %s ÷ libc" % p, "x", lambda r, p=p: ratio(med(r, c % p), med(r, c % DECLARED))))
    figs += [
        ("`int 0x80` ÷ `syscall` (getppid, libc)", "x", lambda r: ratio(med(r, g % "int80"), med(r, g % DECLARED))),
        ("vDSO `clock_gettime` ÷ `getppid` (libc)", "x",
         lambda r: ratio(med(r, "syscall/clock_gettime/vdso"), med(r, g % DECLARED))),
    ]
    for op in ("getppid", "close_badfd"):
        for p in ("asm", "raw", "libc"):
            figs.append(("user-space instructions per `%s` via %s (callgrind)" % (
                "close(-1)" if op == "close_badfd" else op, p), "count",
                lambda r, op=op, p=p: med(r, "instr/syscall/%s/%s" % (op, p))))
    return figs


def server_figures(kind):
    unit = "µs per connection" if kind == "accept" else "µs per request"
    rows = ["nginx"] + ["%s/%s" % (DECLARED, m) for m in MODELS]
    rows += (["asm-server"] if kind == "accept" else []) + [p for p in PEERS]
    out = []
    for row in rows:
        x = ("× nginx", "ref", None) if row == "nginx" else \
            ("× nginx", "x", lambda r, row=row: server_x(r, kind, row))
        out.append((row, [(unit, "ns", lambda r, row=row: cpu(r, kind, row)), x]))
    return out


def path_figures(kind):
    return [(m, [("%s ÷ libc" % p, "x", lambda r, m=m, p=p: ratio(cpu(r, kind, "%s/%s" % (p, m)),
                                                                  cpu(r, kind, "%s/%s" % (DECLARED, m))))
                 for p in PATHS]) for m in MODELS]


def all_path_ratios(run):
    """Every asm or raw ÷ libc server CPU ratio of a run, both load kinds, every model."""
    out = []
    for kind in ("accept", "keepalive"):
        for m in MODELS:
            for p in PATHS:
                v = ratio(cpu(run, kind, "%s/%s" % (p, m)), cpu(run, kind, "%s/%s" % (DECLARED, m)))
                if v is not None:
                    out.append(v)
    return out


def uring_figures():
    figs = []
    for kind, per in (("accept", "connection"), ("keepalive", "request")):
        for b in ("asm", "raw", "libc"):
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


def hyperfine_figures():
    h, s = "hyperfine-hello/syspath-hello-%s", "hyperfine-serve/backend=%s"
    figs = [("hello world, %s ÷ dynamic glibc (process start)" % v, "x",
             lambda r, v=v: ratio(med(r, h % v), med(r, h % "glibc"))) for v in ("asm", "raw", "glibc-static")]
    figs += [("1000 sequential connections, %s ÷ libc" % b, "x",
              lambda r, b=b: ratio(med(r, s % b), med(r, s % DECLARED))) for b in ("asm", "raw", "freestanding")]
    return figs


def meter(run):
    """How the run metered server CPU: the instruments its load rows name (the text before any
    parenthesis), sorted; () without load rows. Runs metered otherwise are not pooled."""
    seen = set()
    for section in ("accept-cpu", "keepalive-cpu"):
        for r in run.section(section):
            src = r.meta.get("server_cpu_source")
            if isinstance(src, str) and src.strip():
                seen.add(src.split("(")[0].strip())
    return tuple(sorted(seen))
