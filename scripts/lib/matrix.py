"""scripts/lib/matrix.py — three or more folders at once: scripts/compare's matrix.

Rows by name, one column per folder, each folder's ratio to A with its
interval and a mark for its verdict (each folder judged against A alone, by
comparison.Pair), opened by the headline figures of figures.py: the value in
each folder, then its ratio to A. As terminal text, as Markdown (through
fmt.table) and as a heat map of the headline figures (--plot).

A threshold (where rep or non-temporal stores take over) can only move: its
cells say so and are never painted better or worse; neither are rows whose
method differs between the folders.
"""
import math
import re

import figures
import stats
from fmt import num, table
from pairwise import by_family, tag

# the mark each verdict puts after a ratio
MARK = {"better": "+", "worse": "-", stats.EQUIVALENT: "=", stats.UNDETERMINED: "?", stats.UNTESTED: "u",
        "not judged": "x", "moved": "~"}
LEGEND = ("+ better, - worse, = equivalent, ? undetermined, u untested (< %d rounds), x not judged (method "
          "differs), ~ threshold moved, ! exact count changed, n/a not in that folder" % stats.MIN_ROUNDS)


def mark(c):
    v, k = c.get("verdict") or "", c.get("verdict_kind")
    if k == "exact":
        return "" if v == "exact: same" else "!"
    return MARK.get(v, MARK.get(k, ""))


_KEYS = {}


def key_matrix(runs, pairs):
    """One dict per headline figure: its value in every folder, each folder's ratio to A and, for
    a measured figure, the pairwise verdict (a derived ratio has no test: verdict None; a
    threshold that changed is "moved")."""
    memo = tuple(id(x) for x in list(runs) + list(pairs))
    if memo in _KEYS:
        return _KEYS[memo]
    by = [{d["name"]: d for d in p.rows} for p in pairs]
    out = _KEYS[memo] = []
    for f in figures.FIGURES:
        vals = [f.value(r) for r in runs]
        texts = [f.text(r) for r in runs]
        cells = []
        for i, v in enumerate(vals[1:]):
            a = vals[0]
            d = by[i].get(f.row) if f.row else None
            c = {"value": v, "text": texts[i + 1], "ratio": (v / a) if (v is not None and a) else None,
                 "ci95": d["ci95"] if d else [None, None], "verdict": d["verdict"] if d else None,
                 "verdict_kind": d["verdict_kind"] if d else None}
            if f.kind == figures.THRESHOLD:
                moved = texts[i + 1] != texts[0]
                c["verdict"], c["verdict_kind"] = ("moved" if moved else "unchanged"), "threshold"
            cells.append(c)
        out.append({"figure": f.label, "key": f.key, "kind": f.kind, "unit": f.unit,
                    "higher_is_better": f.higher_is_better, "row": f.row, "a": vals[0], "a_text": texts[0],
                    "cells": cells})
    return out


def row_matrix(pairs):
    """Every row by name: A's median and, per other folder, its pairwise ratio, interval and verdict."""
    names = list(dict.fromkeys(d["name"] for p in pairs for d in p.rows))
    by = [{d["name"]: d for d in p.rows} for p in pairs]
    out = []
    for n in names:
        ds = [b.get(n) for b in by]
        first = next(d for d in ds if d)
        a_med = next((d["a_median"] for d in ds if d and d["a_median"] is not None), None)
        out.append({"name": n, "section": first["section"], "family": first["family"], "unit": first["unit"],
                    "higher_is_better": first["higher_is_better"], "a_median": a_med,
                    "cells": [{"median": d["b_median"] if d else None, "ratio": d["ratio"] if d else None,
                               "ci95": d["ci95"] if d else [None, None],
                               "verdict": d["verdict"] if d else "n/a (not in this folder)",
                               "verdict_kind": d["verdict_kind"] if d else "n/a",
                               "significant": d["significant"] if d else False} for d in ds]})
    return out


def cell_text(c):
    if c["ratio"] is None:
        return "n/a" if (c.get("verdict_kind") == "n/a" or not c.get("verdict")) else "–"
    lo, hi = c["ci95"]
    if lo is None or hi is None or lo == hi:
        return "%.3f%s" % (c["ratio"], mark(c))
    return "%.2f [%.2f,%.2f]%s" % (c["ratio"], lo, hi, mark(c))


def matrix_rows(pairs, opts):
    """row_matrix's rows that --filter keeps, and with --changed only those changed somewhere."""
    rows = [r for r in row_matrix(pairs) if not opts.filter or re.search(opts.filter, r["name"])]
    if opts.changed:
        rows = [r for r in rows if any(c["significant"] or c["verdict"] == "moved" or c["verdict_kind"] == "n/a"
                                       for c in r["cells"])]
    return rows


def _key_ratio(c, markdown=False):
    """The second line of a headline cell: X/A with its mark; a threshold says only whether it moved."""
    if c.get("verdict_kind") == "threshold":
        return "moved" if c["verdict"] == "moved" else "–"
    if c["ratio"] is None:
        return "–"
    m = mark(c)
    if markdown and m in ("+", "-"):
        m = " **%s**" % ("+" if m == "+" else "−")
    return "%.2f×%s" % (c["ratio"], m)


def terminal(runs, pairs, opts, w):
    tags = [tag(i) for i in range(len(runs))]
    w("\n== matrix: every folder relative to A (%d folders) ==\n" % len(runs))
    w("  ratio X/A [95%% interval]; %s\n" % LEGEND)
    keys = key_matrix(runs, pairs)
    lw = max(len(k["figure"]) for k in keys)
    cw = 16
    w("\n-- headline figures: the value in each folder, then X/A --\n")
    w("  %-*s %s\n" % (lw, "figure", " ".join("%*s" % (cw, t) for t in tags)))
    for k in keys:
        vals = [k["a_text"]] + [c["text"] for c in k["cells"]]
        w("  %-*s %s\n" % (lw, k["figure"], " ".join("%*s" % (cw, v) for v in vals)))
        w("  %-*s %s\n" % (lw, "", " ".join("%*s" % (cw, r) for r in [""] + [_key_ratio(c) for c in k["cells"]])))
    rows = matrix_rows(pairs, opts)
    nw = min(48, max([len(r["name"]) for r in rows] + [4]))
    cw = 24
    for fam, title, group in by_family(rows):
        w("\n-- %s --\n" % title)
        w("  %-*s %-9s %10s %s\n" % (nw, "row", "unit", "A", " ".join("%-*s" % (cw, t + "/A") for t in tags[1:])))
        for r in group:
            w("  %-*s %-9s %10s %s\n" % (nw, r["name"][:nw], r["unit"], num(r["a_median"]),
                                        " ".join("%-*s" % (cw, cell_text(c)) for c in r["cells"])))


def markdown(runs, pairs, opts):
    tags = [tag(i) for i in range(len(runs))]
    right = {i: " ---: " for i in range(1, len(tags) + 1)}
    L = ["## Matrix: every folder relative to A", "",
         "Ratio X/A with its 95% interval; " + LEGEND.replace("+ better, - worse", "**+** better, **−** worse") + ".",
         "", "### Headline figures", ""]
    rows = []
    for k in key_matrix(runs, pairs):
        cells = [k["a_text"]]
        for c in k["cells"]:
            r = _key_ratio(c, markdown=True)
            cells.append(c["text"] + (" (%s)" % r if r != "–" else ""))
        rows.append([k["figure"]] + cells)
    L += [table(["figure"] + tags, rows, align=right), ""]
    for fam, title, group in by_family(matrix_rows(pairs, opts)):
        L += ["### %s" % title, "",
              table(["row", "unit", "A"] + [t + "/A" for t in tags[1:]],
                    [["`%s`" % r["name"], r["unit"], num(r["a_median"])] + [cell_text(c) for c in r["cells"]]
                     for r in group], align={i: " ---: " for i in range(2, len(tags) + 2)}), ""]
    return "\n".join(L)


def goodness_map(keys, n):
    """log2 of each cell's ratio, signed so that > 0 is better; NaN where nothing may be painted:
    a threshold (it moves, it is not better or worse), a row not judged, a missing value."""
    import numpy as np
    good = np.full((len(keys), n), np.nan)
    for i, k in enumerate(keys):
        if k["kind"] == figures.THRESHOLD:
            continue
        good[i, 0] = 0.0 if k["a"] is not None else np.nan
        for j, c in enumerate(k["cells"]):
            if c["ratio"] and c["verdict_kind"] != "not judged":
                good[i, j + 1] = math.log2(c["ratio"]) * (1 if k["higher_is_better"] else -1)
    return good


def plot(runs, pairs, path):
    """A heat map of the headline figures: a column per folder, a row per figure; the colour says how
    much better (green) or worse (red) than A, the text gives the value itself; thresholds grey."""
    import numpy as np
    import plotting as pl
    keys = key_matrix(runs, pairs)
    n = len(runs)
    good = goodness_map(keys, n)
    fig, ax = pl.figure(3.4 + 1.3 * n, 2.2 + 0.42 * len(keys))
    cmap = pl.plt.get_cmap("RdYlGn").copy()
    cmap.set_bad("#eeeeee")
    ax.imshow(np.ma.masked_invalid(good), cmap=cmap, vmin=-2, vmax=2, aspect="auto")
    for i, k in enumerate(keys):
        for j, t in enumerate([k["a_text"]] + [c["text"] for c in k["cells"]]):
            if j:
                c = k["cells"][j - 1]
                r = _key_ratio(c)
                if r != "–":
                    t += "\n" + r.replace("×-", "×−")
            strong = not np.isnan(good[i, j]) and abs(good[i, j]) > 1.4
            ax.text(j, i, t, ha="center", va="center", fontsize=7, color="white" if strong else "black")
    ax.set_xticks(range(n))
    ax.set_xticklabels(["%s\n%s" % (tag(j), _short(r)) for j, r in enumerate(runs)], fontsize=6.5)
    ax.set_yticks(range(len(keys)))
    ax.set_yticklabels(["%s (%s)" % (k["figure"], k["unit"]) for k in keys], fontsize=7.5)
    ax.grid(False)
    ax.set_title("green: better than A, red: worse (full colour at 4×)\n"
                 "grey: a threshold (it moves, it is not better or worse) or not judged\n"
                 "+ / −: better / worse when tested against A; = equivalent; ? undetermined",
                 loc="left", fontsize=7.5, color="#444444")
    footer = "\n".join("%s: %s — %s" % (tag(j), r.label, r.machine_line()) for j, r in enumerate(runs))
    pl.finish(fig, "syspath compare — %d folders, headline figures" % n, footer)
    return pl.save_as(fig, path)


def _short(run):
    cpu = run.machine.get("cpu") if isinstance(run.machine.get("cpu"), dict) else {}
    arch = cpu.get("microarch")
    date = (run.date() or "")[:10]
    return "%s\n%s" % (arch if arch and arch != "unknown" else run.label.split("/")[0][:16], date)


def json_doc(runs, pairs):
    return {"folders": [r.path for r in runs], "key": key_matrix(runs, pairs), "rows": row_matrix(pairs)}

