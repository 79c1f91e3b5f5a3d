#!/usr/bin/python3
"""scripts/count writes valid counts.json with positive instruction counts and
its method (method_version, method); the counts are exact (the same for two
different N, whole numbers per call);
and every other struct sp_sys path's getppid executes no more user-space
instructions than libc's (counts, not times: this is behaviour, and it must hold anywhere)."""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from microtest import binary, fail, run, skip  # noqa: E402
from sptest import Failure, backends  # noqa: E402

if shutil.which("valgrind") is None:
    skip("valgrind is not installed (Debian: valgrind)")
src = os.environ.get("SYSPATH_SRC") or fail("SYSPATH_SRC is not set (run through ctest)")
count = os.path.join(src, "scripts", "count")
with open(binary("bench-syscalls"), "rb") as fh:
    if b"__asan_init" in fh.read():
        skip("bench-syscalls is built with AddressSanitizer, which cannot run under valgrind")
helpers = os.access(os.path.join(os.environ["SYSPATH_BIN"], "bench-helpers"), os.X_OK)


def counted(args, n):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "counts.json")
        rc, _, err = run([count, "--out", out, "--iterations", str(n)] + args, timeout=600)
        if rc != 0:
            fail(f"scripts/count {' '.join(args)} exited {rc}:\n{err}")
        try:
            with open(out) as fh:
                doc = json.load(fh)
        except (OSError, json.JSONDecodeError) as e:
            fail(f"counts.json is not valid JSON: {e}")
    if doc.get("tool") != "callgrind" or doc.get("iterations") != n:
        fail(f"tool/iterations: {doc.get('tool')!r}/{doc.get('iterations')!r}, expected callgrind/{n}")
    # run.json's method.counts is copied from these: a version and the method in words
    if not isinstance(doc.get("method_version"), int) or not isinstance(doc.get("method"), str):
        fail(f"method_version/method: {doc.get('method_version')!r}/{doc.get('method')!r}, "
             "expected a whole number and text")
    rows = {}
    for r in doc.get("rows", []):
        v = r.get("instructions_per_call")
        if not isinstance(r.get("name"), str) or not isinstance(v, (int, float)) or not v > 0:
            fail(f"bad row {r}")
        rows[r["name"]] = v
    if not rows:
        fail("no rows")
    if "row" not in err or "instructions/call" not in err:
        fail(f"no table on stderr:\n{err}")
    return rows


a = counted(["--only", "syscalls"], 50)
b = counted(["--only", "syscalls"], 120)
try:
    paths = backends()   # the registry's paths, as syspath-server --list names them
except Failure as e:
    fail(str(e))
for p in paths:
    for op in ("getppid", "close_badfd", "write_devnull", "read_devzero", "socket_close",
               "accept_eagain"):
        if f"syscall/{op}/{p}" not in a:
            fail(f"syscall/{op}/{p} was not counted; got {sorted(a)}")
for name, v in a.items():
    if b.get(name) != v:
        fail(f"{name}: {v} instructions per call with N=50, {b.get(name)} with N=120: not exact")
    if not name.startswith("uring/") and v != int(v):
        fail(f"{name}: {v} instructions per call is not a whole number")
libc = a["syscall/getppid/libc"]
for p in (p for p in paths if p != "libc"):
    if a[f"syscall/getppid/{p}"] > libc:
        fail(f"syscall/getppid/{p} counts {a[f'syscall/getppid/{p}']} instructions, "
             f"more than libc's {libc}")
if not a["syscall/nop/indirect"] < min(a[f"syscall/getppid/{p}"] for p in paths):
    fail("the no-op table call counts no fewer instructions than a real syscall")
print(f"ok: {len(a)} syscall rows, identical for N=50 and N=120; getppid " +
      ", ".join(f"{p} {a[f'syscall/getppid/{p}']:g}" for p in paths))

if helpers:
    h = counted(["--only", "helpers", "--sizes", "16,256"], 20)
    for fam in ("memset", "strlen", "memcpy"):
        for size in (16, 256):
            if f"{fam}/libc/{size}" not in h:
                fail(f"{fam}/libc/{size} was not counted; got {sorted(h)}")
    if not any(n.startswith("htons/") for n in h):
        fail(f"no htons row counted; got {sorted(h)}")
    print(f"ok: {len(h)} helper rows")
else:
    print("note: bench-helpers is not built, only syscall rows were counted")
