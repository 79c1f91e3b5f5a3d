"""scripts/lib/replicates.py — runs as replicates: scripts/compare A1 A2 A3 --vs B1 B2 B3.

Two runs of one machine differ by more than their rounds say (another boot,
another neighbour on the host), so a comparison of two single folders calls
that drift a difference. With MIN_RUNS or more run folders of one machine a
side, each run's median is one replicate: a row's figure is the median of its
runs' medians, its ratio's interval stats.run_ratio_ci (runs resampled, then
rounds within each), its p the Mann-Whitney U over the runs' medians, and its
verdict stats.judge's, corrected per family as comparison.py does. A machine's
folder (results/<slug>/) stands for all its run folders.

A side's runs must be of one machine (machine.json's slug): else the input is
refused (Refused: one line). They should share one method per part (run.json's
"method", microbench.json's helper method) and one topology: where they do not,
that part's rows are shown, not judged ("method mixed in A"), as a method
difference between A and B is. Pair has comparison.Pair's shape, so pairwise.py
writes it; basis = "runs" tells it to say runs where it says rounds.
"""
import os

import comparison as cmp
import runfolder
import stats

MIN_RUNS = stats.MIN_ROUNDS   # below it a side has no interval: refused, never a verdict from 2 runs


class Refused(Exception):
    """Input that runs-as-replicates cannot use; str() is one line."""


def is_run_folder(path):
    try:
        entries = os.listdir(path)
    except OSError:
        return False
    return any(f in entries for f in runfolder.KNOWN) or any(runfolder.HYPERFINE_GLOB.match(f) for f in entries)


def machine_folder_runs(path):
    """A machine's folder (no run files of its own, run folders inside): those, oldest first
    (their timestamp names sort in time); else []."""
    if not os.path.isdir(path) or is_run_folder(path):
        return []
    return [os.path.join(path, e) for e in sorted(os.listdir(path)) if is_run_folder(os.path.join(path, e))]


def expand(paths):
    """The run folders the arguments name: a machine's folder as its runs, anything else as given
    (runfolder.load then says what is wrong with it)."""
    return [f for p in paths for f in (machine_folder_runs(p) or [p])]


def machine_of(run):
    return run.machine.get("slug") or run.machine_line()


def short(run):
    """A run's name within its machine: its timestamp folder."""
    return os.path.basename(os.path.normpath(run.path))


class Side:
    """The runs of one side; label and machine_line() as a Run has them, for the plot."""

    def __init__(self, tag, runs):
        self.tag, self.runs = tag, runs
        self.paths = [r.path for r in runs]
        self.label = "%s, %d runs" % (machine_of(runs[0]), len(runs))

    def machine_line(self):
        return self.runs[0].machine_line()


def sides(paths_a, paths_b, load):
    """Side A and side B from the arguments; load(paths) reads the folders (RunFolderError).
    Refused: too few runs, a folder given twice, or two machines on one side."""
    out, seen = [], {}
    for tag, paths in (("A", paths_a), ("B", paths_b)):
        folders = expand(paths)
        for f in folders:
            key = os.path.realpath(f)
            if key in seen:
                raise Refused("%s is given twice (%s): each run counts once" % (
                    f, "on side %s" % tag if seen[key] == tag else "on both sides"))
            seen[key] = tag
        if len(folders) < MIN_RUNS:
            raise Refused("side %s has %d run folder%s; runs as replicates need %d or more a side (two single "
                          "folders: leave out --vs)" % (tag, len(folders), "" if len(folders) == 1 else "s", MIN_RUNS))
        runs = load(folders)
        machines = list(dict.fromkeys(machine_of(r) for r in runs))
        if len(machines) > 1:
            raise Refused("side %s mixes machines (%s): its runs must be of one machine" % (tag, ", ".join(machines)))
        out.append(Side(tag, runs))
    return out


# -- what a side's runs agree on ----------------------------------------------------------------

def agreed(values, runs):
    """(True, the value) when every run has the same; else (False, a text naming who has which)."""
    if all(v == values[0] for v in values):
        return True, values[0]
    groups = {}
    for v, r in zip(values, runs):
        groups.setdefault(repr(v), [v, []])[1].append(short(r))
    return False, "mixed: " + "; ".join("%s in %s" % (cmp.UNKNOWN if v is None else v,
                                                      ", ".join(names) if len(names) <= 2 else "%d runs" % len(names))
                                        for v, names in groups.values())


def method_diff(sa, sb):
    """comparison.method_diff's answer for two sides; a part the runs of a side disagree on (one
    of them records none included) is "mixed in A" (or B, or A and B) and is not judged."""
    per = []
    for s in (sa, sb):
        ms = [runfolder.method(r) or {} for r in s.runs]
        parts = dict.fromkeys(p for m in ms for p in m)
        per.append((ms, {p: agreed([runfolder.method_identity(m.get(p)) for m in ms], s.runs)
                         for p in parts}))
    (msa, pa), (msb, pb) = per
    out = {"known": (any(msa), any(msb)), "diffs": [], "parts": {}}
    for part in dict.fromkeys(list(pa) + list(pb)):
        (oka, va), (okb, vb) = pa.get(part, (True, None)), pb.get(part, (True, None))
        mixed = [t for t, ok in (("A", oka), ("B", okb)) if not ok]
        if mixed:
            status = "mixed in %s" % " and ".join(mixed)
        elif va is None and vb is None:
            continue
        elif va is None or vb is None:
            status = "unknown in %s" % ("A" if va is None else "B")
        else:
            status = "same" if va == vb else "differs"
        out["parts"][part] = status
        if status == "same":
            continue
        fields = []
        for s, ms in ((sa, msa), (sb, msb)):
            # a run without the part has every field unknown; one with it, a field it lacks "–"
            flat = [None if m.get(part) is None else cmp.flatten(
                m[part] if isinstance(m[part], dict) else {"": m[part]}, "method.%s." % part) for m in ms]
            keys = dict.fromkeys(k for f in flat if f for k in f)
            fields.append({k: agreed([cmp.UNKNOWN if f is None else f.get(k, "–") for f in flat], s.runs)[1]
                           for k in keys})
        for k in dict.fromkeys(list(fields[0]) + list(fields[1])):
            a, b = fields[0].get(k, cmp.UNKNOWN), fields[1].get(k, cmp.UNKNOWN)
            if a != b or str(a).startswith("mixed"):
                out["diffs"].append((k.rstrip("."), a, b))
    return out


def machine_diff(sa, sb):
    """[(field, a, b)] of the machine.json fields that differ between the sides; a field that
    varies between the runs of a side (the syspath commit, a kernel update) says so."""
    merged = []
    for s in (sa, sb):
        flat = [{k: v for k, v in cmp.flatten(r.machine).items() if k.split(".", 1)[0] not in cmp.MACHINE_SKIP}
                for r in s.runs]
        m = {}
        for k in dict.fromkeys(k for f in flat for k in f):
            vals = [f.get(k, "–") for f in flat]
            n = len(set(map(repr, vals)))
            m[k] = vals[0] if n == 1 else "%d values over %d runs" % (n, len(vals))
        merged.append(m)
    return cmp.machine_diff(*merged)


def topology(sa, sb):
    """(the topology differences as machine differences, the sides whose runs disagree on it)."""
    mixed, texts = [], []
    for s in (sa, sb):
        ok, v = agreed([runfolder.as_dict(r.info).get("topology") for r in s.runs], s.runs)
        texts.append(v)
        if not ok:
            mixed.append(s.tag)
    if mixed:
        return [("topology", texts[0], texts[1])], mixed
    return cmp.topology_diff(sa.runs[0], sb.runs[0]), []


# -- the rows -----------------------------------------------------------------------------------

def _one(values):
    """A side's figure for a threshold: the runs' common size, else the median of those there."""
    vals = set(values)
    if len(vals) == 1:
        return values[0]
    return stats.median([v for v in values if v is not None])


def compare_rows(sa, sb, alpha=stats.ALPHA, fdr=True, methods=None, topo=([], [])):
    """Every row of either side's runs, matched by name (comparison.all_rows: counters and
    thresholds included): a list of --json row dicts, and how many rows were tested. A row
    counts the runs that have it (a_n, b_n: runs, not rounds)."""
    methods = methods if methods is not None else method_diff(sa, sb)
    topo_diff, topo_mixed = topo
    rows_a, rows_b = ([cmp.all_rows(r) for r in s.runs] for s in (sa, sb))
    out = []
    for n in dict.fromkeys(n for rows in rows_a + rows_b for n in rows):
        a, b = [rows[n] for rows in rows_a if n in rows], [rows[n] for rows in rows_b if n in rows]
        d = cmp.blank_row(n, a[0] if a else None, b[0] if b else None)
        d["flagged"] = any(r.flagged for r in a + b)
        out.append(d)
        ma, mb = [r.median for r in a if r.median is not None], [r.median for r in b if r.median is not None]
        if not a or not b:
            d["a_n"], d["b_n"] = len(a), len(b)
            d["a_median"], d["b_median"] = stats.median(ma), stats.median(mb)
            d["verdict"], d["verdict_kind"] = ("n/a (not in A)" if not a else "n/a (only in A)"), "n/a"
            continue
        if d["section"] == cmp.THRESHOLDS:
            d["a_n"], d["b_n"] = len(a), len(b)
            d["a_median"], d["b_median"] = _one([r.median for r in a]), _one([r.median for r in b])
            if d["a_median"] and d["b_median"]:
                d["ratio"] = d["b_median"] / d["a_median"]
            d["verdict"] = "unchanged" if {r.median for r in a} == {r.median for r in b} else "moved"
            d["verdict_kind"] = "threshold"
            continue
        d["a_n"], d["b_n"] = len(ma), len(mb)
        if not ma or not mb or not stats.median(ma):
            d["verdict"], d["verdict_kind"] = "n/a (no value)", "n/a"
            continue
        d["a_median"], d["b_median"] = stats.median(ma), stats.median(mb)
        d["ratio"] = d["b_median"] / d["a_median"]
        why = ("not judged: topology mixed in %s" % " and ".join(topo_mixed)
               if topo_mixed and cmp.load_kind(d["section"]) else cmp.not_judged_why(d["section"], methods, topo_diff))
        if any(r.exact for r in a + b):
            if why:   # an exact count is only a change when it was counted the same way
                d["verdict"], d["verdict_kind"] = why, "not judged"
                continue
            varies = [t for t, m in (("A", ma), ("B", mb)) if len(set(m)) > 1]
            if varies:   # a count is exact in each run: one that moves between runs changed code
                d["verdict"], d["verdict_kind"] = "not judged: count varies within %s" % " and ".join(varies), \
                    "not judged"
                continue
            d["ci95"] = d["ci90"] = [d["ratio"], d["ratio"]]
            same = abs(d["b_median"] - d["a_median"]) <= 1e-9 * max(abs(d["a_median"]), 1.0)
            d["verdict"] = "exact: same" if same else "exact: %+.1f%%" % (100 * (d["ratio"] - 1))
            d["verdict_kind"], d["significant"] = "exact", not same
            continue
        d["margin"] = stats.margin_for(cmp.margin_kind(d["section"]))
        n_runs = min(len(ma), len(mb))
        if n_runs >= MIN_RUNS:
            va = [r.values or [r.median] for r in a if r.median is not None]
            vb = [r.values or [r.median] for r in b if r.median is not None]
            _, lo, hi = stats.run_ratio_ci(va, vb)
            _, lo90, hi90 = stats.run_ratio_ci(va, vb, conf=stats.EQUIV_CONF)
            d["ci95"], d["ci90"] = [lo, hi], [lo90, hi90]
            d["min_detectable"] = stats.min_detectable(d["ratio"], lo, hi)
        if why:
            d["verdict"], d["verdict_kind"] = why, "not judged"
        elif n_runs < MIN_RUNS:
            d["verdict"] = cmp.verdict_text(stats.UNTESTED, None, d, n_runs, unit="run")
            d["verdict_kind"] = stats.UNTESTED
        else:
            d["p"] = stats.mann_whitney_p(ma, mb, method=stats.u_method(ma, mb))
    return out, cmp.judge_families(out, alpha, fdr)


def p_floor_note(sa, sb, alpha):
    """What the run counts allow, when they cannot make a row better or worse; else None. The
    U over n and m run medians cannot go below stats.min_p(n, m): 0.1 for 3 v 3."""
    n, m = len(sa.runs), len(sb.runs)
    if stats.min_p(n, m) < alpha:
        return None
    need = [n, m]
    while stats.min_p(*need) >= alpha:
        need[need.index(min(need))] += 1
    return ("%d v %d runs: the smallest two-sided p of a Mann-Whitney U over their medians is %.3g, not below "
            "alpha %g, so no row can be better or worse (equivalent and undetermined still tell); %d v %d runs "
            "can (%.2g)" % (n, m, stats.min_p(n, m), alpha, need[0], need[1], stats.min_p(*need)))


def header_lines(sa, sb):
    """Every folder of each side, under its machine."""
    out = []
    for s in (sa, sb):
        out.append("%s = %d runs of %s (%s):" % (s.tag, len(s.runs), machine_of(s.runs[0]), s.machine_line()))
        out += ["      %s  (%s)" % (r.path, r.date() or "date unknown") for r in s.runs]
    return out


def markdown_header(sa, sb):
    return ["- **%s**: %d runs of %s (%s): %s" % (s.tag, len(s.runs), machine_of(s.runs[0]), s.machine_line(),
                                                 ", ".join("`%s`" % short(r) for r in s.runs)) for s in (sa, sb)]


class Pair:
    """Side A against side B, the shape of comparison.Pair: the rows and what differs besides."""

    basis = "runs"

    def __init__(self, sa, sb, alpha=stats.ALPHA, fdr=True):
        self.a, self.b = sa, sb
        self.methods = method_diff(sa, sb)
        self.topology, self.topology_mixed = topology(sa, sb)
        self.machine = machine_diff(sa, sb) + self.topology
        self.rows, self.tested = compare_rows(sa, sb, alpha, fdr, self.methods, (self.topology, self.topology_mixed))
        self.note = p_floor_note(sa, sb, alpha)

    def json(self):
        return {"a": self.a.paths, "b": self.b.paths, "basis": "runs", "tested": self.tested,
                "families": cmp.families_json(self.rows), "p_floor": stats.min_p(len(self.a.runs), len(self.b.runs)),
                "note": self.note,
                "machine_diff": [{"field": k, "a": va, "b": vb} for k, va, vb in self.machine],
                "method": {"recorded": {"a": self.methods["known"][0], "b": self.methods["known"][1]},
                           "parts": self.methods["parts"],
                           "diff": [{"field": k, "a": va, "b": vb} for k, va, vb in self.methods["diffs"]]},
                "rows": self.rows}
