"""scripts/lib/utest.py — the Mann-Whitney U test of stats.py (which re-exports it: callers
import stats alone), worked here to scipy's own figures without scipy's per-call cost.

mann_whitney_p is the two-sided p; min_p the smallest p n v m values can give, so a caller
can say "too few runs" rather than "no difference"; u_method picks scipy's exact
distribution wherever it is valid. tests/report/test_stats_same_figures.py holds these to
scipy's figures.

Run with /usr/bin/python3 (Debian's scipy for the cases worked by scipy); no PyPI packages.
"""
import math


def mann_whitney_p(a, b, method="auto"):
    """Two-sided Mann-Whitney U p-value, or None when either side has < 2 values.

    With fewer than about 4 values a side no difference can reach p < 0.05:
    callers should say "too few rounds" rather than "not significant".
    method is scipy's: "auto" uses the normal approximation from 8 values a
    side, whose smallest p for 10 v 10 (1.8e-4) is 17x the exact one (1.1e-5);
    a caller correcting over hundreds of rows passes "exact" (valid without ties).
    The exact p without ties and the normal approximation are worked here, to
    scipy's figures (tests/report/test_stats_same_figures.py); the rest is scipy's.
    """
    a = [v for v in a if v is not None]
    b = [v for v in b if v is not None]
    if len(a) < 2 or len(b) < 2:
        return None
    distinct = len(set(a) | set(b))
    if distinct == 1:
        return 1.0
    if method == "exact" and distinct == len(a) + len(b):
        return _exact_u_p(a, b)
    if all(v == v for v in a + b):   # (a NaN goes to scipy, which propagates it)
        twice_u1, tie_term = _u_ranks(a, b)
        if twice_u1 == len(a) * len(b):
            # U at its mean (B holding A's very values, say): U1 = U2, and the p is 1 by every
            # method (the exact tail from the middle and the continuity-corrected normal one
            # are each at least 1/2, doubled and clipped to 1)
            return 1.0
        if method == "asymptotic" or (method == "auto" and (min(len(a), len(b)) > 8 or distinct < len(a) + len(b))):
            return _asymptotic_u_p(len(a), len(b), twice_u1, tie_term)   # what scipy would choose
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


def _u_ranks(a, b):
    """(2 * U1, the tie term): U1 = A's rank sum less n(n+1)/2, each group of equal values given
    its mean rank, and the sum of t^3 - t over the groups' sizes t. Whole numbers, so exact."""
    n = len(a)
    s = sorted(float(v) for v in a + b)
    twice_rank, tie_term, i = {}, 0, 0
    while i < len(s):
        j = i
        while j < len(s) and s[j] == s[i]:
            j += 1
        twice_rank[s[i]] = i + 1 + j   # ranks i+1 .. j share their mean, (i + 1 + j) / 2
        tie_term += (j - i) ** 3 - (j - i)
        i = j
    return sum(twice_rank[float(v)] for v in a) - n * (n + 1), tie_term


def _asymptotic_u_p(n1, n2, twice_u1, tie_term):
    """scipy.stats.mannwhitneyu's two-sided p by the normal approximation (tie-corrected, with
    continuity correction), worked as scipy works it, operation for operation, so the same float:
    U = max(U1, U2); z = (U - n1 n2 / 2 - 0.5) / sqrt(n1 n2 / 12 ((n + 1) - T / (n (n - 1))));
    p = min(1, 2 sf(z)). Only the normal tail comes from scipy (scipy.special, not scipy.stats,
    whose import and per-call checks cost more than a folder's rows)."""
    from scipy.special import ndtr   # Debian python3-scipy: the function norm.sf(z) evaluates, as ndtr(-z)
    n = n1 + n2
    u = max(twice_u1, 2 * n1 * n2 - twice_u1) / 2
    s = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
    z = (u - n1 * n2 / 2 - 0.5) / s
    return min(1.0, max(0.0, float(ndtr(-z)) * 2))


def _exact_u_p(a, b):
    n, m = len(a), len(b)
    ranks = {v: r for r, v in enumerate(sorted(a + b), 1)}
    u1 = sum(ranks[v] for v in a) - n * (n + 1) // 2
    u = max(u1, n * m - u1)
    cum = _u_cdf_counts(n, m)
    return min(1.0, 2 * cum[n * m - u] / cum[-1])


def min_p(n, m):
    """Smallest two-sided Mann-Whitney p possible with n and m values (no ties)."""
    return min(1.0, 2.0 / math.comb(n + m, n))


def u_method(a, b):
    """scipy's exact U distribution when it is valid (no ties) and cheap; else its default.

    The exact p matters here: for 10 v 10 fully separated rounds it is 1.1e-5, where the
    normal approximation says 1.8e-4 — too coarse to survive a correction over 500 rows.
    """
    return "exact" if len(set(a) | set(b)) == len(a) + len(b) and max(len(a), len(b)) <= 200 else "auto"
