#!/usr/bin/python3
"""Behaviour: two rows of one run are judged by one rule (scripts/lib/verdict.py over stats.judge):
rows measured in the same rounds are compared by their per-round ratios, so drift the rounds share
cancels (a row 10% cheaper in every round of a drifting run is "cheaper", where comparing the two
samples unpaired cannot tell); from 6 rounds the paired test is the Wilcoxon signed-rank test; a row
with a failed round is not paired; a family of declared comparisons is corrected (a p of 0.008 alone
is "different", among 16 it is not); a ratio inside the margin is "equivalent within ±5%"; fewer
than 3 rounds is "untested".
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import SRC, check, need  # noqa: E402

need("scipy", "numpy")
sys.path.insert(0, os.path.join(SRC, "scripts", "lib"))
import stats  # noqa: E402
import verdict  # noqa: E402
from runfolder import Row  # noqa: E402


def load_row(name, values, failed_rounds=0):
    """A server-CPU row as runfolder_load makes it: values in round order."""
    return Row("accept-cpu/" + name, "accept-cpu", "µs/conn", values,
               meta={"label": name, "failed_rounds": failed_rounds, "aligned": not failed_rounds})


# a run whose rounds drift by ±20% together: the row is 10% cheaper than the reference in each
drift = [1.00, 1.22, 0.83, 1.18, 0.90, 1.10, 0.80, 1.25]
ref = load_row("nginx", [30.0 * d for d in drift])
row = load_row("libc/epoll", [27.0 * d * (1 + 0.002 * (i % 3 - 1)) for i, d in enumerate(drift)])
c = verdict.compare(ref, row)
check(c["paired"] and c["test"] == verdict.TEST_WILCOXON,
      "8 aligned rounds: expected a paired comparison with the signed-rank test, got %r" % c)
check(c["word"] == stats.DIFFERENT and verdict.word(c) == "cheaper",
      "a row 10%% cheaper in every round: expected 'cheaper', got %s (%r)" % (verdict.word(c), c))
check(abs(c["r"] - 0.9) < 0.01 and c["hi"] < 0.92, "expected the per-round ratio 0.90 with a narrow interval: %r" % c)
u = verdict.compare(ref, row, paired=False)
check(u["test"] == verdict.TEST_U and u["word"] != stats.DIFFERENT,
      "the same rows unpaired: the drift hides the difference, expected no 'different', got %r" % u)

# five rounds: the signed-rank test cannot reach 0.05 (2/32), the U test stands in, still paired ratios
c5 = verdict.compare(load_row("nginx", ref.values[:5]), load_row("libc/epoll", row.values[:5]))
check(c5["paired"] and c5["test"] == verdict.TEST_U, "5 rounds: expected paired ratios with the U test, got %r" % c5)

# a failed round shifts every later value: the rows are not paired
f = verdict.compare(ref, load_row("raw/epoll", row.values[:7], failed_rounds=1))
check(not f["paired"], "a row with a failed round must not be paired by position, got %r" % f)

# equivalence needs the 90% interval inside the margin
e = verdict.compare(ref, load_row("asm/epoll", [v * (1 + 0.004 * (i % 3 - 1)) for i, v in enumerate(ref.values)]))
check(e["word"] == stats.EQUIVALENT and verdict.word(e) == "equivalent within ±5%",
      "a row within 1%% of the reference in every round: expected equivalent within ±5%%, got %r" % e)

# an undetermined comparison says what the run could have detected
wide = verdict.compare(load_row("nginx", [10, 14, 9, 13, 11]), load_row("raw/iterative", [13, 9, 12, 10, 14]),
                       paired=False)
check(wide["word"] == stats.UNDETERMINED and verdict.word(wide).startswith("undetermined (could detect ±"),
      "a wide interval around 1: expected 'undetermined (could detect ±…)', got %r" % verdict.word(wide))

# too few rounds: untested, and said so
t = verdict.compare(load_row("nginx", [10.0, 11.0]), load_row("raw/uring", [8.0, 8.5]))
check(t["word"] == stats.UNTESTED and verdict.word(t) == "untested (2 rounds)",
      "2 rounds: expected untested, got %r" % t)

# a family of 16: one fully separated pair (U test p 0.0079 alone) and 15 of no difference
sep = verdict.compare(load_row("nginx", [10, 11, 12, 13, 14]), load_row("raw/epoll", [15, 16, 17, 18, 19]),
                      paired=False)
check(sep["word"] == stats.DIFFERENT and sep["p"] < 0.01, "alone, a separated pair must be different: %r" % sep)
family = [sep] + [verdict.compare(load_row("nginx", [10, 11, 12, 13, 14]),
                                  load_row("x/%d" % i, [10.5, 11.5, 12.5, 13.5, 9.5]), paired=False)
                  for i in range(15)]
verdict.correct(family)
check(family[0]["q"] > stats.ALPHA and family[0]["word"] != stats.DIFFERENT and family[0]["m"] == 16,
      "among 16 comparisons p 0.008 must not stay significant after the correction, got %r" % family[0])
counts = verdict.tally(family)
check(sum(counts.values()) == 16 and counts[stats.DIFFERENT] == 0, "the family's tally: %r" % counts)
print("ok: paired per-round ratios, signed-rank from 6 rounds, no pairing past a failed round, "
      "equivalence, undetermined with its detectable change, untested, correction per family")
