#!/usr/bin/python3
"""Run the libFuzzer target for the HTTP parser (tests/fuzz/fuzz_http.c) for
$SYSPATH_FUZZ_SECONDS seconds (default 60; 0 skips), starting from the seed
corpus. Any crash, sanitizer report or broken property fails the test; the
input that did it is saved in <build>/fuzz-artifacts/ and named in the output.
New inputs the fuzzer finds go to a temporary directory, never into the
source tree. Prints how many inputs were executed.

usage: test_fuzz_http.py FUZZER SEED_DIR DICT
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import check, run, skip


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    fuzzer, seeds, dictionary = sys.argv[1:]
    raw = os.environ.get("SYSPATH_FUZZ_SECONDS", "60")
    check(raw.isdigit(), "SYSPATH_FUZZ_SECONDS", "a whole number of seconds", raw)
    seconds = int(raw)
    if seconds == 0:
        skip("SYSPATH_FUZZ_SECONDS=0")
    if not os.access(fuzzer, os.X_OK):
        skip(f"{fuzzer} is not built (needs clang with libFuzzer: see the cmake STATUS line for fuzz_http)")
    build = os.environ.get("SYSPATH_BUILD", os.path.dirname(os.path.dirname(fuzzer)))
    artifacts = os.path.join(build, "fuzz-artifacts") + os.sep
    os.makedirs(artifacts, exist_ok=True)
    with tempfile.TemporaryDirectory() as corpus:
        argv = [fuzzer, f"-max_total_time={seconds}", "-max_len=9000", "-timeout=10",
                "-print_final_stats=1", f"-dict={dictionary}", f"-artifact_prefix={artifacts}",
                corpus, seeds]
        print("running:", " ".join(argv), flush=True)
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace", timeout=seconds + 300)
    out = p.stdout
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", out)
    runs = int(m.group(1)) if m else None
    if p.returncode != 0:
        print(out[-6000:])
        saved = re.findall(r"Test unit written to (\S+)", out)
        raise SystemExit(f"FAIL: the fuzzer stopped with status {p.returncode} "
                         f"after {runs} executions; input saved as {saved or 'nothing'}")
    check(runs is not None and runs > 0, "executions reported by the fuzzer", "> 0", runs)
    cov = re.findall(r"cov: (\d+) ft: (\d+)", out)
    print(f"fuzz_http: {runs} executions in {seconds} s, no crash and every property held"
          + (f" (final coverage: {cov[-1][0]} edges, {cov[-1][1]} features)" if cov else ""))


run(main)
