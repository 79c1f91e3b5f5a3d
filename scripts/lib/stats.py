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

try:
    import numpy as _np   # Debian python3-numpy: the same resamples, ~100x faster
except ImportError:       # pragma: no cover - the pure-Python loop below gives the same numbers
    _np = None

BOOTSTRAP_RESAMPLES = 10000
_SEED = 20261126


# The bootstrap with numpy draws exactly the numbers random.Random(_SEED).choices()
# draws: numpy's MT19937 is started from the Python generator's state, both turn
# two 32-bit outputs into a double the same way (genrand_res53), and choices() picks
# population[floor(random() * n)]. So an interval does not depend on whether numpy
# was there, and reports rebuilt with either path print the same figures.
_BLOCK = 1 << 20    # uniforms per block: bounds the memory for long hyperfine series


def _uniform_blocks(per_resample, resamples):
    """The generator's stream as (rows, per_resample) blocks, in order, resamples rows in all."""
    key = random.Random(_SEED).getstate()[1]
    rs = _np.random.RandomState()
    rs.set_state(("MT19937", _np.array(key[:624], dtype=_np.uint32), key[624]))
    rows = max(1, _BLOCK // max(1, per_resample))
    done = 0
    while done < resamples:
        k = min(rows, resamples - done)
        yield rs.random_sample(k * per_resample).reshape(k, per_resample)
        done += k


def _split_indices(sizes, resamples):
    """For each resample, the indices random.choices(values, k=n) would pick, for each n in
    sizes in turn: a list of blocks, each a list of (rows, n) index arrays, one per size."""
    out = []
    for u in _uniform_blocks(sum(sizes), resamples):
        block, col = [], 0
        for n in sizes:
            block.append(_np.floor(u[:, col:col + n] * float(n)).astype(_np.intp))
            col += n
        out.append(block)
    return out


_INDEX_CACHE = {}
_INDEX_CACHE_MAX = 1 << 21   # indices kept per pattern: every round or repetition count, not hyperfine's runs


def _indices(sizes, resamples):
    """_split_indices, kept for reuse: every row of the same sizes draws the same indices
    (the generator starts from the same seed each time), so hundreds of rows share one draw."""
    key = (tuple(sizes), resamples)
    if key in _INDEX_CACHE:
        return _INDEX_CACHE[key]
    blocks = _split_indices(sizes, resamples)
    if sum(sizes) * resamples <= _INDEX_CACHE_MAX:
        _INDEX_CACHE[key] = blocks
    return blocks


def _row_medians(m):
    """statistics.median of each row: the middle value, or the mean of the two middle ones."""
    h = m.shape[1] // 2
    # a full sort is quicker for the short rows most series have; long ones (hyperfine's
    # hundreds of runs) need only the two middle values in place
    m = _np.sort(m, axis=1) if m.shape[1] <= 32 else _np.partition(m, (max(h - 1, 0), h), axis=1)
    return m[:, h] if m.shape[1] % 2 else (m[:, h - 1] + m[:, h]) / 2


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
    if _np is not None:
        arr = _np.asarray(values, dtype=float)
        meds = _np.concatenate([_row_medians(arr[i]) for (i,) in _indices((len(arr),), resamples)])
        ilo = int(math.floor((1 - conf) / 2 * (resamples - 1)))
        ihi = int(math.ceil((1 + conf) / 2 * (resamples - 1)))
        meds = _np.partition(meds, (ilo, ihi))
        return (float(meds[ilo]), float(meds[ihi]))
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
    if _np is not None:
        va, vb = _np.asarray(a, dtype=float), _np.asarray(b, dtype=float)
        parts = []
        for ia, ib in _indices((len(va), len(vb)), resamples):
            ma = _row_medians(va[ia])
            mb = _row_medians(vb[ib])
            keep = ma != 0
            parts.append(mb[keep] / ma[keep])
        ratios = _np.concatenate(parts)
        ilo = int(math.floor((1 - conf) / 2 * (len(ratios) - 1)))
        ihi = int(math.ceil((1 + conf) / 2 * (len(ratios) - 1)))
        ratios = _np.partition(ratios, (ilo, ihi))   # the two order statistics, not a full sort
        lo, hi = float(ratios[ilo]), float(ratios[ihi])
        return (median(b) / median(a), lo, hi)
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
    if len(set(a) | set(b)) == 1:
        return 1.0
    if method == "exact" and len(set(a) | set(b)) == len(a) + len(b):
        return _exact_u_p(a, b)
    from scipy.stats import mannwhitneyu  # Debian python3-scipy
    return float(mannwhitneyu(a, b, alternative="two-sided", method=method).pvalue)


# The exact two-sided p of Mann-Whitney U without ties, as scipy's method="exact" gives
# it (2 * P(U >= max(U1, U2)), at most 1), from the distribution's counts kept per
# pair of sizes. scipy rebuilds its table whenever the sizes change, which across a
# folder's rows (9 repetitions, 5 rounds, 20 runs, in turns) cost ~35 ms a row.
_U_COUNTS = {}


def _u_cdf_counts(n, m):
    """Cumulative counts of U = 0..n*m over all C(n+m, n) orderings: the coefficients of the
    Gaussian binomial [n+m choose n]_q, built as prod_{i=1..n} (1 - q^(m+i)) / (1 - q^i), exactly."""
    key = (min(n, m), max(n, m))
    if key not in _U_COUNTS:
        n, m = key
        top = n * m
        poly = [1] + [0] * top
        for i in range(1, n + 1):
            a = m + i
            for k in range(top, a - 1, -1):     # times (1 - q^a)
                poly[k] -= poly[k - a]
            for k in range(i, top + 1):         # divided by (1 - q^i): exact, the result is a polynomial
                poly[k] += poly[k - i]
        cum, run = [], 0
        for c in poly:
            run += c
            cum.append(run)
        _U_COUNTS[key] = cum
    return _U_COUNTS[key]


def _exact_u_p(a, b):
    n, m = len(a), len(b)
    ranks = {v: r for r, v in enumerate(sorted(a + b), 1)}
    u1 = sum(ranks[v] for v in a) - n * (n + 1) // 2
    u = max(u1, n * m - u1)
    cum = _u_cdf_counts(n, m)
    return min(1.0, 2 * cum[n * m - u] / cum[-1])
