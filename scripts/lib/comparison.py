"""scripts/lib/comparison.py — two run folders, row by row: what scripts/compare decides.

compare_rows(A, B) matches every row by name (the load counters and the
calibrated thresholds included), sorts them into families (one per table:
each helper family, each load file's rates, its CPU and each counter, ...),
corrects each family's p-values on its own (Benjamini-Hochberg) and gives each
row one verdict from stats.judge, told in the words a reader sees:

  better / worse                 different: the 95% interval excludes 1 and q < alpha,
                                 read against the row's higher_is_better
  equivalent (±m%)               the 90% interval inside the declared margin (stats.margin_for)
  undetermined (could detect ±x%) neither; x is stats.min_detectable
  untested (N rounds)            fewer than stats.MIN_ROUNDS values on a side: no interval, no p
  moved / unchanged              a calibrated threshold: a size, never better or worse
  exact: same / exact: +x%       callgrind counts are deterministic: any change is real
  not judged: method differs     the part's method (run.json "method") differs, is unknown on
                                 one side, or the load topology differs: shown, not judged
                                 (counts too: a count is exact only for one counting method)
  n/a (...)                      the row is in one folder only, or has no value

machine_diff and method_diff say what differs besides the rows; they come first
in every output. The statistics are stats.py's; nothing here computes one.
"""
import math

import runfolder
import stats

# -- families ---------------------------------------------------------------------------------

SECTION_TITLES = [("accept", "accept: conn/s"), ("accept-cpu", "accept: server CPU per connection"),
                  ("keepalive", "keep-alive: req/s"), ("keepalive-cpu", "keep-alive: server CPU per request"),
                  ("syscalls", "syscall paths"), ("helpers", "helpers"), ("htons", "htons"),
                  ("thresholds", "calibrated thresholds (where rep and non-temporal stores take over)"),
                  ("hyperfine", "hyperfine"), ("counts", "instruction counts (callgrind, exact)"),
                  ("microbench", "other microbenchmarks")]
COUNTER_TITLES = {"segments": "TCP segments", "ctx_switches": "context switches", "syscalls": "syscalls",
                  "total_cpu_us": "total CPU", "pair_cpu_us": "server + wrk CPU"}
LOAD_KINDS = ("accept", "keepalive")
THRESHOLDS = "thresholds"


def load_kind(section):
    """'accept' or 'keepalive' for a load section (rates, CPU, each counter), else None."""
    kind = section.split("-", 1)[0]
    return kind if kind in LOAD_KINDS else None


def family_of(section, name):
    """The family a row is corrected with: its table. Helper rows split by helper family
    (memset, strlen, memcpy, ...); every other section is one family."""
    if section == "helpers":
        return "helpers-" + name.split("/", 1)[0]
    return section


def family_title(family):
    if family.startswith("helpers-"):
        return "helpers: %s" % family[len("helpers-"):]
    kind = load_kind(family)
    counter = family[len(kind) + 1:] if kind else None
    if counter in COUNTER_TITLES:
        return "%s: %s per %s (counter)" % ("accept" if kind == "accept" else "keep-alive", COUNTER_TITLES[counter],
                                            "connection" if kind == "accept" else "request")
    return dict(SECTION_TITLES).get(family, family)


def family_rank(family):
    """Tables in SECTION_TITLES' order; helper families where helpers stand, counters after
    their load file's CPU, the others after them by name."""
    order = [s for s, _ in SECTION_TITLES]
    sec = "helpers" if family.startswith("helpers-") else family
    if sec not in order and load_kind(sec):
        sec = load_kind(sec) + "-cpu"
        return (order.index(sec), 1, family)
    return (order.index(sec) if sec in order else len(order), 0, family)


def margin_kind(section):
    """Which declared margin (stats.MARGINS) a section's rows are judged with."""
    if load_kind(section):
        return "load"
    return {"htons": "helpers", "helpers": "helpers"}.get(section, section)


# -- the method: run.json's "method" object, one entry per part --------------------------------

def part_of(section):
    """The part of a run a section belongs to, as run.json's method names them."""
    if load_kind(section):
        return "load"
    if section.startswith("helpers"):   # helpers, helpers-mix, helpers-align: bench-helpers' rows
        return "helpers"
    return {"htons": "helpers", THRESHOLDS: "calibrate"}.get(section, section)


def flatten(d, prefix=""):
    out = {}
    for k, v in (d or {}).items():
        key = prefix + str(k)
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


UNKNOWN = "unknown"


def method_diff(ra, rb):
    """What scripts/compare says of the two runs' methods, and which parts it may judge:
    {"known": (A has one, B has one), "diffs": [(field, a, b)], "parts": {part: status}}.
    status: "same" (runfolder.same_method: what the figures mean agrees), "differs", "unknown
    in A" / "unknown in B" (one side records the part,
    the other does not: nothing is guessed). A part neither side records is judged, as
    folders written before the method was recorded always were."""
    ma, mb = runfolder.method(ra), runfolder.method(rb)
    ma, mb = (m if isinstance(m, dict) else None for m in (ma, mb))
    out = {"known": (ma is not None, mb is not None), "diffs": [], "parts": {}}
    if ma is None and mb is None:
        return out
    for part in dict.fromkeys(list(ma or {}) + list(mb or {})):
        pa, pb = (m.get(part) if m is not None else None for m in (ma, mb))
        if pa is None or pb is None:
            status = "unknown in %s" % ("A" if pa is None else "B")
        else:
            status = "same" if runfolder.same_method(pa, pb) else "differs"
        out["parts"][part] = status
        if status != "same":
            fa = flatten(pa if isinstance(pa, dict) else {"": pa}, "method.%s." % part)
            fb = flatten(pb if isinstance(pb, dict) else {"": pb}, "method.%s." % part)
            for k in dict.fromkeys(list(fa) + list(fb)):
                va, vb = fa.get(k, UNKNOWN if pa is None else "–"), fb.get(k, UNKNOWN if pb is None else "–")
                if va != vb:
                    out["diffs"].append((k.rstrip("."), va, vb))
    return out


def run_topology(run):
    """Where a run's load ran: its load files' (or run.json's) topology, else its load method's
    (an older folder's is inferred from its rows: loopback); None without load rows."""
    t = runfolder.topology(run, "accept") or runfolder.topology(run, "keepalive")
    if t is None:
        t = runfolder.as_dict((runfolder.method(run) or {}).get("load")).get("topology")
    return t


def topology_diff(ra, rb):
    """The load's topology (where the server and the load generator ran) as a machine
    difference: [(field, a, b)]; a side without it is unknown, and then differs."""
    ta, tb = run_topology(ra), run_topology(rb)
    if ta is None and tb is None or ta == tb:
        return []
    fa = flatten(ta, "topology.") if isinstance(ta, dict) else {"topology": UNKNOWN if ta is None else ta}
    fb = flatten(tb, "topology.") if isinstance(tb, dict) else {"topology": UNKNOWN if tb is None else tb}
    return [(k, fa.get(k, UNKNOWN if ta is None else "–"), fb.get(k, UNKNOWN if tb is None else "–"))
            for k in dict.fromkeys(list(fa) + list(fb)) if fa.get(k) != fb.get(k)]


# -- machine differences ----------------------------------------------------------------------

MACHINE_SKIP = {"timestamp_utc", "schema"}


def machine_diff(ma, mb):
    """[(field, a, b)] of every machine.json field that differs ('–' where one side lacks it)."""
    fa = {k: v for k, v in flatten(ma).items() if k.split(".", 1)[0] not in MACHINE_SKIP}
    fb = {k: v for k, v in flatten(mb).items() if k.split(".", 1)[0] not in MACHINE_SKIP}
    return [(k, fa.get(k, "–"), fb.get(k, "–")) for k in dict.fromkeys(list(fa) + list(fb))
            if fa.get(k, "–") != fb.get(k, "–")]


# -- the rows ---------------------------------------------------------------------------------

def all_rows(run):
    """The rows compare matches: the run's rows, each load row's counters, and the calibrated
    thresholds as rows of section THRESHOLDS ({name: Row})."""
    rows = dict(run.rows)
    for r in run.rows.values():
        for c in runfolder.as_dict(r.meta.get("counters")).values():
            rows.setdefault(c.name, c)
    for fam, t in runfolder.calibration(run).items():
        for kind in ("rep", "nt"):
            name = "calibrate/%s/%s" % (fam, kind)
            rows[name] = runfolder.Row(name, THRESHOLDS, "bytes", [], median=t.get(kind),
                                       meta={"none": t.get(kind) is None, "max": t.get("max")})
            if t.get(kind + "_end") is not None:    # a window that closes (else open: no row)
                name += "/end"
                rows[name] = runfolder.Row(name, THRESHOLDS, "bytes", [], median=t[kind + "_end"],
                                           meta={"none": False, "max": t.get("max")})
        for key in ("rep2", "rep2_end"):                 # rep's second window, where there is one
            if t.get(key) is not None:
                name = "calibrate/%s/%s" % (fam, key.replace("_", "/"))
                rows[name] = runfolder.Row(name, THRESHOLDS, "bytes", [], median=t[key],
                                           meta={"none": False, "max": t.get("max")})
    return rows


def margin_text(m):
    return "±%s%%" % ("%g" % round(100 * m, 1))


def verdict_text(word, direction, d, n_rounds=None, unit="round"):
    """The word a reader sees for one of stats.judge's verdicts (unit: what was counted, rounds
    or, with runs as replicates, runs)."""
    if word == stats.DIFFERENT:
        return stats.goodness(word, direction, d["higher_is_better"])
    if word == stats.EQUIVALENT:
        return "equivalent (%s)" % margin_text(d["margin"])
    if word == stats.UNDETERMINED:
        md = d["min_detectable"]
        return "undetermined (could detect %s)" % (margin_text(md) if md is not None else "no change")
    return "untested (%d %s%s)" % (n_rounds, unit, "" if n_rounds == 1 else "s")


def blank_row(name, a, b):
    any_row = a or b
    return {"name": name, "section": any_row.section, "family": family_of(any_row.section, name),
            "family_tested": 0, "unit": any_row.unit, "higher_is_better": any_row.higher_is_better,
            "part": part_of(any_row.section),
            "a_median": a.median if a else None, "b_median": b.median if b else None,
            "a_n": len(a.values) if a else 0, "b_n": len(b.values) if b else 0,
            "ratio": None, "ci95": [None, None], "ci90": [None, None], "p": None, "q": None,
            "margin": None, "min_detectable": None, "verdict": None, "verdict_kind": None,
            "significant": False, "flagged": bool((a and a.flagged) or (b and b.flagged))}


def _threshold(d, a, b):
    """A calibrated threshold: moved or unchanged (none = no size helped), never better or worse."""
    va, vb = a.median, b.median
    if va and vb:
        d["ratio"] = vb / va
    d["verdict"] = "unchanged" if va == vb else "moved"
    d["verdict_kind"] = "threshold"


def not_judged_why(section, methods, topology):
    """Why a row of this section may not be judged across the two runs, or None."""
    status = methods["parts"].get(part_of(section))
    if status == "differs":
        return "not judged: method differs"
    if status and status.startswith(("unknown", "mixed")):   # mixed: runs of one side disagree
        return "not judged: method %s" % status
    if topology and load_kind(section):
        return "not judged: topology differs"
    return None


def compare_rows(ra, rb, alpha=stats.ALPHA, fdr=True, methods=None, topology=None):
    """Every row of A and B, matched by name: a list of dicts (the --json rows), and how many
    rows were tested. methods: method_diff(ra, rb); topology: topology_diff(ra, rb)."""
    methods = methods if methods is not None else method_diff(ra, rb)
    topology = topology if topology is not None else topology_diff(ra, rb)
    rows_a, rows_b = all_rows(ra), all_rows(rb)
    out = []
    for n in dict.fromkeys(list(rows_a) + list(rows_b)):
        a, b = rows_a.get(n), rows_b.get(n)
        d = blank_row(n, a, b)
        out.append(d)
        if a is None or b is None:
            d["verdict"], d["verdict_kind"] = ("n/a (not in A)" if a is None else "n/a (only in A)"), "n/a"
            continue
        if d["section"] == THRESHOLDS:
            _threshold(d, a, b)
            continue
        if a.median is None or b.median is None or a.median == 0:
            d["verdict"], d["verdict_kind"] = "n/a (no value)", "n/a"
            continue
        d["ratio"] = b.median / a.median
        why = not_judged_why(d["section"], methods, topology)
        if a.exact or b.exact:
            d["ci95"] = d["ci90"] = [d["ratio"], d["ratio"]]
            if why:
                # an exact count is only a change when it was counted the same way
                d["verdict"], d["verdict_kind"] = why, "not judged"
                continue
            same = abs(b.median - a.median) <= 1e-9 * max(abs(a.median), 1.0)
            d["verdict"] = "exact: same" if same else "exact: %+.1f%%" % (100 * (d["ratio"] - 1))
            d["verdict_kind"], d["significant"] = "exact", not same
            continue
        d["margin"] = stats.margin_for(margin_kind(d["section"]))
        n_rounds = min(len(a.values), len(b.values))
        if n_rounds >= stats.MIN_ROUNDS:
            _, lo, hi = stats.ratio_ci(a.values, b.values)
            _, lo90, hi90 = stats.ratio_ci(a.values, b.values, conf=stats.EQUIV_CONF)
            d["ci95"], d["ci90"] = [lo, hi], [lo90, hi90]
            d["min_detectable"] = stats.min_detectable(d["ratio"], lo, hi)
        if why:
            d["verdict"], d["verdict_kind"] = why, "not judged"
        elif n_rounds < stats.MIN_ROUNDS:
            d["verdict"], d["verdict_kind"] = verdict_text(stats.UNTESTED, None, d, n_rounds), stats.UNTESTED
        else:
            d["p"] = stats.mann_whitney_p(a.values, b.values, method=stats.u_method(a.values, b.values))
            if d["p"] is None:
                d["verdict"], d["verdict_kind"] = verdict_text(stats.UNTESTED, None, d, n_rounds), stats.UNTESTED
    return out, judge_families(out, alpha, fdr)


def judge_families(out, alpha=stats.ALPHA, fdr=True):
    """The verdict of every row with a p: each family's p corrected on its own, then stats.judge.
    Returns how many rows were tested."""
    tested = [d for d in out if d["p"] is not None]
    families = {}
    for d in tested:
        families.setdefault(d["family"], []).append(d)
    for d in out:
        d["family_tested"] = len(families.get(d["family"], []))
    for fam in families.values():
        qs = stats.bh_adjust([d["p"] for d in fam]) if fdr else [d["p"] for d in fam]
        for d, q in zip(fam, qs):
            d["q"] = q
    for d in tested:
        # stats.judge tests at stats.ALPHA; another --alpha scales q so that q < alpha decides alike
        word, direction = stats.judge(d["ratio"], d["ci95"], d["ci90"], d["q"] * stats.ALPHA / alpha, d["margin"])
        d["verdict_kind"] = word
        d["verdict"] = verdict_text(word, direction, d)
        d["significant"] = word == stats.DIFFERENT
    return len(tested)


def changed(d):
    """What --changed keeps: better, worse, an exact change, a moved threshold, n/a."""
    return d["significant"] or d["verdict"] == "moved" or d["verdict_kind"] == "n/a"


def summary_counts(rows):
    """{word: count} over the rows, the parenthesised details left out."""
    c = {}
    for d in rows:
        v, k = d["verdict"], d["verdict_kind"]
        v = (k if k in ("n/a", stats.EQUIVALENT, stats.UNDETERMINED, stats.UNTESTED, "not judged")
             else "exact change" if k == "exact" and v != "exact: same" else v)
        c[v] = c.get(v, 0) + 1
    return c


def largest(rows, verdict, n=8):
    """The n rows of this verdict with the largest change, and how many more there are."""
    hits = sorted((d for d in rows if d["verdict"] == verdict), key=lambda d: -abs(math.log(d["ratio"])))
    return hits[:n], max(0, len(hits) - n)


def family_count(rows):
    return len({d["family"] for d in rows if d["q"] is not None})


def families_json(rows):
    """{family: {"title", "rows", "tested"}}: every family of one comparison."""
    out = {}
    for d in rows:
        f = out.setdefault(d["family"], {"title": family_title(d["family"]), "rows": 0,
                                         "tested": d["family_tested"]})
        f["rows"] += 1
    return out


class Pair:
    """One comparison, A against B: the rows and what differs besides them."""

    basis = "rounds"   # what a row's values are (replicates.Pair: "runs")

    def __init__(self, ra, rb, alpha=stats.ALPHA, fdr=True):
        self.a, self.b = ra, rb
        self.methods = method_diff(ra, rb)
        self.topology = topology_diff(ra, rb)
        self.machine = machine_diff(ra.machine, rb.machine) + self.topology
        self.rows, self.tested = compare_rows(ra, rb, alpha, fdr, self.methods, self.topology)

    def json(self):
        return {"b": self.b.path, "tested": self.tested, "families": families_json(self.rows),
                "machine_diff": [{"field": k, "a": va, "b": vb} for k, va, vb in self.machine],
                "method": {"recorded": {"a": self.methods["known"][0], "b": self.methods["known"][1]},
                           "parts": self.methods["parts"],
                           "diff": [{"field": k, "a": va, "b": vb} for k, va, vb in self.methods["diffs"]]},
                "rows": self.rows}
