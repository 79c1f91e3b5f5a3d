"""scripts/lib/index_matrix.py — results/index.html's key figures: FIGURES as rows, one column
per machine, and the verdicts against every reference the page offers.

  FIGURES                   the key figures, in the matrix's order
  run_figure(run, fig)      one figure of one run: its median, values and interval, or a
                            calibrated threshold
  Side(figs)                a machine (its runs' figures) or one run: what a cell shows and a
                            verdict compares
  machine_cell, run_cell    the matrix cell of a machine; one run's, when it is the reference
  judge_reference(...)      for one reference, every column: the ratio of medians and
                            stats.judge's verdict, made here so the browser only looks the colour
                            up. Thresholds are never judged: they are "moved" or "same"

Statistics come from stats.py only; number formats from fmt.py.
"""
import fmt
import runfolder
import stats
from index_systems import UNKNOWN, is_number

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


def _interval(row):
    """(lo, hi) of a Row's median, or None: Row.interval where it exists, else Row.ci."""
    iv = getattr(row, "interval", None)
    iv = iv() if callable(iv) else iv
    if iv is None:
        iv = getattr(row, "ci", None)
    if isinstance(iv, (list, tuple)) and len(iv) == 2 and all(is_number(x) for x in iv):
        return [iv[0], iv[1]]
    return None


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
    return float("%.3g" % v) if is_number(v) else None
