"""tests/bench/microtest.py — what the bench-micro tests share.

Each test runs a binary from $SYSPATH_BIN the way scripts/bench does (a small
filtered set, tiny --benchmark_min_time, JSON on stdout) and checks what a
reader of microbench.json relies on: valid JSON, the expected row names, no
row in error. Nothing here looks at a time: the machine is shared and noisy.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import SKIP, fail, skip  # noqa: E402,F401  (one SKIP code, one FAIL line for every test)


def binary(name):
    d = os.environ.get("SYSPATH_BIN")
    if not d:
        fail("SYSPATH_BIN is not set (run through ctest)")
    path = os.path.join(d, name)
    if not os.access(path, os.X_OK):
        fail(f"{path} is not built")
    return path


def run(argv, env_extra=None, timeout=120):
    """Run argv; return (exit status, stdout, stderr)."""
    env = dict(os.environ)
    env.update(env_extra or {})
    try:
        p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        fail(f"{' '.join(argv)} did not finish within {timeout} s")
    return p.returncode, p.stdout, p.stderr


def run_json(argv, env_extra=None, timeout=120):
    """Run a benchmark binary with --benchmark_format=json; return (doc, stderr)."""
    rc, out, err = run(argv + ["--benchmark_format=json"], env_extra, timeout)
    if rc != 0:
        fail(f"{' '.join(argv)} exited {rc}; stderr:\n{err}")
    try:
        doc = json.loads(out)
    except json.JSONDecodeError as e:
        fail(f"{' '.join(argv)} did not print valid JSON ({e}); stdout starts:\n{out[:500]}")
    if not isinstance(doc.get("context"), dict) or not isinstance(doc.get("benchmarks"), list):
        fail(f"JSON has no context/benchmarks: keys {sorted(doc)}")
    return doc, err


def check_rows(doc, expected, absent=()):
    """Every name in `expected` has an iteration row without error, with a
    positive time in ns; no name in `absent` appears. Names without the
    /manual_time google-benchmark gives a row that times itself (auto's)."""
    rows = {}
    for b in doc["benchmarks"]:
        if b.get("run_type", "iteration") == "iteration":
            rows.setdefault(b["name"].removesuffix("/manual_time"), []).append(b)
    for name in expected:
        if name not in rows:
            fail(f"expected row {name!r}; got {sorted(rows)}")
        for b in rows[name]:
            if b.get("error_occurred"):
                fail(f"row {name} reported an error: {b.get('error_message')}")
            if b.get("time_unit") != "ns":
                fail(f"row {name}: time_unit {b.get('time_unit')!r}, expected 'ns'")
            if not b.get("real_time", 0) > 0 or not b.get("iterations", 0) > 0:
                fail(f"row {name}: no time or iterations: {b}")
    for name in absent:
        if name in rows:
            fail(f"row {name!r} should not have run")
    return rows
