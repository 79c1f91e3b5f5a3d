"""scripts/lib/runfolder_core.py — the shapes every reader of a run folder gets: Row, Run,
RunFolderError, and the tolerant accessors (as_dict, as_list, is_num).

runfolder.py fills them (load()); runfolder_micro.py and runfolder_load.py turn each file's
entries into Rows; the readers (render, plot, compare, index) see only these classes.
"""
import json
import math
import os
import re

import stats

MACHINE = "machine.json"
MICROBENCH = "microbench.json"
COUNTS = "counts.json"
ACCEPT = "accept.json"
KEEPALIVE = "keepalive.json"
RUN_INFO = "run.json"       # scripts/bench's options, timings and notes; optional, no note when absent
HYPERFINE_GLOB = re.compile(r"^hyperfine-(.+)\.json$")
KNOWN = (MACHINE, MICROBENCH, COUNTS, ACCEPT, KEEPALIVE)

# Fewer values than this make no interval: a table prints the median alone and a
# plot draws no bar (with two rounds a bootstrap "interval" is just their range).
MIN_ROUNDS = stats.MIN_ROUNDS


class RunFolderError(Exception):
    """An input that cannot be read; str() is one line naming the file."""


class Row:
    """One measured quantity of a run.

    values:  per-round (or per-repetition, per-run) figures; may be empty when
             the file only kept an aggregate.
    median, ci: as the file states them, else computed from values (stats.py).
    higher_is_better: GB/s, conn/s, req/s; False for times and CPU costs.
    exact:   a deterministic count (callgrind): no interval, no test.
    flagged: the producer marked the row (wrk socket errors, non-2xx).
    meta:    what the plots need: family, variant, bytes, op, path, backend…
    """

    __slots__ = ("name", "section", "unit", "higher_is_better", "values", "_median",
                 "_ci", "exact", "flagged", "note", "meta")

    def __init__(self, name, section, unit, values, higher_is_better=False, median=None,
                 ci=None, exact=False, flagged=False, note=None, meta=None):
        self.name = name
        self.section = section
        self.unit = unit
        self.higher_is_better = higher_is_better
        self.values = [v for v in values if is_num(v)]
        self._median = median if is_num(median) else None
        self._ci = tuple(ci) if (isinstance(ci, (list, tuple)) and len(ci) == 2 and all(is_num(c) for c in ci)) else None
        self.exact = exact
        self.flagged = bool(flagged)
        self.note = note
        self.meta = meta or {}

    @property
    def median(self):
        if self._median is None and self.values:
            self._median = stats.median(self.values)
        return self._median

    @property
    def ci(self):
        """95% interval of the median: (lo, hi), or (None, None) if unknown or when
        the row has fewer than MIN_ROUNDS values (one or two rounds make no interval,
        whatever the file says)."""
        if self._ci is None:
            if self.exact:
                self._ci = (self.median, self.median)
            elif not self.values or len(self.values) < MIN_ROUNDS:
                self._ci = (None, None)
            else:
                self._ci = tuple(stats.bootstrap_ci(self.values))
        elif self.values and len(self.values) < MIN_ROUNDS and not self.exact:
            self._ci = (None, None)
        return self._ci

    @property
    def has_interval(self):
        """True when the row has a 95% interval worth drawing (MIN_ROUNDS values or more)."""
        lo, hi = self.ci
        return not self.exact and lo is not None and hi is not None

    def __repr__(self):
        return "Row(%r, %s %s, n=%d)" % (self.name, self.median, self.unit, len(self.values))


class Run:
    """A loaded run folder. rows: name -> Row, in file order."""

    def __init__(self, path):
        self.path = path
        self.label = folder_label(path)
        self.machine = {}
        self.microbench_context = {}
        self.accept = {}
        self.keepalive = {}
        self.counts = {}
        self.info = {}          # run.json: options, elapsed_s, notes
        self.part_methods = {}  # a part's method as its own file records it (microbench.json's "method")
        self.hyperfine = {}     # "hello" -> hyperfine JSON
        self.files = []         # the known files found
        self.notes = []         # what was missing or skipped, for the reader
        self.errors = []        # benchmark rows that errored: {"section", "name", "why", "partial"}
        self.rows = {}

    # -- what every plot and report header says -------------------------------------------

    def machine_line(self):
        """The machine in one line: CPU (microarch), cores, kernel, glibc."""
        cpu = as_dict(self.machine.get("cpu"))
        parts = []
        model = cpu.get("model_name")
        arch = cpu.get("microarch")
        if model:
            parts.append(model + (" (%s)" % arch if arch and arch != "unknown" else ""))
        cores, threads = cpu.get("cores"), cpu.get("threads")
        if cores:
            parts.append("%s cores" % cores + ("/%s threads" % threads if threads and threads != cores else ""))
        rel = as_dict(self.machine.get("kernel")).get("release")
        if rel:
            parts.append("Linux " + str(rel))
        glibc = as_dict(self.machine.get("software")).get("glibc")
        if glibc:
            parts.append("glibc " + str(glibc))
        slug = self.machine.get("slug")
        if not parts:
            return slug or "machine unknown (no machine.json)"
        return ", ".join(parts)

    def date(self):
        """The run's UTC date and time as 'YYYY-MM-DD HH:MM UTC', or None."""
        ts = self.machine.get("timestamp_utc")
        m = re.match(r"^(\d{4}-\d\d-\d\d)T(\d\d):?(\d\d)", str(ts or ""))
        if not m:
            m = re.match(r"^(\d{4}-\d\d-\d\d)T(\d\d)(\d\d)\d\dZ$", os.path.basename(os.path.normpath(self.path)))
        if not m:
            m = re.match(r"^(\d{4}-\d\d-\d\d)T(\d\d):(\d\d)", str(self.microbench_context.get("date") or ""))
        if not m:
            return None
        return "%s %s:%s UTC" % (m.group(1), m.group(2), m.group(3))

    def footer(self):
        """One line for a plot: machine, run date, run folder."""
        return "%s  ·  run %s  ·  %s" % (self.machine_line(), self.date() or "date unknown", self.label)

    # -- row selections -------------------------------------------------------------------

    def section(self, name):
        return [r for r in self.rows.values() if r.section == name]

    def get(self, name):
        return self.rows.get(name)

    def _add(self, row):
        if row.name in self.rows:
            self.notes.append("%s: duplicate row %s, kept the first" % (self.label, row.name))
            return
        self.rows[row.name] = row


def read_json(folder, fname, run):
    """One JSON file of the folder, or None (with a note) when it is absent."""
    full = os.path.join(folder, fname)
    if not os.path.exists(full):
        run.notes.append("no %s" % fname)
        return None
    try:
        with open(full, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise RunFolderError("%s: cannot read (%s)" % (full, e.strerror or e))
    except (ValueError, UnicodeDecodeError) as e:
        raise RunFolderError("%s: not valid JSON (%s)" % (full, str(e).splitlines()[0]))
    run.files.append(fname)
    return doc


def is_num(v):
    """A finite JSON number (not a bool)."""
    if isinstance(v, float):
        return math.isfinite(v)
    return isinstance(v, int) and not isinstance(v, bool)


def as_dict(v):
    """v when it is a JSON object, else {}: a file's odd shape reads as missing, not as a crash."""
    return v if isinstance(v, dict) else {}


def as_list(v):
    """v when it is a JSON array, else []."""
    return v if isinstance(v, list) else []


def folder_label(path):
    """'<machine-slug>/<timestamp>' for results/<slug>/<ts>/, else the folder's name."""
    p = os.path.normpath(os.path.abspath(path))
    parent, base = os.path.split(p)
    if re.match(r"^\d{4}-\d\d-\d\dT", base):
        return os.path.basename(parent) + "/" + base
    return base

