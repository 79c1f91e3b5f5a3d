"""tests/report/common.py — what the report tests share: run a script, make a fixture, fail clearly.

Each test is one behaviour (liburing's habit); they exit 0 on success, 1 on a
failure (with what was expected and what came), 77 when they cannot run here.
"""
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("SYSPATH_SRC") or os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
PY = "/usr/bin/python3"
MKRUN = os.path.join(SRC, "tests", "report", "mkrun.py")


def script(name):
    return os.path.join(SRC, "scripts", name)


sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import SKIP, fail, skip  # noqa: E402,F401  (one SKIP code, one FAIL line for every test)


# tries each module in turn and prints the first it cannot import
_TRY_IMPORTS = """import importlib, sys
for m in sys.argv[1:]:
    try:
        importlib.import_module(m)
    except Exception:
        print(m)
        break
"""


def need(*modules):
    """Skip (77) when Debian's python3 lacks a module the scripts need."""
    if not os.path.exists(PY):
        skip("%s not found (the scripts run with Debian's python3)" % PY)
    if modules:   # one interpreter for them all: numpy, say, is imported once, not once per module
        r = subprocess.run([PY, "-c", _TRY_IMPORTS] + list(modules), capture_output=True, text=True)
        m = r.stdout.strip() or (modules[0] if r.returncode != 0 else None)
        if m:
            skip("%s cannot import %s (apt-get install python3-%s)" % (PY, m, m))


def run(cmd, expect_rc=None, timeout=600):
    """Run cmd (a list); return (rc, stdout, stderr); fail when the exit status is not expect_rc."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        fail("%s: no exit within %d s" % (" ".join(cmd), timeout))
    if "Traceback (most recent call last)" in p.stderr:
        fail("%s crashed with a Python traceback:\n%s" % (" ".join(cmd), p.stderr))
    if expect_rc is not None and p.returncode != expect_rc:
        fail("%s: expected exit %d, got %d\nstdout:\n%s\nstderr:\n%s" % (" ".join(cmd), expect_rc, p.returncode,
                                                                          p.stdout[-3000:], p.stderr[-3000:]))
    return p.returncode, p.stdout, p.stderr


def tmpdir():
    d = tempfile.mkdtemp(prefix="syspath-report-test-")
    import atexit
    atexit.register(shutil.rmtree, d, True)
    return d


def _mkrun(argv):
    """tests/report/mkrun.py with these arguments, in this process: the fixture's files are
    the same as a `mkrun.py` command writes, without a fresh interpreter and numpy each time
    (the tests make ~50 folders)."""
    global _MKRUN_MOD
    if _MKRUN_MOD is None:
        import importlib.util
        spec = importlib.util.spec_from_file_location("mkrun", MKRUN)
        _MKRUN_MOD = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(_MKRUN_MOD)
    try:
        _MKRUN_MOD.main(argv)
    except SystemExit as e:
        if e.code not in (None, 0):
            fail("%s %s: exited with %s" % (MKRUN, " ".join(argv), e.code))


_MKRUN_MOD = None


def mkrun(out, *args):
    _mkrun(["make", out] + list(args))
    return out


def slow(src, dst, row, factor=1.10):
    _mkrun(["slow", src, dst, "--row", row, "--factor", str(factor)])
    return dst


def check(cond, msg):
    if not cond:
        fail(msg)
