"""scripts/lib/verdict.py — one comparison of two rows of one run, judged by stats.judge.

A run's tables and headline set rows side by side; each such comparison is made here,
so the rule and its words are the same everywhere a run is rendered:

  ratio     row / reference with a 95% interval (stats.judge's "different") and a 90%
            one (its "equivalent": two one-sided tests at stats.ALPHA);
  paired    load rows measured in the same rounds (bench_run interleaves every row once
            per round, and a row's `rounds` list is in round order) are compared round by
            round: stats.paired_ratio_ci over the per-round ratios, so drift a round shares
            cancels. Rows with a failed round are not aligned and are compared unpaired
            (stats.ratio_ci), and say so;
  ratios    rows timed against their reference in the same loop (bench-helpers' auto rows and
            every mix row but glibc's carry vs_libc, one ratio per repetition) are judged
            against glibc's row from those ratios alone (timed_against, from_ratios): the same
            interval and test as paired rows;
  test      paired: the Wilcoxon signed-rank test of the per-round log ratios, when it can
            reach stats.ALPHA with that many rounds (its smallest two-sided p is 2 / 2^n, so
            from 6 rounds); with fewer it cannot, and the Mann-Whitney U test of the two rows'
            values stands in: valid (drift shared by a round only widens the two samples)
            though weaker. Unpaired: Mann-Whitney U (stats.mann_whitney_p, stats.u_method);
  family    a set of comparisons declared together is corrected with stats.bh_adjust
            (correct()): each verdict uses its q, the p after the family's correction;
  verdict   stats.judge's word, with the caller's words for the direction ("cheaper" /
            "costlier", "faster" / "slower"): different, equivalent within ±m%,
            undetermined (with the change the run could have detected) or untested.

stats.py has no signed-rank test; wilcoxon_p() below is the one place that calls scipy's.
"""
import math
import warnings

import stats

TEST_WILCOXON = "Wilcoxon signed-rank"
TEST_U = "Mann-Whitney U"


def round_aligned(row):
    """Whether a load row's values are one per round, in round order: no round failed (a
    failed round drops out of the list, shifting every later one) and, for a CPU row, no
    round without a CPU figure."""
    m = row.meta
    if m.get("failed_rounds") or m.get("failed"):
        return False
    return m.get("aligned") is True    # set by runfolder_load for load rows; repetitions never pair


def wilcoxon_min_p(n):
    """The smallest two-sided p an exact signed-rank test of n pairs can give."""
    return min(1.0, 2.0 / (2 ** n)) if n > 0 else 1.0


def wilcoxon_p(ratios):
    """Two-sided Wilcoxon signed-rank p of per-round ratios against 1 (on their logs), or None
    with fewer than 2 usable ratios. A round whose ratio is exactly 1 says nothing about the
    direction and is left out (Wilcoxon's own convention); none left: p 1. The exact
    distribution without tied magnitudes, else scipy's normal approximation."""
    logs = [math.log(r) for r in ratios if r is not None and r > 0]
    if len(logs) < 2:
        return None
    logs = [v for v in logs if v != 0]
    if not logs:
        return 1.0
    from scipy.stats import wilcoxon   # Debian python3-scipy
    exact = len({abs(v) for v in logs}) == len(logs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # "sample too small for the approximation": the p is still the best there is
        return float(wilcoxon(logs, method="exact" if exact else "approx").pvalue)


# a section's figures and the margin they are judged against (stats.MARGINS' kinds)
_MARGIN_KIND = {"accept": "load", "accept-cpu": "load", "keepalive": "load", "keepalive-cpu": "load",
                "htons": "helpers", "helpers": "helpers", "helpers-mix": "helpers", "helpers-align": "helpers",
                "syscalls": "syscalls", "hyperfine": "hyperfine",
                "counts": "counts"}
_CACHE = {}


def section_of(row):
    """The stats.MARGINS kind of a row's figure."""
    return _MARGIN_KIND.get(row.section, row.section)


def compare(ref, row, section=None, paired=None, equivalence=True):
    """Row ÷ ref judged alone (a family of one; correct() re-judges a family on a copy). None
    when either row or its median is missing. section: the margin's kind (default: the row's);
    paired: None decides by round_aligned(); equivalence=False skips the 90% interval (the
    verdict is then never "equivalent": for cells that only mark a difference).

    Returns {"r", "lo", "hi", "lo90", "hi90", "p", "q", "test", "paired", "n", "margin",
             "word", "direction", "mdc", "m", "verdict"}: m is the family's size (1 until
    correct()), q the p after its correction; verdict is word, kept for older callers."""
    if ref is None or row is None or ref.median is None or row.median is None or not ref.median:
        return None
    if section is None:
        section = section_of(row)
    ratios = timed_against(ref, row)
    if paired is None and not ratios:
        paired = round_aligned(ref) and round_aligned(row)
    key = (id(ref), id(row), section, "ratios" if ratios else bool(paired), bool(equivalence))
    if key not in _CACHE:
        # the rows are kept with their result: while they live their ids cannot name other rows
        _CACHE[key] = (ref, row, from_ratios(ratios, section, equivalence) if ratios
                       else _compare(ref, row, section, paired, equivalence))
    c = _CACHE[key][2]
    return dict(c) if c is not None else None


def _compare(ref, row, section, paired, equivalence):
    a, b = ref.values, row.values
    n = min(len(a), len(b))
    c = _unjudged(row.median / ref.median, n, paired, section)
    if n >= stats.MIN_ROUNDS:
        if paired:
            a, b = a[:n], b[:n]
            c["r"], c["lo"], c["hi"] = stats.paired_ratio_ci(a, b)
            if equivalence:
                _, c["lo90"], c["hi90"] = stats.paired_ratio_ci(a, b, conf=stats.EQUIV_CONF)
            if wilcoxon_min_p(n) < stats.ALPHA:
                c["test"] = TEST_WILCOXON
                c["p"] = wilcoxon_p([y / x for x, y in zip(a, b) if x])
        else:
            c["r"], c["lo"], c["hi"] = stats.ratio_ci(a, b)
            if equivalence:
                _, c["lo90"], c["hi90"] = stats.ratio_ci(a, b, conf=stats.EQUIV_CONF)
        if c["p"] is None:
            c["test"] = TEST_U
            c["p"] = stats.mann_whitney_p(a, b, method=stats.u_method(a, b))
        c["mdc"] = stats.min_detectable(c["r"], c["lo"], c["hi"])
    if c["r"] is None:
        return None
    _judge(c, c["p"])
    return c


def timed_against(ref, row):
    """row / ref as the ratios row measured against ref in one loop, or None: a helper row with
    bench-helpers' vs_libc (its time over glibc's, a repetition each) against glibc's row of
    the same family, size and placement. In row / ref's own terms: for a rate (GB/s) the
    inverse of the time ratio."""
    ratios = row.meta.get("vs_libc") if row.meta else None
    if not ratios or not ref.meta or ref.meta.get("variant") != "libc":
        return None
    same = ("kind", "family", "bytes", "misaligned", "dist")
    if any(ref.meta.get(k) != row.meta.get(k) for k in same):
        return None
    return [1.0 / x for x in ratios if x] if row.higher_is_better else list(ratios)


def _unjudged(r, n, paired, section):
    """A comparison's dict before its interval, test and verdict (compare's keys)."""
    return {"r": r, "lo": None, "hi": None, "lo90": None, "hi90": None, "p": None, "q": None,
            "test": None, "paired": bool(paired), "n": n, "margin": stats.margin_for(section),
            "mdc": None, "m": 1}


def from_ratios(ratios, section, equivalence=True):
    """A comparison measured as ratios in the first place (a helper row timed pass for pass
    against glibc: one ratio a repetition), judged as a paired one: the median ratio and its
    bootstrap intervals over the ratios (the 90% one only with equivalence), the Wilcoxon
    signed-rank test of their logs against 1. Same dict as compare(); None without ratios."""
    ratios = [x for x in ratios if x is not None and x > 0]
    if not ratios:
        return None
    n = len(ratios)
    c = _unjudged(stats.median(ratios), n, True, section)
    if n >= stats.MIN_ROUNDS:
        c["lo"], c["hi"] = stats.bootstrap_ci(ratios)
        if equivalence:
            c["lo90"], c["hi90"] = stats.bootstrap_ci(ratios, conf=stats.EQUIV_CONF)
        c["test"] = TEST_WILCOXON
        c["p"] = wilcoxon_p(ratios)
        c["mdc"] = stats.min_detectable(c["r"], c["lo"], c["hi"])
    _judge(c, c["p"])
    return c


def _judge(c, p):
    c["q"] = p
    c["word"], c["direction"] = stats.judge(c["r"], (c["lo"], c["hi"]), (c["lo90"], c["hi90"]), p, c["margin"])
    c["verdict"] = c["word"]


def correct(cs):
    """Correct a family of comparisons (a list that may hold None) with Benjamini-Hochberg
    and judge each on its q. Returns the list."""
    live = [c for c in cs if c is not None]
    qs = stats.bh_adjust([c["p"] for c in live])
    for c, q in zip(live, qs):
        c["m"] = len(live)
        _judge(c, q)
    return cs


def word(c, words=("cheaper", "costlier")):
    """The verdict as a reader reads it: words[0] for a lower ratio, words[1] for a higher one."""
    w = c["word"]
    if w == stats.DIFFERENT:
        return words[0] if c["direction"] == stats.LOWER else words[1]
    if w == stats.EQUIVALENT:
        return "equivalent within ±%g%%" % (100 * c["margin"])
    if w == stats.UNDETERMINED:
        return "undetermined (could detect ±%s)" % pct(c["mdc"]) if c["mdc"] is not None else "undetermined"
    return "untested (%d round%s)" % (c["n"], "" if c["n"] == 1 else "s")


def pct(frac):
    """A fraction as a short percentage: 0.071 -> '7.1%', 0.23 -> '23%'."""
    v = 100 * frac
    return ("%.1f%%" % v) if v < 10 else ("%.0f%%" % v)


def tally(cs):
    """{word: count} over a family's comparisons, every word present."""
    out = {w: 0 for w in (stats.DIFFERENT, stats.EQUIVALENT, stats.UNDETERMINED, stats.UNTESTED)}
    for c in cs:
        if c is not None:
            out[c["word"]] += 1
    return out


def tests_used(cs):
    """What the family's comparisons are, in words: paired or not, and which test."""
    kinds = sorted({("paired by round" if c["paired"] else "unpaired", c["test"]) for c in cs
                    if c is not None and c["test"]})
    return "; ".join("%s, %s" % k for k in kinds) or "no test (too few rounds)"
