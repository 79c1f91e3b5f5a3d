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
    n = len(arr)
    draws = arr[rng.integers(0, n, size=(resamples, n))]
    half = n // 2
    # a full sort of each short row is about twice as fast as np.median's partition
    # up to a few dozen values; beyond that the partition wins
    if n <= 64:
        draws.sort(axis=1)
    else:
        draws = np.partition(draws, [half - 1, half] if n % 2 == 0 else half, axis=1)
    return draws[:, half] if n % 2 else (draws[:, half - 1] + draws[:, half]) / 2


def _percentiles(values, conf):
    """The (1-conf)/2 and (1+conf)/2 order statistics of a numpy array (no full sort needed)."""
    import numpy as np
    n = len(values)
    lo, hi = int(math.floor((1 - conf) / 2 * (n - 1))), int(math.ceil((1 + conf) / 2 * (n - 1)))
    picked = np.partition(values, [lo, hi])
    return (float(picked[lo]), float(picked[hi]))


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
    return _percentiles(_resampled_medians(values, resamples, np.random.default_rng(_SEED)), conf)


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
    if not keep.any():
        return (median(b) / median(a), None, None)
    lo, hi = _percentiles(mb[keep] / ma[keep], conf)
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
