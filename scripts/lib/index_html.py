"""scripts/lib/index_html.py — results/index.html: every run folder on one static page.

scripts/index calls write(results_dir, runs). The page is one file: the data as
JSON in a <script type="application/json"> block, the CSS and the JavaScript of
scripts/lib/index_page/ inlined, no request to anything, so it opens from disk.
The charts are plain SVG drawn by that small script (docs/ARCHITECTURE.md says
why no chart library).

What the page holds, and where each part comes from:

  systems   one row per run folder: machine.json and run.json as they are, a
            field a folder lacks shown as "unknown"; links to its report.md,
            plots and JSON files
  matrix    FIGURES (below) as rows, one column per machine: the median over
            its runs' medians, their min-max, and with MIN_ROUNDS runs or more
            the bootstrap interval over runs (stats.bootstrap_ci)
  judged    for every reference the page offers (each machine; each run of a
            machine that has several) and every column: the ratio of medians
            and stats.judge's verdict, made here, so the browser only looks
            the colour up. Thresholds are never judged: they are "moved" or
            "same".
  charts    the null syscall per path, server CPU against nginx per server
            row, helper GB/s against size per variant: per machine, median
            over runs with the runs' min-max.

Statistics come from stats.py only; number formats from fmt.py; a run is read
through runfolder's public API (load's Run and Row, as_dict, as_list,
cpu_x_nginx, calibration, is_peer). The output has no time of generation:
the same folders give the same bytes.
"""
import html
import json
import os

import fmt
import runfolder
import stats

PAGE = "index.html"
ASSETS = os.path.join(os.path.dirname(os.path.realpath(__file__)), "index_page")
UNKNOWN = "unknown"
SERVER_ROW = "raw/epoll"   # the index's server row: present wherever epoll is

# The key figures, in the matrix's order: (key, label, unit, section for the margin, how to read it).
# how: ("row", row name) a Row's median and values; ("x_nginx", kind, row) runfolder.cpu_x_nginx with
# the per-round ratios as values (rows are interleaved per round, so round i of both ran together);
# ("threshold", family, "rep"|"nt") runfolder.calibration. One table, so a shared list of headline
# figures can replace it without touching the rest of this module.
FIGURES = [
    ("getppid/asm", "null syscall (getppid), asm", "ns", "syscalls", ("row", "syscall/getppid/asm")),
    ("getppid/raw", "null syscall (getppid), raw", "ns", "syscalls", ("row", "syscall/getppid/raw")),
    ("getppid/libc", "null syscall (getppid), libc", "ns", "syscalls", ("row", "syscall/getppid/libc")),
    ("vdso", "clock_gettime through the vDSO", "ns", "syscalls", ("row", "syscall/clock_gettime/vdso")),
    ("int80", "getppid through int 0x80", "ns", "syscalls", ("row", "syscall/getppid/int80")),
    ("uring8", "io_uring NOP, batch of 8", "ns/op", "syscalls", ("row", "uring/nop/batch8")),
    ("accept_x_nginx", "accept: %s CPU/conn × nginx" % SERVER_ROW, "×", "load", ("x_nginx", "accept", SERVER_ROW)),
    ("keepalive_x_nginx", "keep-alive: %s CPU/req × nginx" % SERVER_ROW, "×", "load",
     ("x_nginx", "keepalive", SERVER_ROW)),
    ("memset_rep", "memset: rep stosb from", "bytes", None, ("threshold", "memset", "rep")),
    ("memset_nt", "memset: non-temporal from", "bytes", None, ("threshold", "memset", "nt")),
    ("memcpy_rep", "memcpy: rep movsb from", "bytes", None, ("threshold", "memcpy", "rep")),
    ("memcpy_nt", "memcpy: non-temporal from", "bytes", None, ("threshold", "memcpy", "nt")),
]

HIGHER_IS_BETTER = ("GB/s", "conn/s", "req/s")   # a figure in another unit is a cost: lower is better
SYSCALL_CHART_OP = "getppid"
HELPER_DEFAULT = "memset/auto"
MITIGATIONS = ("meltdown", "spectre_v2", "retbleed")   # the ones that move a syscall's cost
SOFTWARE = ("benchmark", "wrk", "hyperfine", "valgrind", "nginx")


# -- small readers ----------------------------------------------------------------------------

def _text(v):
    return str(v) if v not in (None, "", [], {}) else UNKNOWN


def _num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v


def machine_key(run):
    """The machine a run belongs to: machine.json's slug, else the folder's parent."""
    slug = runfolder.as_dict(run.machine).get("slug")
    return str(slug) if slug else run.label.split("/")[0]


def _short_mitigation(text):
    if not isinstance(text, str) or not text.strip():
        return UNKNOWN
    first = text.strip().split(";")[0].strip()
    if first.lower().startswith("mitigation:"):
        return first.split(":", 1)[1].strip() or first
    return first


def _interval(row):
    """(lo, hi) of a Row's median, or None: Row.interval where it exists, else Row.ci."""
    iv = getattr(row, "interval", None)
    iv = iv() if callable(iv) else iv
    if iv is None:
        iv = getattr(row, "ci", None)
    if isinstance(iv, (list, tuple)) and len(iv) == 2 and all(_num(x) for x in iv):
        return [iv[0], iv[1]]
    return None


def _rel(path, base):
    return os.path.relpath(path, base).replace(os.sep, "/")


# -- the systems table ------------------------------------------------------------------------

def systems_row(run, results_dir):
    m = runfolder.as_dict(run.machine)
    cpu = runfolder.as_dict(m.get("cpu"))
    kern = runfolder.as_dict(m.get("kernel"))
    mit = runfolder.as_dict(m.get("mitigations"))
    sw = runfolder.as_dict(m.get("software"))
    sp = runfolder.as_dict(m.get("syspath"))
    flags = runfolder.as_dict(cpu.get("flags"))
    have = [f for f, on in flags.items() if on is True]
    caches = runfolder.as_dict(cpu.get("caches"))
    cache_text = ", ".join("%s %s" % (k.upper(), fmt.fmt_bytes(caches[k])) for k in ("l1d", "l2", "l3")
                           if _num(caches.get(k)) and caches[k] > 0)
    topo = []
    if cpu.get("cores"):
        topo.append("%s cores" % cpu["cores"] + ("/%s threads" % cpu["threads"]
                                                 if cpu.get("threads") and cpu.get("threads") != cpu.get("cores")
                                                 else ""))
    if cache_text:
        topo.append(cache_text)
    if _num(m.get("memory_bytes")):
        topo.append("%.0f GiB RAM" % (m["memory_bytes"] / 2 ** 30))
    info = runfolder.as_dict(run.info)
    methods = runfolder.method(run) or {}
    method_text = ", ".join("%s v%s" % (k, runfolder.as_dict(methods[k]).get("version", "?"))
                            for k in sorted(methods)) if methods else UNKNOWN
    tools = ", ".join("%s %s" % (k, sw[k]) for k in SOFTWARE if sw.get(k))
    commit = sp.get("commit")
    virt = m.get("virtualization")
    return {
        "run": run.label,
        "machine": machine_key(run),
        "cpu": _text(cpu.get("model_name")),
        "microarch": _text(cpu.get("microarch") if cpu.get("microarch") != "unknown" else None),
        "flags": " ".join(have) if have else UNKNOWN,
        "kernel": _text(kern.get("release")),
        "mitigations": "; ".join("%s: %s" % (k, _short_mitigation(mit.get(k))) for k in MITIGATIONS
                                 if k in mit) if mit else UNKNOWN,
        "virt": _text(virt if virt != "none" else "none (bare metal)"),
        "glibc": _text(sw.get("glibc")),
        "topology": "; ".join(topo) if topo else UNKNOWN,
        "methods": method_text,
        "tools": tools or UNKNOWN,
        "date": (run.date() or UNKNOWN).replace(" UTC", ""),
        "commit": (str(commit)[:10] + ("+dirty" if sp.get("dirty") else "")) if commit else UNKNOWN,
        "links": links(run, results_dir),
    }


def links(run, results_dir):
    """[(text, href)]: report.md (else summary.md), the plots (PNG), the JSON files."""
    try:
        names = sorted(os.listdir(run.path))
    except OSError:
        names = []
    out = [(n, _rel(os.path.join(run.path, n), results_dir)) for n in ("report.md", "summary.md") if n in names][:1]
    out += [(n[:-4], _rel(os.path.join(run.path, n), results_dir)) for n in names if n.endswith(".png")]
    out += [(n, _rel(os.path.join(run.path, n), results_dir)) for n in names if n.endswith(".json")]
    return out


# -- one figure of one run, and of one machine ------------------------------------------------

def run_figure(run, fig):
    """{"median", "values", "ci"} (a measured figure), {"bytes", "max"} (a threshold), or None."""
    how = fig[4]
    if how[0] == "row":
        row = run.get(how[1])
        if row is None or row.median is None:
            return None
        return {"median": row.median, "values": list(row.values), "ci": _interval(row)}
    if how[0] == "x_nginx":
        r = runfolder.cpu_x_nginx(run, how[1], how[2])
        if r is None:
            return None
        mine, ref = run.get("%s-cpu/%s" % (how[1], how[2])), run.get("%s-cpu/nginx" % how[1])
        vals = []
        if len(mine.values) == len(ref.values):
            vals = [a / b for a, b in zip(mine.values, ref.values) if b]
        ci = list(stats.bootstrap_ci(vals)) if len(vals) >= stats.MIN_ROUNDS else None
        return {"median": r, "values": vals, "ci": ci}
    if how[0] == "threshold":
        cal = runfolder.calibration(run).get(how[1])
        if not cal:
            return None
        return {"bytes": cal.get(how[2]), "max": cal.get("max")}
    return None


def threshold_text(t):
    if t is None:
        return UNKNOWN
    if t["bytes"] is None:
        return "none up to %s" % fmt.fmt_bytes(t["max"]) if t.get("max") else "none"
    return "≥ " + fmt.fmt_bytes(t["bytes"])


class Side:
    """One side of a comparison: a machine (its runs' figures) or one run. median: the figure
    shown (the median of the runs' medians); run_medians and rounds: what a verdict can compare."""

    def __init__(self, figs):
        self.figs = [f for f in figs if f is not None]
        self.n_runs = len(self.figs)

    @property
    def run_medians(self):
        return [f["median"] for f in self.figs]

    @property
    def rounds(self):
        return [v for f in self.figs for v in f["values"]]

    @property
    def median(self):
        return stats.median(self.run_medians) if self.figs else None


def machine_cell(side, threshold):
    """The matrix cell of one machine: {"text", "sub"}."""
    if not side.figs:
        return {"text": UNKNOWN, "sub": ""}
    if threshold:
        texts = sorted({threshold_text(f) for f in side.figs},
                       key=lambda t: min((f["bytes"] or 1 << 62) for f in side.figs if threshold_text(f) == t))
        if len(texts) == 1:
            return {"text": texts[0], "sub": "%d run%s" % (side.n_runs, "" if side.n_runs == 1 else "s")}
        return {"text": " … ".join([texts[0], texts[-1]]),
                "sub": "varies over %d runs: %s" % (side.n_runs, ", ".join(texts))}
    med = side.median
    if side.n_runs == 1:
        ci = side.figs[0]["ci"]
        sub = "1 run" + (", 95%% CI [%s, %s] over rounds" % (fmt.num(ci[0]), fmt.num(ci[1])) if ci else "")
    else:
        meds = side.run_medians
        sub = "%d runs, %s–%s" % (side.n_runs, fmt.num(min(meds)), fmt.num(max(meds)))
        if side.n_runs >= stats.MIN_ROUNDS:
            lo, hi = stats.bootstrap_ci(meds)
            sub += ", 95%% CI [%s, %s] over runs" % (fmt.num(lo), fmt.num(hi))
    return {"text": fmt.num(med), "sub": sub}


def run_cell(fig, threshold):
    """One run's figure as the matrix prints it when that run is the reference."""
    if fig is None:
        return UNKNOWN
    if threshold:
        return threshold_text(fig)
    ci = fig["ci"]
    return fmt.num(fig["median"]) + (" [%s, %s]" % (fmt.num(ci[0]), fmt.num(ci[1])) if ci else "")


# -- verdicts against every reference ---------------------------------------------------------

def _replicates(ref, col):
    """What a comparison tests: run medians when both sides have MIN_ROUNDS runs, else rounds."""
    if ref.n_runs >= stats.MIN_ROUNDS and col.n_runs >= stats.MIN_ROUNDS:
        return ref.run_medians, col.run_medians, "runs"
    return ref.rounds, col.rounds, "rounds"


def judge_reference(ref_sides, col_sides, ref_col):
    """For one reference: {fig key: [[ratio text, class, and for a tested cell the figures
    page.js words its tooltip from] per column]}.

    class: "ref" (the reference's own column), "better"/"worse" (stats.judge said different;
    stats.goodness read it), "same-ish" (not shown different: equivalent or undetermined, the
    page does not tell them apart), "untested" (too few values), "moved"/"same" (a threshold),
    "na" (either side lacks the figure). The p-values of one reference's cells are one family
    (stats.bh_adjust); an interval is only bootstrapped where the corrected p could make the
    cell different, since without p < ALPHA no interval can."""
    out, pending = {}, []
    for fig in FIGURES:
        key, section = fig[0], fig[3]
        ref = ref_sides[key]
        cells = []
        for ci, col in enumerate(col_sides[key]):
            if ci == ref_col:
                cells.append(["reference", "ref"])
                continue
            if not ref.figs or not col.figs:
                cells.append(["", "na"])
                continue
            if fig[4][0] == "threshold":
                a = sorted({threshold_text(f) for f in ref.figs})
                b = sorted({threshold_text(f) for f in col.figs})
                cells.append(["same", "same"] if a == b else ["moved", "moved"])
                continue
            if not ref.median:
                cells.append(["", "na"])
                continue
            ratio = col.median / ref.median
            a, b, basis = _replicates(ref, col)
            text = "%.2f×" % ratio
            if len(a) < stats.MIN_ROUNDS or len(b) < stats.MIN_ROUNDS:
                cells.append([text, "untested"])
                continue
            p = stats.mann_whitney_p(a, b, method=stats.u_method(a, b))
            cell = [text, None, basis]
            cells.append(cell)
            pending.append((cell, ratio, a, b, p, section, fig[2]))
        out[key] = cells
    qs = stats.bh_adjust([p[4] for p in pending])
    for (cell, ratio, a, b, _, section, unit), q in zip(pending, qs):
        basis = cell[2]
        if q is None:
            cell[1:] = ["untested"]
            continue
        # [ratio text, class, basis, q, lo, hi, values on each side, smallest p they allow]: page.js
        # words the title from these, so 20 machines' thousands of cells stay a small page
        tail = [_g(q), None, None, len(a), len(b), _g(stats.min_p(len(a), len(b)))]
        if q >= stats.ALPHA:
            cell[1:] = ["same-ish", basis] + tail
            continue
        _, lo, hi = stats.ratio_ci(a, b)
        word, direction = stats.judge(ratio, (lo, hi), None, q, stats.margin_for(section))
        good = stats.goodness(word, direction, unit in HIGHER_IS_BETTER)
        tail[1:3] = [_g(lo), _g(hi)]
        cell[1:] = [good or "same-ish", basis] + tail
    return out


def _g(v):
    """A number the page only words (3 significant digits), or None."""
    return float("%.3g" % v) if _num(v) else None


# -- the charts' data -------------------------------------------------------------------------

def _span(values):
    values = [v for v in values if _num(v)]
    if not values:
        return None
    return [stats.median(values), min(values), max(values)]


def chart_data(machines, by_machine):
    paths = set()
    servers = {"accept": {}, "keepalive": {}}   # label -> whether the row is a peer's
    helpers = {}
    for runs in by_machine.values():
        for run in runs:
            for r in run.section("syscalls"):
                if r.meta.get("op") == SYSCALL_CHART_OP:
                    paths.add(r.meta.get("path"))
            for kind in servers:
                for r in run.section(kind + "-cpu"):
                    label = r.meta.get("label")
                    if label and label != "nginx":
                        servers[kind][label] = bool(runfolder.is_peer(label, r.meta))
            for r in run.section("helpers"):
                if not r.meta.get("misaligned"):
                    helpers.setdefault("%s/%s" % (r.meta["family"], r.meta["variant"]), set()).add(r.meta["bytes"])
    paths = sorted(paths, key=fmt.order_key(fmt.PATH_ORDER))
    sys_ = {m: {p: _span([run.get("syscall/%s/%s" % (SYSCALL_CHART_OP, p)).median for run in by_machine[m]
                          if run.get("syscall/%s/%s" % (SYSCALL_CHART_OP, p))]) for p in paths} for m in machines}

    load = {}
    for kind, peer in servers.items():
        def server_key(label):
            b, _, mo = label.partition("/")
            return (peer[label], fmt.order_key(fmt.MODEL_ORDER)(mo), fmt.order_key(fmt.BACKEND_ORDER)(b), label)
        labels = sorted(peer, key=server_key)
        load[kind] = {"rows": labels, "peer": {lab: peer[lab] for lab in labels},
                      "data": {m: {lab: _span([runfolder.cpu_x_nginx(run, kind, lab) for run in by_machine[m]])
                                   for lab in labels} for m in machines}}
    fam_key = fmt.order_key(fmt.FAMILY_ORDER)
    var_key = fmt.order_key(fmt.VARIANT_ORDER)
    variants = sorted(helpers, key=lambda fv: (fam_key(fv.split("/")[0]), var_key(fv.split("/")[1])))
    helper = {}
    for fv in variants:
        fam, var = fv.split("/")
        sizes = sorted(helpers[fv])
        helper[fv] = {m: [[s] + (_span([run.get("%s/%s/%d" % (fam, var, s)).median for run in by_machine[m]
                                        if run.get("%s/%s/%d" % (fam, var, s))]) or [None] * 3)
                          for s in sizes] for m in machines}
        for m in machines:
            helper[fv][m] = [p for p in helper[fv][m] if p[1] is not None]
    default = HELPER_DEFAULT if HELPER_DEFAULT in helper else (variants[0] if variants else None)
    return {"syscall_paths": paths, "syscalls": sys_, "load": load, "helper_variants": variants,
            "helper_default": default, "helpers": helper}


# -- the whole page's data --------------------------------------------------------------------

def data(runs, results_dir):
    by_machine = {}
    for run in runs:
        by_machine.setdefault(machine_key(run), []).append(run)
    machines = sorted(by_machine)
    for m in machines:
        by_machine[m].sort(key=lambda r: r.label)
    per_run = {run.label: {f[0]: run_figure(run, f) for f in FIGURES} for run in runs}
    mach_sides = {f[0]: [Side([per_run[r.label][f[0]] for r in by_machine[m]]) for m in machines] for f in FIGURES}
    cells = {f[0]: [machine_cell(s, f[4][0] == "threshold") for s in mach_sides[f[0]]] for f in FIGURES}

    refs, judged, run_cells = [], {}, {}
    for mi, m in enumerate(machines):
        key = "m:" + m
        n = len(by_machine[m])
        refs.append({"key": key, "label": "%s (%d run%s)" % (m, n, "" if n == 1 else "s"), "machine": mi})
        judged[key] = judge_reference({k: v[mi] for k, v in mach_sides.items()}, mach_sides, mi)
        if n > 1:
            for run in by_machine[m]:
                rkey = "r:" + run.label
                refs.append({"key": rkey, "label": "run " + run.label, "machine": mi, "run": run.label})
                run_cells[run.label] = {f[0]: run_cell(per_run[run.label][f[0]], f[4][0] == "threshold")
                                        for f in FIGURES}
                judged[rkey] = judge_reference({f[0]: Side([per_run[run.label][f[0]]]) for f in FIGURES},
                                               mach_sides, -1)
    return {
        "machines": machines,
        "runs_per_machine": [len(by_machine[m]) for m in machines],
        "systems": [systems_row(run, results_dir) for m in machines for run in by_machine[m]],
        "figures": [{"key": f[0], "label": f[1], "unit": f[2], "threshold": f[4][0] == "threshold"}
                    for f in FIGURES],
        "cells": cells,
        "refs": refs,
        "run_cells": run_cells,
        "judged": judged,
        "charts": chart_data(machines, by_machine),
    }


# -- the HTML ---------------------------------------------------------------------------------

def _asset(name):
    with open(os.path.join(ASSETS, name), encoding="utf-8") as f:
        return f.read()


def _json(doc):
    def clean(v):
        if isinstance(v, float):
            return float("%.6g" % v) if v == v else None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v
    text = json.dumps(clean(doc), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("</", "<\\/")   # no </script> inside the data block


def page(runs, results_dir):
    doc = data(runs, results_dir)
    n_m, n_r = len(doc["machines"]), len(runs)
    title = "syspath results: %d machine%s, %d run%s" % (n_m, "" if n_m == 1 else "s", n_r, "" if n_r == 1 else "s")
    return (_asset("page.html")
            .replace("{{title}}", html.escape(title))
            .replace("{{css}}", _asset("page.css"))
            .replace("{{js}}", _asset("page.js"))
            .replace("{{data}}", _json(doc)))


def write(results_dir, runs, check=False):
    """Write results_dir/index.html when its text changes (with check, only say so).
    Returns the page's path when it was (or, with check, would be) rewritten, else None."""
    path = os.path.join(results_dir, PAGE)
    text = page(runs, results_dir)
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return None
    except OSError:
        pass
    if not check:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return path
