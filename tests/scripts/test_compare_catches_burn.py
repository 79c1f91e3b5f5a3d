#!/usr/bin/python3
"""scripts/compare flags a real CPU-per-connection slowdown of one server row between two runs,
and no control row of its family: the documented use, two separate scripts/bench runs.

  runs     two `scripts/bench --only accept` runs (bench_run.py itself, with the build given
           and no plot or report: only the JSON is read), one after the other: A with all its
           rounds, then B with as many. Nothing is interleaved between them: drift from one
           run to the next is in the comparison, as it is for a user.
  rows     raw/epoll (the changed row) and 4 controls, the first available of libc/epoll,
           asm/epoll, libc/iterative, asm/iterative, asm-server, then nginx: a --rows
           selection, because the full accept family (16 rows here) cannot run twice in the
           time. The family compare corrects is every row of the run's accept-cpu table.
  figure   accept-cpu, what compare reads for a load row's CPU: the file's headline meter
           (meter.headline: the server core's busy time over the window; the process clock in
           files older than load method 2); the burn runs inside the server, so both see it.
  rounds   A: --rounds 6 --adaptive, capped at A_SHARE of the test's budget; B: A's rounds.
  change   B's servers run with SYSPATH_TEST_BURN_NS=N:raw: the raw backend's server spins N
           ns of CPU per accepted connection, every other server is as in A. The size comes
           from run A itself: `scripts/compare A A --json` gives each row's minimum detectable
           change d (min_detectable, or half the 95% interval's width with an older compare),
           what a comparison of two runs like A can resolve, and the burn is the larger of 10%
           and BURN_X x d of raw/epoll (at least BURN_X x the median d of the controls). A quiet
           machine is tested at 10%; a noisy one at the change it reports it can see, never
           skipped.

An attempt passes when compare calls accept-cpu/raw/epoll significant (its verdict_kind, or
older verdict, "different"/"worse", interval above 1) with B/A - 1 within [0.5, 2] x the burn
(the burn also costs a little beyond its N ns), and no control row of accept-cpu significant:
compare's own rule, Benjamini-Hochberg within the family, so no control is excused by noise.

The chance that a correct compare fails it, per attempt:
  - a control flagged: 4 unchanged rows and one changed (its p near the smallest 6-v-6 U test p,
    0.0022), BH at 0.05 over 5: a control is flagged when its p_(j) <= 0.01 (j + 1) for some j;
    for 4 independent uniform p that is about 1 - 0.98^4 + (j >= 2 terms) ~ 0.09. Drift between
    the two runs raises it on a machine whose load changes between them: call it <= 0.12;
  - the burnt row missed: the burn is >= BURN_X = 2.5 half-widths of its 95% interval, about
    4.9 standard errors; BH needs its p <= 0.01 (z 2.58): missed with probability ~ 0.01,
    and 6 v 6 rounds can reach that p (0.0022 x 5 = 0.011 < 0.05).
  So <= ~0.13 per attempt. Up to ATTEMPTS = 2 fresh attempts (new A and B): a correct compare
  fails with probability <= 0.13^2 ~ 0.017 when both fit the budget. The second runs only when
  the first's duration fits what is left of BUDGET_S; when it does not, the test fails on the
  first attempt's problem (probability <= 0.13) and says that no second attempt fitted.
  These bounds hold while the machine's load is the same in A and B. Load that other users
  bring between the two runs moves every row alike (every control by about the same factor),
  and compare rightly calls those rows different: the attempt fails, as a user comparing those
  two runs would be told, and the next attempt is fresh. Such a shift in both attempts fails
  the test: its rate is the machine's, not compare's, and no bound here covers it.
A compare that cannot flag the row (a correction over every row of a folder) or that flags
rows by drift fails anywhere. No speed is asserted, and nothing is skipped for noise.

Each side is 30 one-second wrk runs and their set-up (servers, warm-ups, namespaces), so one
attempt takes minutes on a busy 2-core machine; the budget is 290 s.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import bin_dir, fail, skip, src, want  # noqa: E402

sys.path.insert(0, os.path.join(src(), "scripts", "lib"))
import bench_load  # noqa: E402

ROUNDS = 6            # U test 6 v 6: smallest p 0.0022, so the burnt row survives BH over 5
SLOWDOWN = 0.10
BURN_X = 2.5          # the burn, in minimum detectable changes of run A
BURNT = "raw/epoll"
CONTROLS = ("libc/epoll", "asm/epoll", "libc/iterative", "asm/iterative", "asm-server")
N_CONTROLS = 4        # nginx and 3 syspath rows
ENV = "SYSPATH_TEST_BURN_NS"
ATTEMPTS = 2
BUDGET_S = 290.0
A_SHARE = 0.24        # run A's --max-minutes: so that two attempts (A, then B as long) fit the budget

bindir = bin_dir()
build = os.path.dirname(bindir)
for tool, pkg in (("wrk", "wrk"), ("taskset", "util-linux"), ("nginx", "nginx-light")):
    if not shutil.which(tool):
        skip("%s is not installed (Debian: %s)" % (tool, pkg))
if not os.access(os.path.join(bindir, "syspath-server"), os.X_OK):
    skip("syspath-server is not built in %s" % bindir)
try:
    import scipy  # noqa: F401  (scripts/compare's U test)
except ImportError:
    skip("python3-scipy is not installed (scripts/compare needs it)")
backends, models, unavailable = bench_load.list_server(bindir)
want("raw" in backends and "epoll" in models and "epoll" not in unavailable,
     "syspath-server --list has no raw/epoll: %r %r" % (backends, models))
rows_all, _ = bench_load.plan_rows("accept", bindir, 1)
have = [r.name for r in rows_all]
controls = [n for n in CONTROLS if n in have][:N_CONTROLS - 1] + ["nginx"]
want(len(controls) == N_CONTROLS, "expected %d control rows, have %s" % (N_CONTROLS, ", ".join(have)))
ROWS = [BURNT] + controls

# a bad knob value is refused at start-up, with one line
p = subprocess.run([os.path.join(bindir, "syspath-server"), "--port", "0"], capture_output=True, text=True,
                   env=dict(os.environ, **{ENV: "ten"}), timeout=10)
want(p.returncode == 2 and p.stderr.count("\n") == 1 and ENV in p.stderr,
     "%s=ten: expected one line naming it and exit 2, got %d %r" % (ENV, p.returncode, p.stderr))
os.environ.pop(ENV, None)
t_start = time.monotonic()


def bench(out, rounds, extra=(), burn_ns=0):
    env = dict(os.environ)
    if burn_ns:
        env[ENV] = "%d:raw" % burn_ns
    argv = [sys.executable, os.path.join(src(), "scripts", "lib", "bench_run.py"), "--no-build",
            "--build-dir", build, "--no-post", "--only", "accept", "--rows", ",".join(ROWS),
            "--duration", "1", "--rounds", str(rounds), "--out", out] + list(extra)
    t = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=BUDGET_S)
    want(p.returncode == 0 and p.stdout.strip().splitlines()[-1:] == [out],
         "scripts/bench (%s) exited %d: %s" % (os.path.basename(out), p.returncode,
                                              "\n".join(p.stderr.strip().splitlines()[-5:])))
    with open(os.path.join(out, "accept.json")) as f:
        doc = json.load(f)
    return doc, time.monotonic() - t


def compare(a, b, js):
    p = subprocess.run([os.path.join(src(), "scripts", "compare"), a, b, "--json", js, "--filter", "^accept"],
                       capture_output=True, text=True, timeout=120)
    want(p.returncode == 0, "scripts/compare exited %d: %s" % (p.returncode, p.stderr.strip()))
    with open(js) as f:
        return {r["name"]: r for r in json.load(f)["comparisons"][0]["rows"]}, p.stdout


def mdc(r):
    """A row's minimum detectable change: compare's min_detectable, else half its 95% interval."""
    if r.get("min_detectable") is not None:
        return r["min_detectable"]
    lo, hi = r["ci95"]
    want(lo is not None and hi is not None, "compare A A: no interval for %s" % r["name"])
    return (hi - lo) / 2


def kind(r):
    return r.get("verdict_kind") or r.get("verdict")


def attempt(k, work):
    t0 = time.monotonic()
    A, B = os.path.join(work, "A"), os.path.join(work, "B")
    cap_min = max(0.5, A_SHARE * BUDGET_S / 60)
    docA, tA = bench(A, ROUNDS, ("--adaptive", "--max-minutes", "%.2f" % cap_min))
    rounds = docA["rounds"]
    ad = docA.get("adaptive") or {}
    want(ad.get("stopped"), "run A: --adaptive recorded no reason to stop: %r" % ad)
    by = {r["name"]: r for r in docA["rows"]}
    a_cpu = by[BURNT][(docA.get("meter") or {}).get("headline") or "server_cpu_us_per_conn"]
    want(a_cpu and a_cpu > 0, "run A: no server CPU per connection for %s" % BURNT)
    # what two runs like A can resolve, from A itself
    same, _ = compare(A, A, os.path.join(work, "aa.json"))
    d_burnt = mdc(same["accept-cpu/" + BURNT])
    d_ctl = statistics.median(mdc(same["accept-cpu/" + n]) for n in controls)
    frac = max(SLOWDOWN, BURN_X * d_burnt, BURN_X * d_ctl)
    burn_ns = int(round(frac * a_cpu * 1000))
    print("attempt %d: run A %d rounds (%s, %.0f s); %s %.2f µs/conn; A v A resolves ±%.1f%% (%s), "
          "±%.1f%% (controls' median): burn %.1f%% = %d ns per connection in B"
          % (k, rounds, ad.get("stopped"), tA, BURNT, a_cpu, 100 * d_burnt, BURNT, 100 * d_ctl, 100 * frac,
             burn_ns))
    _docB, tB = bench(B, rounds, burn_ns=burn_ns)
    got, text = compare(A, B, os.path.join(work, "ab.json"))
    print("  run B %d rounds (%.0f s); compare:" % (rounds, tB))
    for line in text.splitlines():
        if line.startswith(("--", "*", "  accept-cpu")) or "family" in line:
            print("    " + line)
    problems = []
    r = got.get("accept-cpu/" + BURNT)
    want(r is not None, "compare: no accept-cpu/%s row" % BURNT)
    want(r["family"] == "accept-cpu" and r["family_tested"] == len(ROWS),
         "compare: expected accept-cpu/%s in family accept-cpu of %d tested rows, got %s of %d"
         % (BURNT, len(ROWS), r["family"], r["family_tested"]))
    print("  %s: B/A %.3f [%.3f, %.3f], p %.2g, q %.2g, %s; expected %.3f"
          % (r["name"], r["ratio"], r["ci95"][0], r["ci95"][1], r["p"], r["q"], kind(r), 1 + frac))
    if not (r["significant"] and r["ci95"][0] is not None and r["ci95"][0] > 1.0):
        problems.append("accept-cpu/%s: a %.1f%% burn not flagged (%s, q %.2g)" % (BURNT, 100 * frac, kind(r), r["q"]))
    elif not 0.5 <= (r["ratio"] - 1) / frac <= 2.0:
        problems.append("accept-cpu/%s: B/A %.3f, expected 1 + %.3f x [0.5, 2]" % (BURNT, r["ratio"], frac))
    for n in controls:
        c = got.get("accept-cpu/" + n)
        want(c is not None, "compare: no accept-cpu/%s row" % n)
        print("  %s (control): B/A %.3f [%.3f, %.3f], p %.2g, q %.2g, %s"
              % (c["name"], c["ratio"], c["ci95"][0], c["ci95"][1], c["p"], c["q"], kind(c)))
        if c["significant"]:
            problems.append("control accept-cpu/%s flagged %s (B/A %.3f, q %.2g)" % (n, kind(c), c["ratio"], c["q"]))
    return problems, time.monotonic() - t0


failed = []
for k in range(1, ATTEMPTS + 1):
    work = tempfile.mkdtemp(prefix="syspath-burn-")
    try:
        problems, took = attempt(k, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not problems:
        break
    failed.append("; ".join(problems))
    left = BUDGET_S - (time.monotonic() - t_start)
    print("attempt %d failed (%s), %.0f s" % (k, failed[-1], took))
    if k < ATTEMPTS and took > left:
        fail("attempt %d failed and a second (%.0f s) does not fit the %.0f s left: %s"
             % (k, took, left, failed[-1]))
else:
    fail("no attempt of %d passed: %s" % (ATTEMPTS, " / ".join(failed)))
print("ok: accept-cpu/%s flagged, no control row of its family flagged; %.0f s in all"
      % (BURNT, time.monotonic() - t_start))
