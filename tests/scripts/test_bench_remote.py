#!/usr/bin/python3
"""scripts/bench --client ssh://... end to end, without a second machine.

sshhost.SshHost plays the remote host (a network namespace joined by a veth
pair, Debian's sshd inside it, a key made for the test). Then

  scripts/bench --quick --only accept --rows raw/epoll,floor[,nginx]
                --client ssh://root@THERE --no-build

makes a run folder whose run.json records the client (its address: this end
of the veth; its machine.json fields) and topology remote, and whose
accept.json rows are equal in kind to a local run's of the same rows: the
same row names and the same fields, the server core measured, the client's
core null (it is on the other machine, unknown). Afterwards no process the
runs started, no wrk in the namespace, no namespace, veth or sshd is left.
No speed is asserted. SKIP when not root, or sshd, ssh, ip or wrk is missing,
or no netns/veth."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import bin_dir, is_num, load, run, skip, src, want  # noqa: E402
from sshhost import SshHost, Unavailable  # noqa: E402

sys.path.insert(0, os.path.join(src(), "scripts", "lib"))
import bench_machine  # noqa: E402
import topology  # noqa: E402

why = SshHost.missing()
if why:
    skip(why)
for tool in ("wrk", "taskset"):
    if not shutil.which(tool):
        skip("%s is not installed" % tool)
bindir = bin_dir()
build = os.environ.get("SYSPATH_BUILD") or os.path.dirname(bindir)
for exe in ("syspath-server", "syspath-floor"):
    want(os.access(os.path.join(bindir, exe), os.X_OK), "%s is not built in %s" % (exe, bindir))
ROWS = ["raw/epoll", "floor"] + (["nginx"] if shutil.which("nginx") else [])
MARK = "SYSPATH_REMOTE_BENCH_MARK"


def marked():
    """pids of live processes carrying this test's mark in their environment."""
    tag = ("%s=%d" % (MARK, os.getpid())).encode()
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % name, "rb") as f:
                if tag not in f.read().split(b"\0"):
                    continue
            with open("/proc/%s/stat" % name) as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                    out.append(int(name))
        except OSError:
            continue
    return out


def bench(out, extra, env):
    argv = [os.path.join(src(), "scripts", "bench"), "--quick", "--only", "accept",
            "--rows", ",".join(ROWS), "--out", out, "--build-dir", build, "--no-build"] + extra
    rc, so, se = run(argv, timeout=300, env=dict(env, **{MARK: str(os.getpid())}))
    sys.stderr.write(se[-2000:])
    want(rc == 0, "%s exited %d" % (" ".join(argv), rc))
    last = so.strip().splitlines()[-1] if so.strip() else ""
    want(last == out, "last stdout line %r, expected the run folder %r" % (last, out))
    return load(os.path.join(out, "accept.json"))


h = SshHost()
try:
    h.__enter__()           # not a with block: a kernel without netns or veth is a SKIP
except Unavailable as e:
    skip(str(e))
tmp = tempfile.mkdtemp(prefix="syspath-bench-remote-")
try:
    out = os.path.join(tmp, "remote")
    d = bench(out, ["--client", h.url], h.env)
    meta = load(os.path.join(out, "run.json"))
    client = meta.get("client") or {}
    want(client.get("url") == h.url and client.get("address") == h.here,
         "run.json client %r: wants url %s and address %s (this end of the veth)"
         % ({k: client.get(k) for k in ("url", "address")}, h.url, h.here))
    fp = client.get("machine")
    want(isinstance(fp, dict) and set(fp) == set(bench_machine.fingerprint(bin_dir=None)),
         "run.json client.machine should carry machine.json's fields, got %r"
         % (sorted(fp) if isinstance(fp, dict) else fp))
    topo = meta.get("method", {}).get("load", {}).get("topology")
    want(topo == "remote" and d.get("topology") == "remote",
         "topology: run.json %r, accept.json %r; wants remote" % (topo, d.get("topology")))

    # the same rows here, in the topology this machine makes by default
    local_topo = "loopback" if topology.probe(topology.DEFAULT) else topology.DEFAULT
    here = bench(os.path.join(tmp, "local"), ["--topology", local_topo], os.environ)
    names = [r["name"] for r in d["rows"]]
    want(names == [r["name"] for r in here["rows"]] and sorted(names) == sorted(ROWS),
         "rows: remote %s, local %s, asked for %s" % (names, [r["name"] for r in here["rows"]],
                                                      ROWS))
    want(set(d) == set(here), "accept.json fields: remote has %s more, local %s more"
         % (sorted(set(d) - set(here)), sorted(set(here) - set(d))))
    for r, l in zip(d["rows"], here["rows"]):
        where = "remote row %s" % r["name"]
        want(set(r) == set(l), "%s: fields %s beyond the local row's, %s missing"
             % (where, sorted(set(r) - set(l)), sorted(set(l) - set(r))))
        want(r["topology"] == "remote" and r["reference"] == (r["name"] == "floor"),
             "%s: topology %r, reference %r" % (where, r["topology"], r["reference"]))
        want(not r["flagged"] and not any(r["errors"].values()),
             "%s: flagged, errors %r, note %r" % (where, r["errors"], r["note"]))
        want(len(r["rounds"]) == 1 and is_num(r["median"]) and r["median"] > 0,
             "%s: rate %r over rounds %r" % (where, r["median"], r["rounds"]))
        # the server's core is here: measured; the client's is not: unknown
        want(is_num(r.get("server_core_us_per_conn")) and r["server_core_us_per_conn"] > 0,
             "%s: server_core_us_per_conn %r" % (where, r.get("server_core_us_per_conn")))
        for f in ("client_core_us_per_conn", "client_core_busy_pct", "client_cpu_pct"):
            want(r.get(f) is None, "%s: %s %r, wants null (the client is elsewhere)"
                 % (where, f, r.get(f)))
    # nothing the runs started is left: here, and in the host's namespace
    deadline = time.monotonic() + 10
    while (marked() or h.running("wrk")) and time.monotonic() < deadline:
        time.sleep(0.1)
    want(not marked(), "processes the runs started are still there: %s" % marked())
    want(not h.running("wrk"), "wrk still runs on the remote host: %s" % h.running("wrk"))
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    for ifname in (topology.SERVER_IF, topology.CLIENT_IF):
        want(" %s" % ifname not in links, "a veth %s is on the host" % ifname)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
    h.close()
left = h.leftovers()
want(not left, "the remote host left: %s" % "; ".join(left))
print("ok: scripts/bench --client ran rows %s through ssh, equal in kind to a local run"
      % ",".join(ROWS))
