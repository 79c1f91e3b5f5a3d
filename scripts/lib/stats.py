"""scripts/lib/stats.py — the few statistics syspath reports, in one place.

Every headline figure is a median over rounds with a 95% interval; a
comparison is a ratio of medians with its own interval plus a Mann-Whitney U
test, and ends in one verdict of one vocabulary (judge(), below): different
(lower or higher), equivalent within a declared margin, undetermined (with the
change the run could have detected) or untested. Bootstrap intervals use a fixed seed so a report rebuilt from the same
JSON prints the same numbers. Several runs a side make the runs the replicates:
run_ratio_ci resamples runs, then rounds within them, and the test is the U
over the runs' medians (utest.py, re-exported here: callers ask stats alone).

Run with /usr/bin/python3 (Debian's numpy and scipy); no PyPI packages.
"""
import math
import random
import statistics

from utest import mann_whitney_p, min_p, u_method  # noqa: F401  (the U test, in its own file)

_LAZY = object()
_np = _LAZY   # Debian python3-numpy, imported at the first bootstrap (_numpy()): a script that never
              # draws one (scripts/bench checking its options) does not pay for the import


def _numpy():
    """numpy for the bootstrap (the same resamples, ~100x faster), or None without it."""
    global _np
    if _np is _LAZY:
        try:
            import numpy
            _np = numpy
        except ImportError:   # pragma: no cover - the pure-Python loop below gives the same numbers
            _np = None
    return _np

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


def _split_counts(sizes, resamples):
    """For each resample, how many times random.choices(values, k=n) picks each index, for each
    n in sizes in turn: a list of blocks, each a list of (n, rows) count arrays, one per size
    (a column per resample: the sums below then run over whole rows of memory at a time).
    Counts, not the picked indices: a resample's median is read off them without sorting it."""
    out = []
    for u in _uniform_blocks(sum(sizes), resamples):
        rows = u.shape[0]
        block, col = [], 0
        for n in sizes:
            idx = _np.floor(u[:, col:col + n] * float(n)).astype(_np.intp)
            idx *= rows
            idx += _np.arange(rows, dtype=_np.intp)[:, None]   # resample r's pick of index i lands at i*rows + r
            counts = _np.bincount(idx.ravel(), minlength=n * rows).reshape(n, rows)
            # a count is at most n: the narrowest type that holds it keeps the cached draws small
            block.append(counts.astype(_np.uint8 if n < 256 else _np.uint16 if n < 65536 else _np.int64))
            col += n
        out.append(block)
    return out


_COUNT_CACHE = {}
_COUNT_CACHE_MAX = 1 << 25   # bytes kept per pattern: every round count, and hyperfine's 500 v 500 runs


def _counts(sizes, resamples):
    """_split_counts, kept for reuse: every row of the same sizes draws the same picks
    (the generator starts from the same seed each time), so hundreds of rows share one draw."""
    key = (tuple(sizes), resamples)
    if key in _COUNT_CACHE:
        return _COUNT_CACHE[key]
    blocks = _split_counts(sizes, resamples)
    if sum(c.nbytes for block in blocks for c in block) <= _COUNT_CACHE_MAX:
        _COUNT_CACHE[key] = blocks
    return blocks


def _medians(v, counts):
    """statistics.median of each resample of v (a numpy array) whose picks are counts (n, rows):
    the middle value, or the mean of the two middle ones. The k-th smallest value drawn is
    v's sorted value at the first place where the counts, summed in v's sorted order, pass k:
    the same value a sort of the drawn values puts k-th, without drawing or sorting them."""
    n = len(v)
    order = _np.argsort(v, kind="stable")
    ranked = v[order]
    cum = counts[order]   # a copy, in v's sorted order, summed in place
    for i in range(1, n):
        cum[i] += cum[i - 1]   # a row at a time: numpy's cumsum down the columns is many times slower
    h = n // 2
    upper = ranked[_np.add.reduce(cum <= h, axis=0, dtype=_np.intp)]
    return upper if n % 2 else (ranked[_np.add.reduce(cum <= h - 1, axis=0, dtype=_np.intp)] + upper) / 2


def _row_medians(m):
    """statistics.median of each row of m: the middle value, or the mean of the two middle ones."""
    h = m.shape[1] // 2
    # a full sort is quicker for short rows; long ones need only the two middle values in place
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
    if _numpy() is not None:
        key = (tuple(values), resamples)
        if key not in _DRAWS:
            arr = _np.asarray(values, dtype=float)
            if len(_DRAWS) >= _DRAWS_MAX:
                _DRAWS.pop(next(iter(_DRAWS)))
            _DRAWS[key] = _np.concatenate([_medians(arr, c) for (c,) in _counts((len(arr),), resamples)])
        meds = _DRAWS[key].copy()
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


_DRAWS = {}
_DRAWS_MAX = 8   # a verdict asks the same pair for its 95% and its 90% interval in turn


def _ratio_draws(a, b, resamples):
    """The bootstrap's resampled median ratios of b over a (numpy), kept for the next few
    calls: the same pair asked at another confidence draws nothing new."""
    key = (tuple(a), tuple(b), resamples)
    if key not in _DRAWS:
        va, vb = _np.asarray(a, dtype=float), _np.asarray(b, dtype=float)
        parts = []
        for ca, cb in _counts((len(va), len(vb)), resamples):
            ma = _medians(va, ca)
            mb = _medians(vb, cb)
            keep = ma != 0
            parts.append(mb[keep] / ma[keep])
        if len(_DRAWS) >= _DRAWS_MAX:
            _DRAWS.pop(next(iter(_DRAWS)))
        _DRAWS[key] = _np.concatenate(parts)
    return _DRAWS[key]


def ratio_ci(a, b, conf=0.95, resamples=BOOTSTRAP_RESAMPLES):
    """Ratio median(b) / median(a) and its bootstrap interval: (ratio, lo, hi)."""
    a = [v for v in a if v is not None]
    b = [v for v in b if v is not None]
    if not a or not b or median(a) == 0:
        return (None, None, None)
    if _numpy() is not None:
        ratios = _ratio_draws(a, b, resamples).copy()   # partition below works in place
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


_RUN_SHAPES = {}
_RUN_SHAPES_MAX = 16   # shapes (runs a side, values a run) kept: a folder's rows share a handful


def _run_middles(lengths, u):
    """One side's draws for a block of uniforms u (rows, k + k * nmax): per resample and drawn
    run, the positions of the two middle draws in the runs' sorted values laid end to end
    (the same position twice for an odd count). Drawn positions sort as their values do, so
    the middles depend on the shape alone and serve every row of that shape."""
    k, nmax = len(lengths), max(lengths)
    n_of = _np.asarray(lengths)
    start = _np.concatenate(([0], _np.cumsum(n_of)[:-1]))
    picks = _np.floor(u[:, :k] * float(k)).astype(_np.intp)
    n = n_of[picks]                                                     # (rows, k)
    pos = _np.floor(u[:, k:].reshape(-1, k, nmax) * n[:, :, None]).astype(_np.intp)
    lo, hi = (n - 1) // 2, n // 2
    if (n_of == nmax).all():
        pos = _np.partition(pos, (lo.flat[0], hi.flat[0]), axis=2)
    else:   # runs of other sizes: draws past a run's size sort last, the middle is its own
        pos[_np.arange(nmax) >= n[:, :, None]] = nmax
        pos.sort(axis=2)
    at = start[picks]
    return (at + _np.take_along_axis(pos, lo[:, :, None], axis=2)[:, :, 0],
            at + _np.take_along_axis(pos, hi[:, :, None], axis=2)[:, :, 0])


def _run_shape(lengths_a, lengths_b, resamples):
    """_run_middles of both sides over all resamples, from the seeded stream, kept per shape."""
    key = (lengths_a, lengths_b, resamples)
    if key not in _RUN_SHAPES:
        wa, wb = len(lengths_a) * (1 + max(lengths_a)), len(lengths_b) * (1 + max(lengths_b))
        parts = [(_run_middles(lengths_a, u[:, :wa]), _run_middles(lengths_b, u[:, wa:]))
                 for u in _uniform_blocks(wa + wb, resamples)]
        if len(_RUN_SHAPES) >= _RUN_SHAPES_MAX:
            _RUN_SHAPES.pop(next(iter(_RUN_SHAPES)))
        _RUN_SHAPES[key] = tuple(_np.concatenate([p[side][i] for p in parts]) for side in (0, 1) for i in (0, 1))
    return _RUN_SHAPES[key]


def run_ratio_ci(a_runs, b_runs, conf=0.95, resamples=BOOTSTRAP_RESAMPLES):
    """Runs as replicates: the ratio of B's median of run medians to A's, and its two-level
    bootstrap interval, (ratio, lo, hi).

    a_runs, b_runs: one list of values per run folder (its rounds, repetitions or hyperfine
    runs; a run that kept only its median is a list of one). Each resample draws as many runs
    as the side has, with replacement, then within each drawn run as many of its values, with
    replacement: a run's figure is the median of its draws, a side's the median of its runs'.
    So the drift between runs (another boot, another neighbour on the host) is inside the
    interval, where resampling pooled rounds would read it as a difference. Redrawing the
    values as well counts the within-run spread once more than the runs already carry it: the
    interval is a little wide, on the side that does not call drift a change. With few runs
    the runs' own level is only as varied as the runs at hand: 3 runs cannot show a drift
    they did not meet.

    The uniforms of a resample are laid out [A's picks, A's draws per pick (the longest run's
    count, the first n used), B's likewise] from the same seeded stream as ratio_ci; numpy and
    the pure-Python loop read them alike and give the same interval."""
    # each run's values in order: a draw picks a position, and the numpy path's positions are
    # into sorted values (their middles are known before the values are)
    a_runs = [sorted(v for v in r if v is not None) for r in a_runs]
    b_runs = [sorted(v for v in r if v is not None) for r in b_runs]
    a_runs, b_runs = [r for r in a_runs if r], [r for r in b_runs if r]
    if not a_runs or not b_runs:
        return (None, None, None)
    ma, mb = median([median(r) for r in a_runs]), median([median(r) for r in b_runs])
    if not ma:
        return (None, None, None)
    if _numpy() is not None:
        key = ("runs", tuple(map(tuple, a_runs)), tuple(map(tuple, b_runs)), resamples)
        if key not in _DRAWS:
            alo, ahi, blo, bhi = _run_shape(tuple(map(len, a_runs)), tuple(map(len, b_runs)), resamples)
            va = _np.concatenate([_np.asarray(r, dtype=float) for r in a_runs])
            vb = _np.concatenate([_np.asarray(r, dtype=float) for r in b_runs])
            da, db = _row_medians((va[alo] + va[ahi]) / 2), _row_medians((vb[blo] + vb[bhi]) / 2)
            keep = da != 0
            if len(_DRAWS) >= _DRAWS_MAX:
                _DRAWS.pop(next(iter(_DRAWS)))
            _DRAWS[key] = db[keep] / da[keep]
        ratios = _DRAWS[key].copy()   # partition below works in place
        ilo = int(math.floor((1 - conf) / 2 * (len(ratios) - 1)))
        ihi = int(math.ceil((1 + conf) / 2 * (len(ratios) - 1)))
        ratios = _np.partition(ratios, (ilo, ihi))
        return (mb / ma, float(ratios[ilo]), float(ratios[ihi]))
    rng = random.Random(_SEED)

    def side(runs):
        k, nmax = len(runs), max(map(len, runs))
        picks = [runs[int(math.floor(rng.random() * k))] for _ in range(k)]
        figs = []
        for r in picks:
            u = [rng.random() for _ in range(nmax)]
            figs.append(statistics.median([r[int(math.floor(x * len(r)))] for x in u[:len(r)]]))
        return statistics.median(figs)

    ratios = []
    for _ in range(resamples):
        da = side(a_runs)
        db = side(b_runs)
        if da:
            ratios.append(db / da)
    ratios.sort()
    lo = ratios[int(math.floor((1 - conf) / 2 * (len(ratios) - 1)))]
    hi = ratios[int(math.ceil((1 + conf) / 2 * (len(ratios) - 1)))]
    return (mb / ma, lo, hi)


# -- the verdict: one rule and one vocabulary for every comparison ---------------------------
#
# Every place that sets two figures side by side (summary.md's declared comparisons, the
# report's tables, scripts/compare, the index) ends with one of these words, made here:
#
#   different    the 95% interval of the ratio excludes 1 and the test's p (after the family's
#                correction, where there is one) is below ALPHA; the direction says which way
#                ("lower" or "higher": what that means, cheaper or slower, is the caller's to say)
#   equivalent   the 90% interval lies inside [1 - m, 1 + m], m the figure's declared margin:
#                two one-sided tests at ALPHA each, so "the same" always carries its margin
#   undetermined neither: the run could not tell; its minimum detectable change says how large
#                a difference it could have seen
#   untested     fewer than MIN_ROUNDS values on a side: no interval, no test, nothing claimed

ALPHA = 0.05          # the false-positive rate of one test, and of one family after correction
MIN_ROUNDS = 3        # below this, a row has no interval and a comparison no verdict
EQUIV_CONF = 1 - 2 * ALPHA   # the interval two one-sided tests at ALPHA amount to (90%)

DIFFERENT, EQUIVALENT, UNDETERMINED, UNTESTED = "different", "equivalent", "undetermined", "untested"
LOWER, HIGHER = "lower", "higher"

# The margins within which two figures count as the same, declared before any run, each with
# its reason. A figure's kind is the caller's (margin_for picks by section and unit).
MARGINS = {
    "syscalls": (0.03, "a null syscall is 80 ns to 1.2 us; 3% is a few ns, below what a "
                       "cache line or a branch costs, so a smaller gap has no cause worth naming"),
    "load": (0.05, "server CPU and rates move 2-5% between rounds of one run on a shared guest; "
                   "5% is the smallest change a reader would act on when choosing a server"),
    "helpers": (0.05, "one cycle at 64 B is 5-10% of a call; a smaller gap is within a cycle"),
    "hyperfine": (0.05, "whole-process times include exec and page faults that vary a few percent"),
    "counts": (0.0, "callgrind counts are exact: equal or not"),
}
DEFAULT_MARGIN = 0.05


def margin_for(section):
    """The declared equivalence margin (a fraction) for a figure of this section."""
    return MARGINS.get(section, (DEFAULT_MARGIN, ""))[0]


def bh_adjust(pvalues):
    """Benjamini-Hochberg adjusted p-values (q) for a list that may hold None."""
    idx = sorted((i for i, p in enumerate(pvalues) if p is not None), key=lambda i: pvalues[i])
    m = len(idx)
    q = [None] * len(pvalues)
    running = 1.0
    for rank in range(m, 0, -1):
        i = idx[rank - 1]
        running = min(running, pvalues[i] * m / rank)
        q[i] = running
    return q


def paired_ratio_ci(a, b, conf=0.95, resamples=BOOTSTRAP_RESAMPLES):
    """Rows measured in the same rounds: the median of the per-round ratios b[i] / a[i] and its
    bootstrap interval, (ratio, lo, hi). Drift a round shares (a busy neighbour) cancels in each
    ratio, so the interval is the rows' difference alone. a and b are in round order."""
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None and x != 0]
    if not pairs:
        return (None, None, None)
    ratios = [y / x for x, y in pairs]
    lo, hi = bootstrap_ci(ratios, conf=conf, resamples=resamples)
    return (median(ratios), lo, hi)


def min_detectable(ratio, lo, hi):
    """The smallest change (a fraction) this comparison's 95% interval could have excluded:
    the larger half-width of the interval around its ratio. None without an interval."""
    if ratio is None or lo is None or hi is None or not ratio:
        return None
    return max(ratio - lo, hi - ratio)


def judge(ratio, ci95, ci90, p, margin):
    """The verdict of one comparison: (word, direction) with word one of DIFFERENT, EQUIVALENT,
    UNDETERMINED, UNTESTED and direction LOWER or HIGHER for DIFFERENT, else None.

    ratio: row / reference; ci95, ci90: (lo, hi) intervals of it (None where it has none);
    p: the test's p, already corrected for its family by the caller where it has one (None:
    untested); margin: the declared equivalence margin, a fraction (margin_for)."""
    lo, hi = ci95 if ci95 else (None, None)
    if ratio is None or lo is None or hi is None or p is None:
        return (UNTESTED, None)
    if (lo > 1.0 or hi < 1.0) and p < ALPHA:
        return (DIFFERENT, HIGHER if lo > 1.0 else LOWER)
    elo, ehi = ci90 if ci90 else (None, None)
    if elo is not None and ehi is not None and 1.0 - margin <= elo and ehi <= 1.0 + margin:
        return (EQUIVALENT, None)
    return (UNDETERMINED, None)


def goodness(word, direction, higher_is_better):
    """'better', 'worse' or None: a DIFFERENT verdict read against which way is good."""
    if word != DIFFERENT:
        return None
    return "better" if (direction == HIGHER) == bool(higher_is_better) else "worse"
