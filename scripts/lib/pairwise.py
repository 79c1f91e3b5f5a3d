"""scripts/lib/pairwise.py — scripts/compare's output for each folder against A.

One section per comparison (comparison.Pair): the method and machine
differences first, since they explain the rest, then one table per family,
then the counts. As terminal text, as Markdown (every table through
fmt.table) and as a chart of every ratio with its interval (--plot with two
folders).
"""
import math
import re

import comparison as cmp
import stats
from fmt import fmt_bytes, num, table

MARK_SIGNIFICANT = "*"


def tag(i):
    """The letter of folder i: A for the reference, B, C, ... for the others."""
    return chr(ord("A") + i)


def show(v, key=""):
    if isinstance(v, bool):
        return "yes" if v else "no"
    if v is None:
        return "none"
    if isinstance(v, int) and ("caches." in key or key.endswith("_bytes")):
        return fmt_bytes(v)
    return str(v)


def value_text(d, side):
    """A row's median on one side: a threshold as a size ('none': no size helped)."""
    v = d["%s_median" % side]
    if d["section"] == cmp.THRESHOLDS:
        return "–" if d["verdict_kind"] == "n/a" and v is None else fmt_bytes(v) if v is not None else "none"
    return num(v)


def ratio_text(d):
    if d["ratio"] is None:
        return "–"
    lo, hi = d["ci95"]
    if lo is None or (lo == hi == d["ratio"]):
        return "%.3f" % d["ratio"]
    return "%.3f [%.3f, %.3f]" % (d["ratio"], lo, hi)


def runs_text(d):
    """How many runs of each side have the row: '5:3'."""
    return "%d:%d" % (d["a_n"], d["b_n"])


def p_text(p):
    if p is None:
        return "–"
    return "<0.0001" if p < 1e-4 else "%.4f" % p


def keep(d, opts):
    if opts.filter and not re.search(opts.filter, d["name"]):
        return False
    return cmp.changed(d) if opts.changed else True


def by_family(rows):
    """[(family, title, rows)]: one table per family, in comparison.family_rank's order."""
    groups = {}
    for d in rows:
        groups.setdefault(d.get("family") or d["section"], []).append(d)
    return [(f, cmp.family_title(f), groups[f]) for f in sorted(groups, key=cmp.family_rank)]


def family_note(group, fdr):
    """What a pairwise table's title says of its family: how many rows were tested together."""
    n = group[0].get("family_tested", 0)
    if group[0]["section"] == "counts":
        if any(d.get("verdict_kind") == "not judged" for d in group):
            return "exact counts: not judged (the method above)"
        return "exact counts: no test, any change is real"
    if group[0]["section"] == cmp.THRESHOLDS:
        return "sizes: moved or unchanged, never better or worse"
    if not n:
        return "family: no row tested"
    return "family: %d tested row%s%s" % (n, "" if n == 1 else "s", ", BH within it" if fdr else "")


def method_line(tested, alpha, fdr, families=None, basis="rounds"):
    """How the verdicts were reached; basis "runs": each run's median is one value (replicates.py)."""
    fams = "" if families is None else " in %d families (each table corrected on its own)" % families
    return ("verdicts: Mann-Whitney U on %s, %s at %g over %d tested rows%s, the ratio's 95%% "
            "interval%s excluding 1× (better/worse), or its 90%% interval inside the declared margin (equivalent); "
            "none below %d %s a side" % (
                "the runs' medians" if basis == "runs" else "per-round values",
                "Benjamini-Hochberg FDR" if fdr else "uncorrected p", alpha, tested, fams,
                " (runs resampled, then rounds within each)" if basis == "runs" else "", stats.MIN_ROUNDS, basis))


def counts_line(rows):
    c = cmp.summary_counts(rows)
    return "%d rows: %s" % (len(rows), ", ".join("%d %s" % (v, k) for k, v in sorted(c.items())))


def method_lines(pair):
    """What the method section says, one line each (no differences: one line saying so)."""
    known = pair.methods["known"]
    runs = pair.basis == "runs"
    if not any(known):
        return ["unknown in both %s (run.json records no method): not checked" % ("sides" if runs else "folders")]
    lines = []
    if not all(known):
        lines.append("unknown in %s (%s records no method): its rows are not judged"
                     % ("A" if not known[0] else "B", "no run.json of its runs" if runs else "its run.json"))
    parts = pair.methods["parts"]
    # mixed: the runs of one side disagree (replicates.py); said whatever the other side records
    mixed = [p for p, s in parts.items() if s.startswith("mixed")]
    off = [p for p, s in parts.items() if s != "same" and p not in mixed]
    if not off and not mixed and all(known):
        lines.append("the same in every part (%s)" % ", ".join(parts) if parts else "the same")
    elif off and all(known):
        lines.append("differs in %s: rows of %s shown, not judged" % (
            ", ".join("%s (%s)" % (p, parts[p]) for p in off), "that part" if len(off) == 1 else "those parts"))
    if mixed:
        lines.append("not one method across a side's runs in %s: rows of %s shown, not judged" % (
            ", ".join("%s (%s)" % (p, parts[p]) for p in mixed), "that part" if len(mixed) == 1 else "those parts"))
    return lines


def schema_notes(runs):
    """The notes of folders written by a newer scripts/bench (read as far as this reader goes)."""
    return ["%s: %s" % (r.label, n) for r in runs for n in r.notes if n.startswith("machine.json schema")]


def header_lines(runs):
    return ["%s = %s  (%s, %s)" % (tag(i), r.path, r.machine_line(), r.date() or "date unknown")
            for i, r in enumerate(runs)]


# -- terminal ---------------------------------------------------------------------------------

def terminal(i, pair, opts, w):
    t = tag(i + 1)
    w("\n== method: A vs %s ==\n" % t)
    for line in method_lines(pair):
        w("  %s\n" % line)
    if pair.methods["diffs"]:
        kw = max(len(k) for k, _, _ in pair.methods["diffs"])
        for k, va, vb in pair.methods["diffs"]:
            w("  %-*s  %s  ->  %s\n" % (kw, k, show(va, k), show(vb, k)))
    w("\n== machine: A vs %s ==\n" % t)
    if not pair.machine:
        w("  identical (CPU, flags, caches, kernel, mitigations, software, syspath commit, topology)\n")
    else:
        kw = max(len(k) for k, _, _ in pair.machine)
        for k, va, vb in pair.machine:
            w("  %-*s  %s  ->  %s\n" % (kw, k, show(va, k), show(vb, k)))
        if pair.topology:
            w("  (the topology differs: load rows shown, not judged)\n")
    w("\n== rows: %s/A ==\n" % t)
    if getattr(pair, "note", None):
        w("  note: %s\n" % pair.note)
    shown = [d for d in pair.rows if keep(d, opts)]
    if not shown:
        w("  (no rows%s)\n" % (" match the filter" if opts.filter or opts.changed else ""))
    nw = min(52, max([len(d["name"]) for d in shown] + [4]))
    runs = pair.basis == "runs"   # the median of each side's run medians, and how many runs have the row
    head = "  %-*s %-10s %12s %12s %s %-26s %8s  %s\n" % (nw, "row", "unit", "A", t, "%-5s" % "runs" if runs else "",
                                                          "%s/A [95%% CI]" % t, "p", "verdict")
    for fam, title, group in by_family(shown):
        w("\n-- %s (%s) --\n" % (title, family_note(group, opts.fdr)))
        w(head)
        for d in group:
            w("%s %-*s %-10s %12s %12s %s %-26s %8s  %s%s\n" % (
                MARK_SIGNIFICANT if d["significant"] else " ", nw, d["name"][:nw], d["unit"], value_text(d, "a"),
                value_text(d, "b"), "%-5s" % runs_text(d) if runs else "", ratio_text(d), p_text(d["p"]),
                d["verdict"], " (flagged)" if d["flagged"] else ""))
    w("\n%s vs A: %s\n" % (t, counts_line(pair.rows)))
    for verdict in ("worse", "better"):
        hits, more = cmp.largest(pair.rows, verdict)
        if hits:
            w("  %s: %s%s\n" % (verdict, ", ".join("%s (%.2f×)" % (d["name"], d["ratio"]) for d in hits),
                                ", … %d more" % more if more else ""))
    w("(%s; * = better, worse or an exact change)\n" % method_line(pair.tested, opts.alpha, opts.fdr,
                                                                  cmp.family_count(pair.rows), pair.basis))


# -- markdown ---------------------------------------------------------------------------------

def diff_table(diffs, t):
    return table(["field", "A", t], [[k, show(va, k), show(vb, k)] for k, va, vb in diffs])


def markdown(i, pair, opts):
    t = tag(i + 1)
    L = ["## Method: A vs %s" % t, ""] + [line[0].upper() + line[1:] + "." for line in method_lines(pair)] + [""]
    if pair.methods["diffs"]:
        L += [diff_table(pair.methods["diffs"], t), ""]
    L += ["## Machine: A vs %s" % t, ""]
    if pair.machine:
        L.append(diff_table(pair.machine, t))
    else:
        L.append("Identical (CPU, flags, caches, kernel, mitigations, software, syspath commit, topology).")
    L += ["", "## Rows: %s / A" % t, ""]
    if getattr(pair, "note", None):
        L += ["> note: %s" % pair.note, ""]
    L += ["%s. <sub>%s; **bold** = better, worse or an exact change.</sub>" % (
              counts_line(pair.rows), method_line(pair.tested, opts.alpha, opts.fdr, cmp.family_count(pair.rows),
                                                  pair.basis)),
          ""]
    runs = pair.basis == "runs"
    for fam, title, group in by_family([d for d in pair.rows if keep(d, opts)]):
        rows = []
        for d in group:
            v = d["verdict"] + (" ⚠ flagged" if d["flagged"] else "")
            rows.append(["`%s`" % d["name"], d["unit"], value_text(d, "a"), value_text(d, "b")] +
                        ([runs_text(d)] if runs else []) +
                        [ratio_text(d), p_text(d["p"]), "**%s**" % v if d["significant"] else v])
        head = ["row", "unit", "A", t] + (["runs"] if runs else []) + ["%s/A [95%% CI]" % t, "p", "verdict"]
        L += ["### %s" % title, "", "<sub>%s</sub>" % family_note(group, opts.fdr), "",
              table(head, rows, align={i: " ---: " for i in range(2, len(head) - 1)}), ""]
    return "\n".join(L)


# -- the ratio chart --------------------------------------------------------------------------

PLOT_MAX_ROWS = 60
MARKERS = ["o", "s", "D", "^", "v", "P"]
BETTER, GREY = "#2e7d32", "#888888"


def plottable(d, opts):
    """A row the chart can show: a ratio of two measured figures (not a count, not a size)."""
    return d["ratio"] is not None and keep(d, opts) and d["section"] not in ("counts", cmp.THRESHOLDS)


def pick_rows(pairs, opts):
    """The rows the chart shows: all when they fit, else each comparison's better/worse rows
    (largest changes first, in turns), then the largest changes overall."""
    names = list(dict.fromkeys(d["name"] for p in pairs for d in p.rows if plottable(d, opts)))
    if len(names) <= PLOT_MAX_ROWS:
        return names, len(names)
    allowed = set(names)
    per = [sorted([d for d in p.rows if d["significant"] and d["name"] in allowed],
                  key=lambda d: -abs(math.log(d["ratio"]))) for p in pairs]
    chosen = []
    for turn in range(max(len(p) for p in per)):
        for p in per:
            if turn < len(p) and p[turn]["name"] not in chosen and len(chosen) < PLOT_MAX_ROWS:
                chosen.append(p[turn]["name"])
    # rows with identical values (a copied file) say nothing: leave them out of the fill
    rest = sorted((d for p in pairs for d in p.rows if d["name"] in allowed and d["name"] not in chosen
                   and d["ratio"] != 1.0), key=lambda d: -abs(math.log(d["ratio"])))
    for d in rest:
        if d["name"] not in chosen and len(chosen) < PLOT_MAX_ROWS:
            chosen.append(d["name"])
    keep_set = set(chosen)
    return [n for n in names if n in keep_set], len(names)


def _ticks(span):
    """Ticks outward from 1×, each at least 1/8 of the axis from the last: never crowded."""
    ups = (1.02, 1.05, 1.1, 1.2, 1.25, 1.5, 2, 3, 4, 5, 10, 20, 50, 100)
    downs = (0.98, 0.95, 0.9, 0.8, 0.75, 0.67, 0.5, 0.33, 0.25, 0.2, 0.1, 0.05, 0.02, 0.01)
    gap = 2 * math.log(span) / 8
    ticks = [1.0]
    for cands in (ups, downs):
        last = 0.0
        for c in cands:
            lc = abs(math.log(c))
            if lc - last >= gap and lc <= math.log(span):
                ticks.append(c)
                last = lc
    return ticks


def plot(ra, pairs, path, opts):
    """Every B relative to A (> 1× = B better), each with its 95% interval, coloured by verdict."""
    import plotting as pl
    names, total = pick_rows(pairs, opts)
    by = [{d["name"]: d for d in p.rows} for p in pairs]
    k = len(pairs)
    tags = [tag(i + 1) for i in range(k)]
    footer = ["A: %s — %s" % (ra.label, ra.machine_line())] + \
        ["%s: %s — %s" % (t, p.b.label, p.b.machine_line()) for t, p in zip(tags, pairs)]
    height = max(3.0, 0.2 * len(names) * (1 + 0.3 * (k - 1)) + 1.6 + 0.15 * len(footer))
    fig, ax = pl.figure(10, height)
    ys = list(range(len(names), 0, -1))
    xs_all, hollow_seen = [], False
    for i, b in enumerate(by):
        off = (0.25 - 0.5 * i / (k - 1)) if k > 1 else 0.0
        for y, n in zip(ys, names):
            d = b.get(n)
            if not d or d["ratio"] is None:
                continue
            # > 1× means B is better, whatever the unit: rates as they are, times and costs inverted
            inv = not d["higher_is_better"]
            r = 1 / d["ratio"] if inv else d["ratio"]
            lo, hi = d["ci95"]
            if lo is not None and hi is not None and lo > 0:
                lo, hi = (1 / hi, 1 / lo) if inv else (lo, hi)
            else:
                lo = hi = r
            colour = pl.FLAG if d["verdict"] == "worse" else BETTER if d["verdict"] == "better" else GREY
            hollow = d["verdict_kind"] in (stats.UNTESTED, "not judged")
            hollow_seen |= hollow
            ax.errorbar([r], [y + off], xerr=[[max(0, r - lo)], [max(0, hi - r)]], fmt=MARKERS[i % len(MARKERS)],
                        ms=4.5, color=colour, ecolor=colour, capsize=2, lw=1.1, zorder=4,
                        mfc="white" if hollow else colour)
            xs_all += [lo, hi]
    ax.axvline(1.0, color="black", lw=1.2)
    ax.set_yticks(ys)
    ax.set_yticklabels(["%s (%s)" % (n, next((b[n]["unit"] for b in by if n in b), "")) for n in names], fontsize=7.5)
    ax.set_ylim(0.4, len(names) + 0.6)
    ax.grid(axis="y", visible=False)
    pl.ratio_axis(ax, "x")
    if xs_all:
        span = max(max(xs_all), 1 / min(xs_all), 1.05) * 1.08
        ax.set_xlim(1 / span, span)
        ax.xaxis.set_major_locator(pl.ticker.FixedLocator(_ticks(span)))
    ax.set_xlabel("%s relative to A, 95%% interval (> 1× = better: faster, more throughput, less CPU)"
                  % ("B" if k == 1 else "each folder"))
    legend = [pl.plt.Line2D([], [], ls="none", marker="o", color=c, label=l)
              for c, l in ((pl.FLAG, "worse"), (BETTER, "better"), (GREY, "equivalent or undetermined"))]
    if hollow_seen:
        legend.append(pl.plt.Line2D([], [], ls="none", marker="o", color=GREY, mfc="white",
                                    label="untested (< %d %s) or not judged" % (stats.MIN_ROUNDS, pairs[0].basis)))
    if k > 1:
        legend += [pl.plt.Line2D([], [], ls="none", marker=MARKERS[i % len(MARKERS)], mfc="white", mec="#333333",
                                 label="%s: %s" % (t, p.b.label)) for i, (t, p) in enumerate(zip(tags, pairs))]
    ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    sub = "%d of %d rows: every better or worse one first, then the largest changes (full table: text output)" % (
        len(names), total) if total > len(names) else "%d rows" % total
    ax.set_title(sub, loc="left", fontsize=8, color="#444444")
    pl.finish(fig, "syspath compare — %s" % ", ".join(t + " vs A" for t in tags), "\n".join(footer),
              legend_right=2.3)
    return pl.save_as(fig, path)
