"""scripts/lib/bench_steps.py — the plan scripts/bench runs, and its progress line.

A Step is one unit of work with an estimated duration; Progress prints
`[i/N] label … ~T left` on stderr before each, T being the remaining
estimates scaled by how far off the finished steps of the same kind were
(so a slow machine corrects the estimate after a few steps).
"""
import sys


def fmt_s(s):
    s = int(round(max(s, 0)))
    return "%dm%02ds" % (s // 60, s % 60) if s >= 60 else "%ds" % s


class Step:
    def __init__(self, label, est, kind, fn):
        self.label, self.est, self.kind, self.fn = label, est, kind, fn
        self.seconds, self.status = None, "pending"


class Progress:
    def __init__(self, steps):
        self.steps = steps

    def _factor(self, kind):
        done = [s for s in self.steps if s.kind == kind and s.seconds is not None and s.est > 0]
        est = sum(s.est for s in done)
        return (sum(s.seconds for s in done) / est) if est > 0 else 1.0

    def left(self, i):
        return sum(s.est * self._factor(s.kind) for s in self.steps[i:])

    def show(self, i):
        sys.stderr.write("[%d/%d] %s … ~%s left\n" % (i + 1, len(self.steps),
                                                      self.steps[i].label, fmt_s(self.left(i))))
        sys.stderr.flush()
