#!/usr/bin/python3
"""scripts/bench --adaptive's stopping rule (scripts/lib/adaptive.py) on written accept.json files:
no benchmark runs, only the rule.

  - clear rows (libc, raw and asm within 0.5% of each other, nginx twice their CPU and half
    their rate, 12 quiet rounds): every declared comparison decided -> "all decided", no
    rounds added, and summary.md's note says so;
  - the same rows with 5 rounds spread by ±20%: the path undecided -> a batch of whole
    rounds up to the next look; at the schedule's last look -> "max rounds"; when the next
    batch cannot fit the cap -> "time cap";
  - a part without a peer or libc row -> "nothing to decide".
"""
import json
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import fail, skip, src  # noqa: E402

sys.path.insert(0, os.path.join(src(), "scripts", "lib"))
try:
    import scipy  # noqa: F401
except ImportError:
    skip("python3-scipy is not installed (the verdicts need it)")
import adaptive  # noqa: E402

problems = []


def check(cond, msg):
    if not cond:
        problems.append(msg)
        print("FAIL: " + msg)
    else:
        print("ok: " + msg)


def folder(path, rounds, spread, names=("libc/epoll", "raw/epoll", "asm/epoll", "nginx")):
    rng = random.Random(7)
    rows = []
    for n in names:
        cpu = 60.0 if n == "nginx" else 30.0
        rate = 10000.0 if n == "nginx" else 20000.0
        f = [1 + rng.uniform(-spread, spread) for _ in range(rounds)]
        server = "nginx" if n == "nginx" else "syspath"
        b, m = (None, None) if n == "nginx" else n.split("/")
        rows.append({"name": n, "server": server, "backend": b, "model": m,
                     "rounds": [rate / x for x in f], "median": rate,
                     "server_cpu_us_per_conn": cpu, "server_cpu_us_rounds": [cpu * x for x in f],
                     "failed_rounds": 0, "errors": {}, "flagged": False})
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "accept.json"), "w") as fh:
        json.dump({"mode": "accept", "unit": "conn/s", "rows": rows, "rounds": rounds}, fh)
    return path


class FakeStep:
    def __init__(self, est, seconds):
        self.kind, self.est, self.seconds = "load", est, seconds


class FakeRun:
    """What Adaptive reads of bench_run.Run: rounds, out, t0, steps, seconds_left()."""
    def __init__(self, out, rounds, left=0.0):
        self.out, self.rounds, self.t0, self.left = out, rounds, time.monotonic(), left
        self.steps = [FakeStep(1.0, 1.0)]

    def seconds_left(self):
        return self.left


with tempfile.TemporaryDirectory() as tmp:
    clear = folder(os.path.join(tmp, "clear"), 12, 0.002)
    ad = adaptive.Adaptive(FakeRun(clear, 12), 20)
    add = ad.more("accept", 12, 5.0)
    rec = ad.record("accept")
    check(add == 0 and rec["stopped"] == adaptive.ALL_DECIDED,
          "clear rows, 12 rounds: all decided, nothing added (added %d, %r)" % (add, rec["stopped"]))
    check(all(f["decided_at"] == 12 for f in rec["families"].values()) and
          set(rec["families"]) == {"cpu", "rate", "path"},
          "every family decided at round 12: %r" % rec["families"])
    text = adaptive.note(rec) or ""
    check("12 rounds" in text and "all decided" in text and "path" in text,
          "the summary's note says the rounds and why it stopped: %r" % text)

    noisy = folder(os.path.join(tmp, "noisy"), 5, 0.2)
    ad = adaptive.Adaptive(FakeRun(noisy, 5), 20)
    looks = adaptive.schedule(5, adaptive.MOST_ROUNDS)
    check(looks == [5, 8, 12, 18, 27] and len(looks) == adaptive.MAX_LOOKS,
          "looks fixed in advance: %r" % looks)
    check(ad.more("accept", 4, 5.0) == 0 and ad.record("accept") is None,
          "no look between the looks")
    add = ad.more("accept", 5, 5.0)
    rec = ad.record("accept")
    check(add == 3 and rec["stopped"] is None and rec["families"]["path"]["undecided"],
          "noisy path, 5 rounds: 3 whole rounds added, to the next look (added %d, %r)" % (add, rec))
    ad = adaptive.Adaptive(FakeRun(noisy, 5), 20)
    add = ad.more("accept", 27, 5.0)
    check(add == 0 and ad.record("accept")["stopped"] == adaptive.MAX_ROUNDS,
          "at the last look: max rounds (%r)" % ad.record("accept")["stopped"])
    ad = adaptive.Adaptive(FakeRun(noisy, 5, left=120.0), 2)
    add = ad.more("accept", 5, 5.0)
    check(add == 0 and ad.record("accept")["stopped"] == adaptive.TIME_CAP,
          "a batch beyond the 2-minute cap with 120 s still planned: time cap (%r)"
          % ad.record("accept")["stopped"])

    alone = folder(os.path.join(tmp, "alone"), 5, 0.01, names=("raw/epoll", "asm/epoll"))
    ad = adaptive.Adaptive(FakeRun(alone, 5), 20)
    check(ad.more("accept", 5, 5.0) == 0 and ad.record("accept")["stopped"] == adaptive.NOTHING,
          "no libc row, no peer: nothing to decide")

if problems:
    fail("%d check(s) failed: %s" % (len(problems), "; ".join(problems)))
print("ok: the adaptive stopping rule")
