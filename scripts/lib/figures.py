"""scripts/lib/figures.py — the headline figures, defined once.

A headline figure is one number that says most about a run and that a reader
sets side by side across runs and machines: what a null syscall costs per
path, where the string instructions take over, what the server costs against
nginx. scripts/index puts them in its tables, scripts/compare opens its matrix
with them and draws them as a heat map, scripts/plot names them on its plots.
Adding one is one Figure in FIGURES.

Each figure says how to read it from a run folder (through runfolder.py only)
and of which kind it is, since the kind decides what a comparison may say:

  measured   a row's median: compared with its interval and test (better, worse, ...)
  threshold  a size where one method takes over from another (calibrated, or
             where a rep-string variant catches glibc): it can move, but a moved
             threshold is neither better nor worse
  ratio      derived from two rows of one run (server CPU over nginx's): shown,
             never tested on its own
"""
import fmt
import json

import runfolder

MEASURED, THRESHOLD, RATIO = "measured", "threshold", "ratio"
SERVER_ROW = "raw/epoll"   # present wherever epoll is: the same row on every machine


class Figure:
    """label: what tables and plots call it; unit: 'ns', 'bytes', '×', ...; row: the row it is
    the median of (None for a derived figure); index: whether scripts/index shows it."""

    __slots__ = ("key", "label", "unit", "higher_is_better", "kind", "row", "index", "_read", "_none_text")

    def __init__(self, key, label, unit, kind, read, row=None, higher_is_better=False, index=True,
                 none_text=None):
        self.key, self.label, self.unit, self.kind, self.row = key, label, unit, kind, row
        self.higher_is_better, self.index = higher_is_better, index
        self._read, self._none_text = read, none_text

    def value(self, run):
        """The figure in this run (a number), or None when the run lacks it."""
        return self._read(run)

    def text(self, run):
        """The figure as a table cell: 'n/a' when the run lacks it."""
        v = self.value(run)
        if v is None:
            return (self._none_text(run) if self._none_text else None) or "n/a"
        return value_text(v, self.unit)


def value_text(v, unit):
    """A figure's value as every table prints it: 1.23×, ≥ 4 KiB, 140 (ns), 'n/a' for None."""
    if v is None:
        return "n/a"
    if unit == "bytes":
        return "≥ " + fmt.fmt_bytes(v)
    if unit == "×":
        return "%.2f×" % v
    return fmt.num(v)


# -- how each kind of figure is read --------------------------------------------------------

def _median(name):
    def read(run):
        r = run.get(name)
        return r.median if r is not None else None
    return read


def _calibrated(family, kind):
    return lambda run: (runfolder.calibration(run).get(family) or {}).get(kind)


def _calibrated_none(family, kind):
    """What a calibrated threshold of null means: no size helped up to the largest measured."""
    def text(run):
        c = runfolder.calibration(run).get(family)
        if not c or kind not in c:
            return None
        return "none up to %s" % fmt.fmt_bytes(c["max"]) if c.get("max") else "none"
    return text


def _catch(family, variant):
    """The size from which variant is never significantly slower than glibc (runfolder.crossover)."""
    def read(run):
        s = runfolder.helper_series(run, family)
        if (variant, False) not in s or ("libc", False) not in s:
            return None
        c = runfolder.crossover(s[(variant, False)], s[("libc", False)])
        return c["catch"] if c["sizes"] else None
    return read


def _cpu_x_nginx(kind):
    return lambda run: runfolder.cpu_x_nginx(run, kind, SERVER_ROW)


# -- the figures, in the order every table lists them -----------------------------------------

FIGURES = [
    Figure("getppid-asm", "null syscall, asm", "ns", MEASURED, _median("syscall/getppid/asm"), "syscall/getppid/asm"),
    Figure("getppid-raw", "null syscall, raw", "ns", MEASURED, _median("syscall/getppid/raw"), "syscall/getppid/raw"),
    Figure("getppid-libc", "null syscall, libc", "ns", MEASURED, _median("syscall/getppid/libc"),
           "syscall/getppid/libc"),
    Figure("vdso", "clock_gettime, vDSO", "ns", MEASURED, _median("syscall/clock_gettime/vdso"),
           "syscall/clock_gettime/vdso"),
    Figure("int80", "null syscall, int 0x80", "ns", MEASURED, _median("syscall/getppid/int80"),
           "syscall/getppid/int80"),
    Figure("uring-nop", "io_uring NOP, batch 8", "ns/op", MEASURED, _median("uring/nop/batch8"), "uring/nop/batch8"),
    Figure("memset-rep", "memset rep stosb from (calibrated)", "bytes", THRESHOLD, _calibrated("memset", "rep"),
           none_text=_calibrated_none("memset", "rep")),
    Figure("memset-nt", "memset non-temporal from (calibrated)", "bytes", THRESHOLD, _calibrated("memset", "nt"),
           none_text=_calibrated_none("memset", "nt")),
    # measured crossovers cost a bootstrap per size: the matrix shows them, the index does not
    Figure("memset-catch", "rep stosb catches glibc memset from", "bytes", THRESHOLD, _catch("memset", "rep_stosb"),
           index=False),
    Figure("memcpy-catch", "rep movsb catches glibc memcpy from", "bytes", THRESHOLD, _catch("memcpy", "rep_movsb"),
           index=False),
    Figure("accept-x-nginx", "accept: server CPU %s × nginx" % SERVER_ROW, "×", RATIO, _cpu_x_nginx("accept")),
    Figure("keepalive-x-nginx", "keep-alive: server CPU %s × nginx" % SERVER_ROW, "×", RATIO,
           _cpu_x_nginx("keepalive")),
]
BY_KEY = {f.key: f for f in FIGURES}


def part_of(f):
    """The part of a run whose method a figure depends on, as run.json's method names parts."""
    if f.key.startswith(("accept", "keepalive")):
        return "load"
    if f.kind == THRESHOLD:
        return "calibrate" if "calibrated" in f.label else "helpers"
    return "syscalls"


def method_of(run, f):
    """The recorded method of the part behind f in this run, as a comparable text; 'unknown'
    for a folder that records none (never guessed the same as another's)."""
    m = runfolder.method_identity((runfolder.method(run) or {}).get(part_of(f)))
    return json.dumps(m, sort_keys=True) if m else "unknown"


def reference_method(runs, f):
    """The method a spread of figure f keeps: the newest run's among those that ran the load in
    the default topology (two namespaces), else the newest run's; runs measured otherwise are
    left out of the spread."""
    def key(run):
        topo = runfolder.as_dict((runfolder.method(run) or {}).get("load")).get("topology")
        return (topo == "two-netns", run.label.split("/")[-1])
    return method_of(max(runs, key=key), f)


def index_figures():
    """The figures scripts/index's tables show, in their order."""
    return [f for f in FIGURES if f.index]


def column(f):
    """A figure's table heading: its label, with the unit where the cells do not carry it."""
    return f.label if f.unit in ("bytes", "×") else "%s (%s)" % (f.label, f.unit)
