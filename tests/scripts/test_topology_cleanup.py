#!/usr/bin/python3
"""The two-netns topology leaves nothing behind, pass or fail.

Every process scripts/bench starts inherits a mark in its environment (a
variable set here), so anything of this run still alive is found in
/proc/*/environ afterwards, whoever its parent became. Then:
  - a quick accept run of three rows (a syspath row, syspath-asm-server, nginx
    when installed) in the default topology: exit 0, every row measured in
    two-netns, and afterwards no marked process and no veth of ours on the
    host. The topology names no namespace (none in /run/netns, which other
    runs on this machine may use): a namespace goes with its last process,
    so no marked process left means no namespace of ours left;
  - the same run interrupted (SIGINT to its process group, as Ctrl-C) while a
    pair is up: no marked process left;
  - the driver SIGKILLed while a pair is up (no handler runs): the holders,
    servers and wrk die with it (PR_SET_PDEATHSIG), nothing left;
  - run as an unprivileged user, --topology two-netns fails before any work
    with one line naming the fix, exit 2, nothing left.
SKIP where the topology cannot be made (not root, no veth). No speed is asserted."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import bin_dir, fail, skip, src, want  # noqa: E402

sys.path.insert(0, os.path.join(src(), "scripts", "lib"))
import topology  # noqa: E402

why = topology.probe("two-netns")
if why:
    skip(why)
for tool in ("wrk", "taskset"):
    if not subprocess.run(["sh", "-c", "command -v %s" % tool], capture_output=True).stdout:
        skip("%s is not installed" % tool)

bindir = bin_dir()
build = os.environ.get("SYSPATH_BUILD") or os.path.dirname(bindir)
BENCH = os.path.join(src(), "scripts", "bench")
MARK = "SYSPATH_TOPOLOGY_TEST_MARK"
ROWS = "libc/epoll,asm-server" + (",nginx" if os.path.exists("/usr/sbin/nginx") else "")


def marked(mark):
    """pids of live processes carrying mark in their environment."""
    want_env = ("%s=%s" % (MARK, mark)).encode()
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % name, "rb") as f:
                env = f.read().split(b"\0")
            with open("/proc/%s/stat" % name) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if want_env in env and state != "Z":
            out.append(int(name))
    return out


def in_other_netns(pids):
    """Whether any of pids sits in a network namespace other than ours."""
    mine = os.readlink("/proc/self/ns/net")
    for p in pids:
        try:
            if os.readlink("/proc/%d/ns/net" % p) != mine:
                return True
        except OSError:
            continue
    return False


def host_links():
    return subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout


def nothing_left(mark, what, t=10.0):
    deadline = time.monotonic() + t
    left = marked(mark)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = marked(mark)
    cmd = {}
    for p in left:
        try:
            with open("/proc/%d/cmdline" % p, "rb") as f:
                cmd[p] = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            pass
    want(not left, "%s: processes left behind: %r" % (what, cmd))
    for ifname in (topology.SERVER_IF, topology.CLIENT_IF):
        want(" %s" % ifname not in host_links(), "%s: a veth %s is on the host" % (what, ifname))


def bench(out, mark, extra=(), **kw):
    env = dict(os.environ, **{MARK: mark})
    argv = [BENCH, "--quick", "--only", "accept", "--rows", ROWS, "--out", out,
            "--build-dir", build, "--no-build"] + list(extra)
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, **kw)


def wait_for_pair(p, mark, timeout=60):
    """Until one of the run's processes sits in a namespace of its own."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and p.poll() is None:
        if in_other_netns(marked(mark)):
            return True
        time.sleep(0.05)
    return False


with tempfile.TemporaryDirectory() as tmp:
    # a run that passes
    mark = uuid.uuid4().hex
    p = bench(os.path.join(tmp, "ok"), mark)
    try:
        so, se = p.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        fail("the quick run did not finish within 240 s")
    want(p.returncode == 0, "the quick run exited %d: %s" % (p.returncode, se[-2000:]))
    with open(os.path.join(tmp, "ok", "accept.json")) as f:
        doc = json.load(f)
    want(doc["topology"] == "two-netns" and doc["rows"] and
         all(r["topology"] == "two-netns" and not r["failed_rounds"] for r in doc["rows"]),
         "rows not all measured in two-netns: %r" % [(r["name"], r["topology"], r["note"])
                                                      for r in doc["rows"]])
    nothing_left(mark, "after a passing run")
    print("passing run: %d rows in two-netns, nothing left" % len(doc["rows"]))

    # interrupted as Ctrl-C would, while a pair is up
    mark = uuid.uuid4().hex
    p = bench(os.path.join(tmp, "int"), mark, ["--duration", "3"])
    up = wait_for_pair(p, mark)
    os.killpg(p.pid, signal.SIGINT)
    try:
        p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        fail("the interrupted run did not stop within 60 s of SIGINT")
    want(up, "no process of the run was ever in a namespace of its own")
    nothing_left(mark, "after SIGINT")
    print("interrupted run (exit %d): nothing left" % p.returncode)

    # the driver killed outright: no handler, no finally
    mark = uuid.uuid4().hex
    p = bench(os.path.join(tmp, "kill"), mark, ["--duration", "3"])
    up = wait_for_pair(p, mark)
    drivers = []
    for pid in marked(mark):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                if b"bench_run.py" in f.read():
                    drivers.append(pid)
        except OSError:
            pass
    for pid in drivers:
        os.kill(pid, signal.SIGKILL)
    try:
        p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        fail("scripts/bench did not exit within 60 s of its driver's SIGKILL")
    want(up and drivers, "no pair up (%r) or no driver found (%r)" % (up, drivers))
    nothing_left(mark, "after the driver's SIGKILL")
    print("driver SIGKILLed: nothing left")

    # not root: one line, exit 2, before any work
    out = os.path.join(tmp, "nobody")
    os.makedirs(out)
    os.chmod(out, 0o777)
    os.chmod(tmp, 0o755)
    mark = uuid.uuid4().hex
    p = bench(out, mark, ["--topology", "two-netns"],
              preexec_fn=lambda: (os.setgroups([]), os.setgid(65534), os.setuid(65534)))
    so, se = p.communicate(timeout=60)
    lines = [l for l in se.strip().splitlines() if l.strip()]
    want(p.returncode == 2 and len(lines) == 1 and "root" in lines[0] and
         "--topology loopback" in lines[0],
         "as nobody: exit %d, stderr %r; expected exit 2 and one line naming the fix"
         % (p.returncode, se))
    want(not os.path.exists(os.path.join(out, "accept.json")), "as nobody: accept.json written")
    nothing_left(mark, "after the refused run")
    print("as nobody: %s" % lines[0])

print("ok: nothing left behind, pass or fail")
