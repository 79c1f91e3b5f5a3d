"""scripts/lib/runfolder.py — read one results/<machine>/<run>/ folder, tolerantly.

A run folder is data that outlives the code that wrote it: scripts/plot,
scripts/report and scripts/compare must read folders written by older (and
newer) versions of scripts/bench. So this module reads what it needs and
ignores the rest:

- a missing file is a note ("no accept.json"), never an error;
- a missing key is None (or the row is left out, with a note);
- an unknown key is ignored.

Only an input that cannot be read at all is an error (RunFolderError, one
line naming the file): the folder does not exist, a file cannot be opened,
or a JSON file does not parse.

Every measurement becomes a Row with one name that is stable across runs and
machines, so two folders can be matched row by row:

  memset/rep_stosb/256            GB/s     (microbench.json, per repetition)
  memset/rep_stosb/256/misaligned GB/s
  htons/bswap                     ns/value
  syscall/getppid/asm             ns/call
  uring/nop/batch8                ns/op
  accept/raw/epoll                conn/s   (accept.json, per round)
  accept-cpu/raw/epoll            µs/conn  (server CPU per connection)
  keepalive/raw/epoll             req/s
  keepalive-cpu/raw/epoll         µs/req
  accept-segments/raw/epoll       segments/conn (likewise ctx_switches, syscalls,
                                  total_cpu_us, pair_cpu_us; keepalive-*: per req)
  instr/syscall/getppid/asm       instr/call (counts.json: exact, one value)
  hyperfine-hello/syspath-hello-asm  ms    (hyperfine --export-json, per run)

Medians and intervals come from scripts/lib/stats.py, nothing else.
"""
import json
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

# Families whose benchmark names are <family>/<variant>/<bytes>[/misaligned].
SIZED_FAMILIES = ("memset", "strlen", "memcpy")

_TIME_TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
# google-benchmark appends these to a name when a benchmark sets them itself;
# they say how it was run, not what, so rows match across runs without them.
_GB_SUFFIX = re.compile(r"/(repeats|min_time|min_warmup_time|iterations|threads|real_time|manual_time)(:[^/]*)?$")


# Fewer values than this make no interval: a table prints the median alone and a
# plot draws no bar (with two rounds a bootstrap "interval" is just their range).
MIN_ROUNDS = 3


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
        self.values = [v for v in values if _is_num(v)]
        self._median = median if _is_num(median) else None
        self._ci = tuple(ci) if (isinstance(ci, (list, tuple)) and len(ci) == 2 and all(_is_num(c) for c in ci)) else None
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
        self.label = _label(path)
        self.machine = {}
        self.microbench_context = {}
        self.accept = {}
        self.keepalive = {}
        self.counts = {}
        self.info = {}          # run.json: options, elapsed_s, notes
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


# -- loading ----------------------------------------------------------------------------------

def load(path):
    """Read a run folder. Raises RunFolderError for an unreadable input."""
    if not os.path.exists(path):
        raise RunFolderError("%s: no such run folder" % path)
    if not os.path.isdir(path):
        raise RunFolderError("%s: not a directory (expected a run folder)" % path)
    try:
        entries = sorted(os.listdir(path))
    except OSError as e:
        raise RunFolderError("%s: cannot list the folder (%s)" % (path, e.strerror or e))

    run = Run(path)
    hyperfine_files = [f for f in entries if HYPERFINE_GLOB.match(f)]
    if not any(f in entries for f in KNOWN) and not hyperfine_files:
        raise RunFolderError("%s: not a run folder (none of %s, hyperfine-*.json)" % (path, ", ".join(KNOWN)))

    machine = _read_json(path, MACHINE, run)
    run.machine = machine if isinstance(machine, dict) else {}
    if machine is not None and not isinstance(machine, dict):
        run.notes.append("machine.json: not an object, ignored")

    if os.path.exists(os.path.join(path, RUN_INFO)):
        run.info = as_dict(_read_json(path, RUN_INFO, run))

    mb = _read_json(path, MICROBENCH, run)
    if mb is not None:
        _load_microbench(run, mb)
    counts = _read_json(path, COUNTS, run)
    if counts is not None:
        _load_counts(run, counts)
    for fname, kind in ((ACCEPT, "accept"), (KEEPALIVE, "keepalive")):
        doc = _read_json(path, fname, run)
        if doc is not None:
            _load_load(run, doc, kind)
    for f in hyperfine_files:
        doc = _read_json(path, f, run)
        if doc is not None:
            _load_hyperfine(run, doc, HYPERFINE_GLOB.match(f).group(1))
    return run


def _read_json(folder, fname, run):
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


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and v not in (float("inf"), float("-inf"))


def as_dict(v):
    """v when it is a JSON object, else {}: a file's odd shape reads as missing, not as a crash."""
    return v if isinstance(v, dict) else {}


def as_list(v):
    """v when it is a JSON array, else []."""
    return v if isinstance(v, list) else []


def _label(path):
    """'<machine-slug>/<timestamp>' for results/<slug>/<ts>/, else the folder's name."""
    p = os.path.normpath(os.path.abspath(path))
    parent, base = os.path.split(p)
    if re.match(r"^\d{4}-\d\d-\d\dT", base):
        return os.path.basename(parent) + "/" + base
    return base


# -- microbench.json (google-benchmark JSON) --------------------------------------------------

def canonical_name(bench):
    """The row name of a google-benchmark entry, without aggregate or run-setting suffixes."""
    name = bench.get("run_name")
    if not isinstance(name, str):
        name = str(bench.get("name", ""))
        agg = bench.get("aggregate_name")
        if bench.get("run_type") == "aggregate" and isinstance(agg, str) and name.endswith("_" + agg):
            name = name[: -len(agg) - 1]
    while True:
        stripped = _GB_SUFFIX.sub("", name)
        if stripped == name:
            return name
        name = stripped


def parse_bench_name(name):
    """Split a microbench row name into what the plots group by (a dict, possibly empty)."""
    parts = name.split("/")
    fam = parts[0]
    if fam in SIZED_FAMILIES and len(parts) >= 3 and parts[2].isdigit():
        return {"kind": "helper", "family": fam, "variant": parts[1], "bytes": int(parts[2]),
                "misaligned": "misaligned" in parts[3:]}
    if fam == "htons" and len(parts) >= 2:
        return {"kind": "htons", "family": "htons", "variant": parts[1]}
    if fam == "syscall" and len(parts) >= 3:
        return {"kind": "syscall", "op": parts[1], "path": parts[2]}
    if fam == "uring" and len(parts) >= 3:
        m = re.match(r"^batch(\d+)$", parts[2])
        return {"kind": "uring", "op": parts[1], "path": parts[2], "batch": int(m.group(1)) if m else None}
    return {"kind": "other"}


def _bench_value(b, meta):
    """(value, unit, higher_is_better) for one google-benchmark entry, or None."""
    scale = _TIME_TO_NS.get(b.get("time_unit", "ns"), 1.0)
    t = b.get("real_time")
    t_ns = t * scale if _is_num(t) else None
    if meta.get("kind") == "helper":
        bps = b.get("bytes_per_second")
        if _is_num(bps) and bps > 0:
            return bps / 1e9, "GB/s", True
        if t_ns:
            return meta["bytes"] / t_ns, "GB/s", True
        return None
    # htons over an array, io_uring batches: time per item, from the items rate.
    ips = b.get("items_per_second")
    unit = {"htons": "ns/value", "uring": "ns/op"}.get(meta.get("kind"), "ns/call")
    if meta.get("kind") in ("htons", "uring") and _is_num(ips) and ips > 0:
        return 1e9 / ips, unit, False
    if t_ns is not None:
        return t_ns, unit if meta.get("kind") != "other" else "ns", False
    return None


def _load_microbench(run, doc):
    if not isinstance(doc, dict):
        run.notes.append("microbench.json: not an object, ignored")
        return
    run.microbench_context = as_dict(doc.get("context"))
    groups = {}   # name -> {"values": [...], "median": agg, "meta", "unit", "hib", "error"}
    for b in as_list(doc.get("benchmarks")):
        if not isinstance(b, dict):
            continue
        name = canonical_name(b)
        if not name:
            continue
        meta = parse_bench_name(name)
        g = groups.setdefault(name, {"values": [], "agg_median": None, "meta": meta, "unit": None,
                                     "hib": False, "error": None})
        if b.get("error_occurred"):
            g["error"] = b.get("error_message") or "error"
            continue
        v = _bench_value(b, meta)
        if v is None:
            continue
        value, g["unit"], g["hib"] = v
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                g["agg_median"] = value
        else:
            g["values"].append(value)
    for name, g in groups.items():
        kind = g["meta"].get("kind")
        section = {"helper": "helpers", "htons": "htons", "syscall": "syscalls",
                   "uring": "syscalls"}.get(kind, "microbench")
        if g["error"]:
            # a failed setup or result check: an error to show, not a row to drop
            run.errors.append({"section": section, "name": name, "why": g["error"],
                               "partial": bool(g["values"])})
        if not g["values"] and g["agg_median"] is None:
            continue
        # The median of the repetitions when there are any; the file's own median
        # aggregate only when it kept nothing else (--benchmark_report_aggregates_only).
        values = g["values"] or [g["agg_median"]]
        run._add(Row(name, section, g["unit"], values, higher_is_better=g["hib"], meta=g["meta"]))


# -- counts.json (callgrind) ------------------------------------------------------------------

def _load_counts(run, doc):
    run.counts = as_dict(doc)
    for s in as_list(as_dict(doc).get("skipped")):
        if isinstance(s, dict):
            run.notes.append("counts: %s not counted (%s)" % (s.get("name", "?"), s.get("reason") or s.get("why") or "?"))
    for r in as_list(as_dict(doc).get("rows")):
        if not isinstance(r, dict) or not isinstance(r.get("name"), str):
            continue
        v = r.get("instructions_per_call")
        if not _is_num(v):
            continue
        meta = dict(parse_bench_name(r["name"]), target=r["name"])
        run._add(Row("instr/" + r["name"], "counts", "instr/call", [v], exact=True, meta=meta))


# -- accept.json, keepalive.json --------------------------------------------------------------

def load_row_name(r):
    """A load row's name: its 'name', else built from server/backend/model (older files)."""
    name = r.get("name")
    if isinstance(name, str) and name:
        return name
    server = r.get("server")
    if server == "nginx":
        return "nginx"
    if server == "syspath-asm-server":
        return "asm-server"
    b, m = r.get("backend"), r.get("model")
    if b or m:
        return "%s/%s" % (b or "?", m or "?")
    return None


# the per-row counters of a load file, each "<name>_per_conn" / "<name>_per_req"
COUNTERS = ("segments", "ctx_switches", "syscalls", "total_cpu_us", "pair_cpu_us")
COUNTER_UNITS = {"segments": "segments/%s", "ctx_switches": "switches/%s", "syscalls": "syscalls/%s",
                 "total_cpu_us": "µs/%s", "pair_cpu_us": "µs/%s"}


def _load_load(run, doc, kind):
    if not isinstance(doc, dict):
        run.notes.append("%s.json: not an object, ignored" % kind)
        return
    setattr(run, kind, doc)
    unit = doc.get("unit") or ("conn/s" if kind == "accept" else "req/s")
    cpu_key = "server_cpu_us_per_conn" if kind == "accept" else "server_cpu_us_per_req"
    cpu_unit = "µs/conn" if kind == "accept" else "µs/req"
    for r in as_list(doc.get("rows")):
        if not isinstance(r, dict):
            continue
        name = load_row_name(r)
        if not name:
            run.notes.append("%s.json: a row without a name, skipped" % kind)
            continue
        errors = {k: v for k, v in as_dict(r.get("errors")).items() if _is_num(v)}   # counts only
        n_err = sum(errors.values())
        flagged = r.get("flagged")
        if flagged is None:
            flagged = n_err > 0
        sat = r.get("saturated")
        meta = {"server": r.get("server"), "backend": r.get("backend"), "model": r.get("model"),
                "errors": errors, "error_total": n_err, "cpu_pct": r.get("server_cpu_pct"),
                "client_cpu_pct": r.get("client_cpu_pct"), "saturated": sat if isinstance(sat, str) else None,
                "wrk_connections": r.get("wrk_connections"), "label": name,
                "user_share": r.get("server_user_share") if _is_num(r.get("server_user_share")) else None,
                "note": r.get("note") if isinstance(r.get("note"), str) else None}
        if meta["server"] is None and name == "nginx":
            meta["server"] = "nginx"
        per = "conn" if kind == "accept" else "req"
        meta["counters"] = {}
        for c in COUNTERS:
            field = "%s_per_%s" % (c, per)
            vals = [v for v in as_list(r.get(field + "_rounds")) if _is_num(v)]
            if vals or _is_num(r.get(field)):
                ci = r.get(field + "_ci95")
                meta["counters"][c] = Row("%s-%s/%s" % (kind, c, name), kind + "-" + c, COUNTER_UNITS[c] % per,
                                          vals, median=r.get(field), ci=ci if len(vals) >= MIN_ROUNDS else None,
                                          meta={"label": name})
        for k in ("server_cpu_source", "server_user_share_source", "syscalls_note"):
            meta[k] = r.get(k) if isinstance(r.get(k), str) else None
        meta["rusage_vs_meter_pct"] = r.get("rusage_vs_meter_pct") if _is_num(r.get("rusage_vs_meter_pct")) else None
        meta["failed_rounds"] = r.get("failed_rounds") if _is_num(r.get("failed_rounds")) else 0
        rounds = as_list(r.get("rounds"))
        cpu_rounds = as_list(r.get("server_cpu_us_rounds"))
        if not (rounds or _is_num(r.get("median")) or cpu_rounds or _is_num(r.get(cpu_key))):
            # every round failed: the row stays, as an error, so no reader loses it
            meta["failed"] = True
            run._add(Row("%s/%s" % (kind, name), kind, unit, [], higher_is_better=True, flagged=True,
                         note=meta["note"], meta=meta))
            continue
        if rounds or _is_num(r.get("median")):
            run._add(Row("%s/%s" % (kind, name), kind, unit, rounds, higher_is_better=True,
                         median=r.get("median"), ci=r.get("ci95"), flagged=flagged,
                         note=meta["note"], meta=meta))
        if cpu_rounds or _is_num(r.get(cpu_key)):
            run._add(Row("%s-cpu/%s" % (kind, name), kind + "-cpu", cpu_unit, cpu_rounds,
                         median=r.get(cpu_key), ci=r.get("server_cpu_ci95"), flagged=flagged,
                         note=meta["note"], meta=meta))
    for s in as_list(doc.get("skipped")):   # rows the bench could not measure, and why
        if isinstance(s, dict):
            run.notes.append("%s: %s not measured (%s)" % (kind, s.get("name", "?"), s.get("why", "no reason given")))
        elif isinstance(s, str):
            run.notes.append("%s: %s not measured" % (kind, s))


# -- hyperfine-*.json -------------------------------------------------------------------------

_WRAPPERS = {"taskset", "env", "nice", "chrt", "sh", "bash", "exec", "timeout"}


def hyperfine_command_name(res):
    """A short, stable name for one hyperfine result: its parameters, else its program."""
    params = {k: v for k, v in as_dict(res.get("parameters")).items() if isinstance(v, (str, int, float))}
    if params:
        return ",".join("%s=%s" % (k, params[k]) for k in sorted(params))
    cmd = str(res.get("command", "")).strip()
    words = cmd.split()
    if not words:
        return "?"
    for w in words:
        base = os.path.basename(w)
        if base in _WRAPPERS or w.startswith("-") or re.match(r"^[\d,-]+$", w) or "=" in w:
            continue
        return base
    return os.path.basename(words[0])


def _load_hyperfine(run, doc, stem):
    run.hyperfine[stem] = doc
    seen = {}
    for res in as_list(as_dict(doc).get("results")):
        if not isinstance(res, dict):
            continue
        short = hyperfine_command_name(res)
        seen[short] = seen.get(short, 0) + 1
        if seen[short] > 1:
            short = "%s#%d" % (short, seen[short])
        times = [t * 1e3 for t in as_list(res.get("times")) if _is_num(t)]
        median = res.get("median")
        median = median * 1e3 if _is_num(median) else None
        if not times and median is None:
            continue
        codes = [c for c in as_list(res.get("exit_codes")) if c is not None]
        failed = sum(1 for c in codes if c != 0)
        run._add(Row("hyperfine-%s/%s" % (stem, short), "hyperfine", "ms", times, median=median,
                     flagged=failed > 0, meta={"stem": stem, "command": res.get("command"),
                                               "short": short, "failed": failed,
                                               "mean": res.get("mean"), "stddev": res.get("stddev"),
                                               "user": res.get("user"), "system": res.get("system")}))


def errored(run):
    """Every measurement that went wrong, one line each: a benchmark row whose setup or
    result check failed, a load row with failed rounds. Flagged load rows (wrk socket
    errors) are marked in their tables instead: they were measured."""
    out = ["%s: %s%s" % (e["name"], e["why"], " (repetitions before the error are kept)" if e["partial"] else "")
           for e in run.errors]
    for kind in ("accept", "keepalive"):
        seen = set()
        for r in run.section(kind) + run.section(kind + "-cpu"):
            m, name = r.meta, r.meta.get("label")
            if name in seen:
                continue
            seen.add(name)
            if m.get("failed"):
                out.append("%s/%s: every round failed%s" % (kind, name, ": " + m["note"] if m.get("note") else ""))
            elif m.get("failed_rounds"):
                out.append("%s/%s: %d round%s failed%s" % (kind, name, m["failed_rounds"],
                                                         "" if m["failed_rounds"] == 1 else "s",
                                                         ": " + m["note"] if m.get("note") else ""))
    return out


# -- derived views the plots and the report share ---------------------------------------------

def helper_series(run, family):
    """{(variant, misaligned): {bytes: Row}} for one helper family."""
    by = {}
    for r in run.section("helpers"):
        if r.meta.get("family") == family:
            by.setdefault((r.meta["variant"], r.meta["misaligned"]), {})[r.meta["bytes"]] = r
    return by


_RATIO_CACHE = {}


def ratio_to(ref_row, row):
    """stats.ratio_ci(ref, row) for two rows, cached: (ratio, lo, hi) or (None,)*3."""
    key = (id(ref_row), id(row))
    if key not in _RATIO_CACHE:
        if len(ref_row.values) >= MIN_ROUNDS and len(row.values) >= MIN_ROUNDS:
            _RATIO_CACHE[key] = stats.ratio_ci(ref_row.values, row.values)
        elif ref_row.median and row.median is not None:
            r = row.median / ref_row.median
            _RATIO_CACHE[key] = (r, None, None)
        else:
            _RATIO_CACHE[key] = (None, None, None)
    return _RATIO_CACHE[key]


def is_peer(label, meta):
    """Whether a load row's server is not syspath's (nginx, nginx-deferred, h2o, lighttpd, ...)."""
    server = meta.get("server")
    return label.startswith("nginx") or (isinstance(server, str) and not server.startswith("syspath"))


def cpu_x_nginx(run, kind, row):
    """Server row's median CPU ("accept" per connection, "keepalive" per request) over
    nginx's in the same run: a plain ratio of medians, or None when either is missing."""
    mine, ref = run.get("%s-cpu/%s" % (kind, row)), run.get("%s-cpu/nginx" % kind)
    if mine and ref and mine.median is not None and ref.median:
        return mine.median / ref.median
    return None


def verdict(ratio, lo, hi, higher_is_better=True):
    """'win', 'loss' or 'tie' of a ratio (row / reference) given its 95% interval;
    'untested' without an interval (too few rounds): a point ratio proves nothing."""
    if ratio is None:
        return None
    if lo is None or hi is None:
        return "untested"
    if lo > 1.0:
        return "win" if higher_is_better else "loss"
    if hi < 1.0:
        return "loss" if higher_is_better else "win"
    return "tie"


def crossover(series, ref):
    """Where a variant catches up with the reference, over sizes both have.

    series, ref: {bytes: Row} (GB/s, higher is better). Returns a dict:
      catch: smallest size from which the variant is never significantly slower
             (its ratio's 95% interval reaches 1× at that size and every larger one), or None;
      win:   smallest size from which it is significantly faster at every larger size, or None;
      best:  (ratio, size) of its best median ratio;
      sizes: how many sizes were compared.
    """
    sizes = sorted(s for s in series if s in ref)
    out = {"catch": None, "win": None, "best": None, "sizes": len(sizes)}
    if not sizes:
        return out
    status = []
    for s in sizes:
        r, lo, hi = ratio_to(ref[s], series[s])
        status.append(verdict(r, lo, hi))
        if r is not None and (out["best"] is None or r > out["best"][0]):
            out["best"] = (r, s)
    for key, ok in (("catch", ("win", "tie")), ("win", ("win",))):
        i = len(sizes)
        while i > 0 and status[i - 1] in ok:
            i -= 1
        if i < len(sizes):
            out[key] = sizes[i]
    return out


# -- the folder's schema and its calibration (read by scripts/index and scripts/compare) ------

SCHEMA_KNOWN = 1   # machine.json's "schema" this reader was written for


def schema_check(run):
    """Whether this reader can trust a folder's layout: (ok, message).

    No "schema" (folders older than the field) and any whole number up to
    SCHEMA_KNOWN are read as they are. A newer whole number is read as far as
    the rows go: (True, a note naming the versions), also added to run.notes.
    Anything else — a string, a fraction, a number below 1 — is a file this
    reader does not understand: (False, one line saying why).
    """
    if "schema" not in run.machine:
        return True, None
    s = run.machine.get("schema")
    if not isinstance(s, int) or isinstance(s, bool) or s < 1:
        return False, "%s: machine.json has schema %r, not a version this reader knows (1..%d)" % (
            run.path, s, SCHEMA_KNOWN)
    if s > SCHEMA_KNOWN:
        if not run.rows:
            return False, "%s: machine.json schema %d is newer than this reader (%d) and no row was recognised" % (
                run.path, s, SCHEMA_KNOWN)
        note = "machine.json schema %d is newer than this reader (%d): read what it recognises" % (s, SCHEMA_KNOWN)
        if note not in run.notes:
            run.notes.append(note)
        return True, note
    return True, None


CALIBRATE = "calibrate.json"


def calibration(run):
    """syspath-calibrate's thresholds: {family: {"rep": bytes|None, "nt": bytes|None}}.

    A family with a threshold of null means "no size helps up to the largest
    measured"; a family or file that is missing is left out (the caller shows
    n/a). A calibrate.json that does not parse is a note, not an error: it is
    only read for the headline figures.
    """
    full = os.path.join(run.path, CALIBRATE)
    if not os.path.exists(full):
        return {}
    try:
        with open(full, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError, UnicodeDecodeError) as e:
        run.notes.append("%s: unreadable, thresholds left out (%s)" % (CALIBRATE, str(e).splitlines()[0]))
        return {}
    out = {}
    for fam, v in as_dict(doc).items():
        v = as_dict(v)
        if "rep_threshold" in v or "nt_threshold" in v:
            out[fam] = {k: (v.get(k + "_threshold") if _is_num(v.get(k + "_threshold")) else None)
                        for k in ("rep", "nt")}
            out[fam]["max"] = doc.get("max_size") if _is_num(doc.get("max_size")) else None
    return out
