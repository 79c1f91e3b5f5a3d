"""scripts/lib/stats.py — the few statistics syspath reports, in one place.

Every headline figure is a median over rounds with a 95% interval; a
comparison is a ratio of medians with its own interval plus a Mann-Whitney U
test. Bootstrap intervals use a fixed seed so a report rebuilt from the same
JSON prints the same numbers.

Run with /usr/bin/python3 (Debian's numpy and scipy); no PyPI packages.
"""
import math
import statistics

BOOTSTRAP_RESAMPLES = 10000
_SEED = 20261126


def median(values):
    """Median of a non-empty sequence; None for an empty one."""
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _resampled_medians(values, resamples, rng):
    """Medians of `resamples` bootstrap resamples of values, as a numpy array."""
    import numpy as np  # Debian python3-numpy
    arr = np.asarray(values, dtype=float)
    idx = rng.integers(0, len(arr), size=(resamples, len(arr)))
    return np.median(arr[idx], axis=1)


def _percentiles(sorted_values, conf):
    n = len(sorted_values)
    return (float(sorted_values[int(math.floor((1 - conf) / 2 * (n - 1)))]),
            float(sorted_values[int(math.ceil((1 + conf) / 2 * (n - 1)))]))


def bootstrap_ci(values, conf=0.95, resamples=BOOTSTRAP_RESAMPLES):
    """Percentile-bootstrap interval of the median: (lo, hi).

    With one value the interval is that value; with none, (None, None).
    The resampling is numpy's, all resamples at once: a report or plot asks
    for hundreds of intervals, and a Python loop of 10000 resamples each took
    most of their time.
    """
    import numpy as np
    values = [v for v in values if v is not None]
    if not values:
        return (None, None)
    if len(values) == 1:
        return (values[0], values[0])
    meds = np.sort(_resampled_medians(values, resamples, np.random.default_rng(_SEED)))
    return _percentiles(meds, conf)


def ratio_ci(a, b, conf=0.95, resamples=BOOTSTRAP_RESAMPLES):
    """Ratio median(b) / median(a) and its bootstrap interval: (ratio, lo, hi)."""
    import numpy as np
    a = [v for v in a if v is not None]
    b = [v for v in b if v is not None]
    if not a or not b or median(a) == 0:
        return (None, None, None)
    rng = np.random.default_rng(_SEED)
    ma = _resampled_medians(a, resamples, rng)
    mb = _resampled_medians(b, resamples, rng)
    keep = ma != 0
    ratios = np.sort(mb[keep] / ma[keep])
    lo, hi = _percentiles(ratios, conf)
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
