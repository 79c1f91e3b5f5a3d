"""scripts/lib/adaptive.py — scripts/bench --adaptive: more load rounds until the declared
comparisons are decided, within a time cap.

After a load part's configured rounds (and after each batch added since), look() reads the
part's file as it stands, takes the declared comparisons render_headline.declared() makes of
it (the same families, rows and verdicts summary.md shows: every model's libc row against
each peer's server CPU, the rates against nginx, asm and raw ÷ libc per model, each family
corrected with Benjamini-Hochberg by verdict.correct) and asks whether each is decided:

  decided    "different" with its q below ALPHA_LOOK, or "equivalent" with its
             (1 - 2 * ALPHA_LOOK) interval inside the margin; stricter than the verdict's
             own ALPHA, because of the repeated looks (below)
  stop       every comparison decided ("all decided"); the next batch would not fit
             --max-minutes counted from the run's start, with every step still planned
             after it ("time cap"); the look schedule is done ("max rounds"); no declared
             comparison in the part ("nothing to decide")

Rounds stay whole: a batch is every row of the part once per round, interleaved as the
configured rounds are. The look schedule is fixed before the run: the configured rounds R,
then about 1.5x more each look, MAX_LOOKS looks in all (R = 5: 5, 8, 12, 18, 27 rounds).

Repeated looks inflate error: a verdict checked at ALPHA after each of L batches could turn
"different" by chance at any of them, up to L x ALPHA in all. So a look decides only at
ALPHA_LOOK = ALPHA / MAX_LOOKS (Bonferroni over the fixed looks; for equivalence the two
one-sided tests at ALPHA_LOOK each): the chance that any look stops on a wrong decision is at
most ALPHA, as for one look at the end. This is conservative (the looks are correlated, a
group-sequential boundary would spend less) and it covers the stopping decision only: the
verdicts summary.md prints are the ordinary ones at ALPHA on the final rounds. A part that
stopped "all decided" has every one of them decided at the stricter level; one that stopped on
the cap or the schedule shows ordinary verdicts on a number of rounds chosen by looking, so a
"different" there may err a little more often than ALPHA (at most ALPHA plus the looks' ALPHA).
"""
import math
import time

import render_headline
import runfolder
import stats

MAX_LOOKS = 5          # looks at the declared comparisons, the first after the configured rounds
GROWTH = 1.5           # each look's rounds: the previous look's times this, rounded up
ALPHA_LOOK = stats.ALPHA / MAX_LOOKS
DEFAULT_MAX_MINUTES = 20
MOST_ROUNDS = 100     # scripts/bench's --rounds limit

ALL_DECIDED, TIME_CAP, MAX_ROUNDS, NOTHING = "all decided", "time cap", "max rounds", "nothing to decide"


def schedule(rounds, most):
    """The round counts at which the comparisons are looked at: rounds, then GROWTH times the
    last, MAX_LOOKS in all, none beyond most."""
    out = [rounds]
    while len(out) < MAX_LOOKS and out[-1] < most:
        out.append(min(most, max(out[-1] + 1, int(math.ceil(out[-1] * GROWTH)))))
    return out


def _pairs(d):
    """(family, name, ref Row, Row, comparison) for every comparison of render_headline.declared()."""
    ld, label = d["ld"], dict(d["decl"])
    out = []
    for p, pairs in d["cpu"]:
        out += [("cpu", "%s vs %s" % (label[t], p), ld.cpu[p], ld.cpu[label[t]], c) for t, c in pairs]
    out += [("rate", "%s vs nginx" % label[t], ld.rate["nginx"], ld.rate[label[t]], c) for t, c in d["rate"]]
    for name, c in d["path"]:
        model = name.split("/", 1)[1]
        out.append(("path", "%s vs libc/%s" % (name, model), ld.cpu["libc/" + model], ld.cpu[name], c))
    return out


def decided(ref, row, c):
    """Whether one judged comparison is decided at ALPHA_LOOK (see the module doc)."""
    if c["word"] == stats.DIFFERENT:
        return c["q"] is not None and c["q"] < ALPHA_LOOK
    if c["word"] != stats.EQUIVALENT:
        return False
    conf = 1 - 2 * ALPHA_LOOK
    a, b = ref.values, row.values
    if c["paired"]:
        n = min(len(a), len(b))
        _, lo, hi = stats.paired_ratio_ci(a[:n], b[:n], conf=conf)
    else:
        _, lo, hi = stats.ratio_ci(a, b, conf=conf)
    return lo is not None and 1 - c["margin"] <= lo and hi <= 1 + c["margin"]


def judge_folder(path, kind):
    """{family: [undecided comparison names]} of one load part's declared comparisons, or None
    when the part has none (no libc row, no peer, too few rows)."""
    try:
        run = runfolder.load(path)
    except runfolder.RunFolderError:
        return None
    d = render_headline.declared(run, kind)
    if not d:
        return None
    pairs = _pairs(d)
    if not pairs:
        return None
    out = {}
    for fam, name, ref, row, c in pairs:
        out.setdefault(fam, [])
        if not decided(ref, row, c):
            out[fam].append(name)
    return out


class Adaptive:
    """One scripts/bench run's adaptive rounds: bench_load.Load calls more() after each round's
    last row is written, and writes record() into the part's file."""

    def __init__(self, run, max_minutes):
        self.run, self.cap_s = run, 60.0 * max_minutes
        self.parts = {}

    def record(self, kind):
        """The part's adaptive record for its JSON (None before its first look)."""
        return self.parts.get(kind)

    def more(self, kind, rnd, est_round_s):
        """Rounds to add to part kind after round rnd (0: stop). est_round_s: one round's
        estimated seconds, scaled here by how long the finished load steps took against theirs."""
        run = self.run
        looks = schedule(run.rounds, MOST_ROUNDS)
        if rnd not in looks:
            return 0
        rec = self.parts.setdefault(kind, {
            "configured_rounds": run.rounds, "schedule": looks, "alpha_per_look": ALPHA_LOOK,
            "max_minutes": self.cap_s / 60.0, "looks": [], "families": {}, "rounds": rnd, "stopped": None})
        rec["rounds"] = rnd
        undecided = judge_folder(run.out, kind)
        if undecided is None:
            rec["stopped"] = NOTHING
            return 0
        rec["looks"].append({"rounds": rnd, "undecided": sum(len(v) for v in undecided.values()),
                             "elapsed_s": round(time.monotonic() - run.t0, 1)})
        for fam, names in undecided.items():
            f = rec["families"].setdefault(fam, {"decided_at": None, "undecided": names})
            f["undecided"] = names
            if not names and f["decided_at"] is None:
                f["decided_at"] = rnd
        if not any(undecided.values()):
            rec["stopped"] = ALL_DECIDED
            return 0
        if rnd == looks[-1]:
            rec["stopped"] = MAX_ROUNDS
            return 0
        add = looks[looks.index(rnd) + 1] - rnd
        done = [s for s in run.steps if s.kind == "load" and s.seconds is not None and s.est > 0]
        factor = sum(s.seconds for s in done) / sum(s.est for s in done) if done else 1.0
        elapsed = time.monotonic() - run.t0
        if elapsed + add * est_round_s * factor + run.seconds_left() > self.cap_s:
            rec["stopped"] = TIME_CAP
            return 0
        return add


def note(rec):
    """summary.md's line for a part's adaptive record: rounds per family and why it stopped."""
    if not isinstance(rec, dict) or not rec.get("stopped"):
        return None
    fams = dict((k, t) for k, t, _ in render_headline.FAMILIES)
    got = rec.get("families") if isinstance(rec.get("families"), dict) else {}
    parts = []
    for fam in [k for k in fams if k in got] + [k for k in got if k not in fams]:
        f = got[fam]
        if not isinstance(f, dict):
            continue
        at = f.get("decided_at")
        parts.append("%s %s" % (fams.get(fam, fam), "decided after %s rounds" % at if at
                                else "undecided (%d comparison%s)" % (len(f.get("undecided") or []),
                                                                      "" if len(f.get("undecided") or []) == 1 else "s")))
    return ("Adaptive rounds: %s rounds (%s configured; looks at %s, each deciding at α %.3g so the looks "
            "together stay within α %g); %s; stopped: %s." % (
                rec.get("rounds"), rec.get("configured_rounds"),
                ", ".join(str(r) for r in rec.get("schedule") or []), rec.get("alpha_per_look") or 0,
                stats.ALPHA, "; ".join(parts) or "no declared comparison", rec.get("stopped")))
