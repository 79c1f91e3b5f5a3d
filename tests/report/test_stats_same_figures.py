#!/usr/bin/python3
"""Behaviour: stats.py's fast paths give the figures of the plain ones — the numpy bootstrap the
exact intervals of the pure-Python resampling loop (same seed, same draws; the two-level one over
runs too), the cached exact Mann-Whitney p scipy's method="exact", and the normal approximation
worked in stats.py (ties, or more than 8 values a side) scipy's own float — so a report rebuilt on
any machine prints the same numbers.
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import SRC, check, need  # noqa: E402

need("numpy", "scipy")
sys.path.insert(0, os.path.join(SRC, "scripts", "lib"))
import stats  # noqa: E402
from scipy.stats import mannwhitneyu  # noqa: E402

rng = random.Random(7)
series = []
for n, m in ((1, 3), (2, 2), (5, 5), (9, 9), (5, 9), (20, 20), (40, 33)):
    a = [rng.choice([rng.random(), 1.0, 2.0]) for _ in range(n)]     # with ties
    b = [rng.random() * 3 + 0.1 for _ in range(m)]
    series.append((a, b))
series.append(([0.0, 0.0, 1.0, 2.0, 3.0], [1.0, 2.0, 2.5]))              # resamples whose median is 0

for a, b in series:
    fast = (stats.bootstrap_ci(a), stats.bootstrap_ci(b), stats.ratio_ci(a, b, resamples=3000))
    saved, stats._np = stats._np, None
    try:
        plain = (stats.bootstrap_ci(a), stats.bootstrap_ci(b), stats.ratio_ci(a, b, resamples=3000))
    finally:
        stats._np = saved
    check(fast == plain, "sizes %d/%d: numpy bootstrap %s, pure-Python loop %s" % (len(a), len(b), fast, plain))

# runs as replicates: runs of equal and of unequal sizes (the numpy path's two ways), a run of
# one value, resamples whose median is 0
run_series = [([[rng.random() + 1 for _ in range(9)] for _ in range(5)], [[rng.random() + 1.2 for _ in range(9)]
                                                                            for _ in range(3)]),
              ([[rng.random() for _ in range(n)] for n in (3, 5, 1)], [[rng.random() for _ in range(n)]
                                                                         for n in (4, 4, 2, 6)]),
              ([[0.0, 0.0, 1.0], [0.0, 2.0], [1.0, 1.0, 1.0]], [[1.0, 2.0], [2.0, 3.0, 4.0], [3.0]])]
for a, b in run_series:
    fast = stats.run_ratio_ci(a, b, resamples=1500)
    saved, stats._np = stats._np, None
    try:
        plain = stats.run_ratio_ci(a, b, resamples=1500)
    finally:
        stats._np = saved
    check(fast == plain, "runs %s/%s: numpy two-level bootstrap %s, pure-Python loop %s" % (
        [len(r) for r in a], [len(r) for r in b], fast, plain))

for n, m in ((2, 3), (4, 4), (5, 5), (7, 9), (10, 10), (12, 6)):
    for shift in (0.0, 0.4, 2.0):
        a = [rng.random() for _ in range(n)]
        b = [rng.random() + shift for _ in range(m)]
        mine = stats.mann_whitney_p(a, b, method="exact")
        ref = float(mannwhitneyu(a, b, alternative="two-sided", method="exact").pvalue)
        check(abs(mine - ref) <= 1e-12 * max(ref, 1e-300) + 1e-15,
              "Mann-Whitney %d v %d shift %.1f: expected scipy's exact p %r, got %r" % (n, m, shift, ref, mine))
for n, m in ((3, 4), (9, 9), (10, 12), (20, 20), (5, 40), (60, 7)):
    for pool in (None, [1.0, 2.0, 2.5, 3.0], [0.5 * i for i in range(12)]):
        a = [rng.choice(pool) if pool else rng.random() for _ in range(n)]
        b = [(rng.choice(pool) if pool else rng.random()) * rng.choice((1.0, 1.3)) for _ in range(m)]
        for method in ("auto", "asymptotic"):
            mine = stats.mann_whitney_p(a, b, method=method)
            ref = float(mannwhitneyu(a, b, alternative="two-sided", method=method).pvalue)
            check(mine == ref, "Mann-Whitney %d v %d (%s, %s): expected scipy's p %r exactly, got %r"
                  % (n, m, "ties" if pool else "no ties", method, ref, mine))
        check(stats.mann_whitney_p(a, a[::-1]) == 1.0 == float(mannwhitneyu(a, a[::-1]).pvalue),
              "Mann-Whitney of a series against itself: expected p 1, as scipy says")
print("ok: numpy bootstrap = pure-Python bootstrap (over rounds and over runs), cached exact U p = "
      "scipy's exact p, normal-approximation p = scipy's")
