"""tests/lib/sptest.py — what the end-to-end tests share: start a server, talk HTTP to it.

Every socket operation has a timeout and every server is killed on exit, so a
broken server fails a test instead of hanging ctest. Run with /usr/bin/python3.
"""
import atexit
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

BIN = os.environ.get("SYSPATH_BIN", os.path.join(os.path.dirname(__file__), "../../build/bin"))
SKIP = 77
TIMEOUT = 5.0

_children = []


def _reap():
    for p in _children:
        if p.poll() is None:
            p.kill()
            p.wait()


atexit.register(_reap)


class Failure(Exception):
    pass


def check(cond, what, expected=None, got=None):
    """Fail with 'what: expected X, got Y' unless cond."""
    if not cond:
        msg = what if expected is None else f"{what}: expected {expected!r}, got {got!r}"
        raise Failure(msg)


def skip(reason):
    """Exit 77: ctest reports the test as skipped, with the reason in its output."""
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def fail(msg):
    """Exit 1 at once with one FAIL line (for scripts that do not use run())."""
    print(f"FAIL: {msg}")
    sys.exit(1)


def server_path(name="syspath-server"):
    path = os.path.join(BIN, name)
    if not os.access(path, os.X_OK):
        raise Failure(f"{path} is not built")
    return path


class Server:
    """A running server; .port is read from its listening line."""

    def __init__(self, argv, env=None, expect_listen=True, preexec_fn=None, listen_timeout=TIMEOUT):
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env, preexec_fn=preexec_fn)
        _children.append(self.proc)
        self.port = None
        self.line = None
        if expect_listen:
            self.line = self._read_line(listen_timeout)
            m = re.match(r"listening on \[?[0-9a-fA-F.:]+\]?:(\d+)", self.line or "")
            if not m:
                err = self.stderr_now()
                raise Failure(f"{argv[0]}: expected a listening line, got {self.line!r} (stderr: {err!r})")
            self.port = int(m.group(1))

    def _read_line(self, timeout=TIMEOUT):
        import select
        deadline = time.monotonic() + timeout
        buf = b""
        fd = self.proc.stdout.fileno()
        while not buf.endswith(b"\n") and time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                chunk = os.read(fd, 1)
                if not chunk:
                    break
                buf += chunk
        return buf.decode(errors="replace").strip()

    def stderr_now(self):
        if self.proc.poll() is None:
            return ""
        return self.proc.stderr.read().decode(errors="replace")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=TIMEOUT):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failure(f"{self.argv[0]} did not exit within {timeout} s")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            return self.wait()
        return self.proc.returncode


def syspath_server(backend="libc", model="iterative", *extra, env=None, preexec_fn=None):
    return Server([server_path(), "--backend", backend, "--model", model, "--port", "0", *extra],
                  env=env, preexec_fn=preexec_fn)


# ---- the server as a process: its workers, CPU time, descriptors, memory (from /proc) ----

def proc_tree(pid):
    """pid and every descendant (reuseport's workers), from /proc/PID/task/*/children."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass                # exited meanwhile
    return pids


def cpu_seconds(pids):
    """User + system CPU seconds the processes have used so far (/proc/PID/stat)."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])      # utime, stime (fields 14, 15)
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def wait_closed(s, timeout):
    """Read until the peer closes (EOF or reset) or timeout seconds pass.
    Returns (bytes read, seconds until closed or None if still open)."""
    start = time.monotonic()
    chunks = []
    while True:
        left = start + timeout - time.monotonic()
        if left <= 0:
            return b"".join(chunks), None
        s.settimeout(left)
        try:
            chunk = s.recv(1 << 20)
        except socket.timeout:
            return b"".join(chunks), None
        except (ConnectionResetError, BrokenPipeError):
            return b"".join(chunks), time.monotonic() - start
        if not chunk:
            return b"".join(chunks), time.monotonic() - start
        chunks.append(chunk)


def listed(bindir=None):
    """(backends, models, unavailable{model: why}) as `syspath-server --list` reports
    them: the registry's rows, so a test covers every path and model without naming them."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "..", "scripts", "lib"))
    from bench_load import list_server
    found = list_server(bindir or BIN)
    if not found[0] or not found[1]:
        raise Failure(f"{os.path.join(bindir or BIN, 'syspath-server')} --list names no backend or no model")
    return found


def backends(bindir=None):
    """Every syscall path (backend) of the built syspath-server, in its registry's order."""
    return listed(bindir)[0]


def models(bindir=None):
    """Every model built into syspath-server (available here or not), in its registry's order."""
    return listed(bindir)[1]


def model_unavailable(model):
    """The reason a model cannot run here, or None (from syspath-server --list)."""
    out = subprocess.run([server_path(), "--list"], capture_output=True, text=True, timeout=TIMEOUT).stdout
    for line in out.splitlines():
        if line.startswith(f"unavailable: {model} "):
            return line.split(" ", 2)[2]
        # a model whose library was missing at configure time (uring without
        # liburing) is left out of the build: not listed at all
        if line.startswith("models:") and model not in line.split()[1:]:
            return f"not built into this syspath-server (its --list: {line.strip()})"
    return None


def backend_and_model():
    """(BACKEND, MODEL) from argv[1:3]; reports SKIP when the model cannot run here."""
    backend, model = sys.argv[1], sys.argv[2]
    why = model_unavailable(model)
    if why:
        skip(f"model {model} unavailable here: {why}")
    return backend, model


def connect(port, host="127.0.0.1", timeout=TIMEOUT):
    s = socket.create_connection((host, port), timeout=timeout)
    s.settimeout(timeout)
    return s


def recv_until_close(s, limit=1 << 20):
    data = b""
    while len(data) < limit:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def read_response(s, head_only=False):
    """Read one HTTP response: (status, headers dict lower-case, body). Raises on timeout."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise Failure(f"connection closed before a full response head (got {data!r})")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        k, v = line.split(":", 1)
        headers[k.strip().lower()] = v.strip()
    n = 0 if head_only else int(headers.get("content-length", "0"))
    while len(rest) < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest[:n]


def get(port, path="/", headers=None, method="GET", version="HTTP/1.1"):
    """One request on a fresh connection: (status, headers, body)."""
    hdrs = {"Host": "127.0.0.1"}
    hdrs.update(headers or {})
    req = f"{method} {path} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
    with connect(port) as s:
        s.sendall(req.encode())
        return read_response(s, head_only=(method == "HEAD"))


def load_json(path):
    with open(path) as f:
        return json.load(f)


def run(main):
    """Run a test's main(): print PASS/FAIL and exit 0/1 (SKIP exits 77 itself)."""
    try:
        main()
    except Failure as e:
        print(f"FAIL: {e}")
        sys.exit(1)
    except (OSError, ValueError) as e:        # a timeout, a reset, a garbled response
        import traceback
        traceback.print_exc()
        print(f"FAIL: {type(e).__name__}: {e}")
        sys.exit(1)
    print("PASS")
