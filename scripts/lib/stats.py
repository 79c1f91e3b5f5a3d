"""scripts/lib/stats.py — the few statistics syspath reports, in one place.

Every headline figure is a median over rounds with a 95% interval; a
comparison is a ratio of medians with its own interval plus a Mann-Whitney U
test. Bootstrap intervals use a fixed seed so a report rebuilt from the same
JSON prints the same numbers.

Run with /usr/bin/python3 (Debian's numpy and scipy); no PyPI packages.
"""
import math
import random
import statistics

BOOTSTRAP_RESAMPLES = 10000
_SEED = 20261126


def median(values):
    """Median of a non-empty sequence; None for an empty one."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def bootstrap_ci(values, conf=0.95, resamples=BOOTSTRAP_RESAMPLES):
    """Percentile-bootstrap interval of the median: (lo, hi).

    With one value the interval is that value; with none, (None, None).
    """
    values = [v for v in values if v is not None]
    if not values:
        return (None, None)
    if len(values) == 1:
        return (values[0], values[0])
    rng = random.Random(_SEED)
    n = len(values)
    meds = sorted(statistics.median(rng.choices(values, k=n)) for _ in range(resamples))
    lo = meds[int(math.floor((1 - conf) / 2 * (resamples - 1)))]
    hi = meds[int(math.ceil((1 + conf) / 2 * (resamples - 1)))]
    return (lo, hi)


def ratio_ci(a, b, conf=0.95, resamples=BOOTSTRAP_RESAMPLES):
    """Ratio median(b) / median(a) and its bootstrap interval: (ratio, lo, hi)."""
    a = [v for v in a if v is not None]
    b = [v for v in b if v is not None]
    if not a or not b or median(a) == 0:
        return (None, None, None)
    rng = random.Random(_SEED)
    ratios = []
    for _ in range(resamples):
        ma = statistics.median(rng.choices(a, k=len(a)))
        mb = statistics.median(rng.choices(b, k=len(b)))
        if ma:
            ratios.append(mb / ma)
    ratios.sort()
    lo = ratios[int(math.floor((1 - conf) / 2 * (len(ratios) - 1)))]
    hi = ratios[int(math.ceil((1 + conf) / 2 * (len(ratios) - 1)))]
    return (median(b) / median(a), lo, hi)


def mann_whitney_p(a, b, method="auto"):
    """Two-sided Mann-Whitney U p-value, or None when either side has < 2 values.

    With fewer than about 4 values a side no difference can reach p < 0.05:
    callers should say "too few rounds" rather than "not significant".
    method goes to scipy: "auto" uses the normal approximation from 8 values a
    side, whose smallest p for 10 v 10 (1.8e-4) is 17x the exact one (1.1e-5);
    a caller correcting over hundreds of rows passes "exact" (valid without ties).
    """
    a = [v for v in a if v is not None]
    b = [v for v in b if v is not None]
    if len(a) < 2 or len(b) < 2:
        return None
    from scipy.stats import mannwhitneyu  # Debian python3-scipy
    if len(set(a) | set(b)) == 1:
        return 1.0
    return float(mannwhitneyu(a, b, alternative="two-sided", method=method).pvalue)
