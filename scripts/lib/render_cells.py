"""scripts/lib/render_cells.py — the cells every section of a run's markdown is made of: a
median with its interval, a ratio to a baseline, a comparison with its verdict, a plot's place."""
import os

import fmt
import stats
import verdict
from fmt import num


def count(row):
    """An instruction count: whole numbers as such (9, not 9.000)."""
    if row is None or row.median is None:
        return "–"
    v = row.median
    return "{:,}".format(int(v)) if v == int(v) else num(v, 4)


def with_ci(row):
    """'16.5 [16.2, 16.9]' — median and 95% interval."""
    if row is None or row.median is None:
        return "n/a"
    lo, hi = row.ci
    if lo is None or row.exact or lo == hi == row.median:
        return num(row.median)
    return "%s [%s, %s]" % (num(row.median), num(lo), num(hi))


def ratio_cell(ref, row, bold_wins=False):
    """'0.55× [0.53, 0.57]' — row / reference and its 95% interval (verdict.compare: per-round
    ratios for load rows measured in the same rounds); bold_wins: in bold when the row is
    significantly better."""
    if ref is None or row is None:
        return "–"
    if ref is row:
        return "1× (baseline)"
    c = verdict.compare(ref, row, equivalence=False)
    if c is None:
        return "–"
    text = fmt.ratio_with_ci(c["r"], c["lo"], c["hi"])
    if bold_wins and _better(c, row):
        text = "**%s**" % text
    return text


def short_ratio(ref, row):
    """'1.25×' in bold when significantly better, plain otherwise; '–' when unknown."""
    if ref is None or row is None:
        return "–"
    c = verdict.compare(ref, row, equivalence=False)
    if c is None:
        return "–"
    return ("**%.2f×**" if _better(c, row) else "%.2f×") % c["r"]


def _better(c, row):
    return stats.goodness(c["word"], c["direction"], row.higher_is_better) == "better"


def comparison_cell(c, words=("cheaper", "costlier")):
    """A judged comparison (verdict.compare) in one cell: '0.95× [0.91, 0.99], p 0.008, q 0.03,
    cheaper'. words: what a lower and a higher ratio mean to a reader. An untested one shows its
    ratio and the rounds it lacked; a p without a family correction has no q."""
    if c is None:
        return "–"
    if c["word"] == stats.UNTESTED:
        return "%s, %s" % (fmt.ratio_with_ci(c["r"], None, None), verdict.word(c, words))
    text = fmt.ratio_with_ci(c["r"], c["lo"], c["hi"]) + ", p %s" % num(c["p"], 2)
    if c["q"] is not None and c.get("m", 1) > 1:
        text += ", q %s" % num(c["q"], 2)
    return text + ", " + verdict.word(c, words)


def image(run, stem, alt):
    if os.path.exists(os.path.join(run.path, stem + ".png")):
        return "![%s](%s.png)\n\n<sub>[SVG](%s.svg)</sub>" % (alt, stem, stem) \
            if os.path.exists(os.path.join(run.path, stem + ".svg")) else "![%s](%s.png)" % (alt, stem)
    return "<sub>(%s.png not drawn: run `scripts/plot %s`)</sub>" % (stem, run.path)


def images(out, images, run, stem):
    return out + ["", image(run, stem, stem)] if images else out


def rounds_text(n):
    return "%d round%s" % (n, "" if n == 1 else "s")

