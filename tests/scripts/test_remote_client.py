#!/usr/bin/python3
"""scripts/lib/remote.py (scripts/bench --client) against a real sshd, without a second machine.

sshhost.SshHost plays the remote host: a network namespace joined by a veth
pair (198.19.x.y/29), Debian's sshd inside it with a key made for the test;
on port 22 the host as it is, on port 2222 one without wrk or python3
(ForceCommand sets a PATH without them: a simulation, said so).

  - RemoteClient.check() passes on port 22, and the address it gives the
    server to bind is this end of the veth;
  - fingerprint() has machine.json's fields and types, through python3 there;
    on port 2222 through the shell script, with the same CPU, kernel and slug
    (it is the same machine);
  - run_wrk through ssh against syspath-server bound to that address: wrk's
    output parses, requests > 0; a target anywhere else is refused; a run
    interrupted here (SIGINT, as scripts/bench traps it) stops wrk there;
  - an unknown host key is refused with StrictHostKeyChecking's default
    and taken with accept-new; no ssh here is one line naming the package;
  - bench_options.parse_args --client gives the load code a checked RemoteClient,
    and run.json records client {url, address, machine (machine.json's
    fields), machine_via};
  - scripts/bench --client: an unused address of the namespace's subnet, the
    host without wrk, a malformed URL: each one line on stderr, exit 2, no run
    folder, within seconds (before any build);
  - afterwards: no namespace, veth, sshd or temp dir left, pass or fail.
SKIP when not root, or sshd, ssh, ip or wrk is missing, or no netns/veth."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import bin_dir, check_machine, run, skip, src, want  # noqa: E402
from sshhost import SshHost, Unavailable  # noqa: E402

sys.path.insert(0, os.path.join(src(), "scripts", "lib"))
import bench_machine  # noqa: E402
import bench_options  # noqa: E402
import bench_proc  # noqa: E402
import bench_run  # noqa: E402
import remote  # noqa: E402
try:
    from wrk import parse_wrk  # noqa: E402  (the load code split into modules)
except ImportError:
    from bench_load import parse_wrk  # noqa: E402

why = SshHost.missing()
if why:
    skip(why)
server_bin = os.path.join(bin_dir(), "syspath-server")
want(os.access(server_bin, os.X_OK), "%s is not built" % server_bin)

server = None
h = SshHost()
try:
    h.__enter__()           # not a with block: a kernel without netns or veth is a SKIP
except Unavailable as e:
    skip(str(e))
try:
    # -- the host as it is ---------------------------------------------------
    url, cfg, HERE, THERE, UNUSED = h.url, h.ssh_config, h.here, h.there, h.unused
    c = remote.RemoteClient(url, ssh_config=cfg)
    try:
        c.check()
    except remote.RemoteError as e:
        want(False, "check() of %s failed: %s (sshd: %s)" % (url, e, h.log_tail()))
    want(c.address == HERE, "the server should bind %s (this end of the veth), check() "
         "says %r" % (HERE, c.address))
    want(c.has_python, "python3 not seen there, though it is installed")
    fp = c.fingerprint()
    want(c.fingerprint_via == "python3", "fingerprint through %r, expected python3"
         % c.fingerprint_via)
    with open(os.path.join(h.tmp, "remote-machine.json"), "w") as f:
        json.dump(fp, f)
    check_machine(os.path.join(h.tmp, "remote-machine.json"))
    local = bench_machine.fingerprint(bin_dir=None)
    want(set(fp) == set(local), "remote fingerprint's fields %s, machine.json's %s"
         % (sorted(fp), sorted(local)))
    for key in ("slug", "kernel"):
        want(fp[key] == local[key], "%s there %r, here %r (the same machine)"
             % (key, fp[key], local[key]))
    rec = c.record()
    want(rec["url"] == url and rec["machine"] is fp and rec["address"] == HERE,
         "record() %r" % {k: rec[k] for k in ("url", "address")})

    # wrk there, through ssh, against syspath-server bound to the address it reaches
    server = subprocess.Popen([server_bin, "--addr", HERE, "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    port = int(line.split("listening on ", 1)[1].split()[0].rsplit(":", 1)[1]) \
        if "listening on " in line else None
    want(port, "syspath-server --addr %s did not say where it listens: %r" % (HERE, line))
    text = c.run_wrk(["-t1", "-c4", "-d1s", "--timeout", "2s", c.url_for(port)])
    got = parse_wrk(text)
    want(got is not None and got["requests"] > 0,
         "wrk through ssh: expected a summary with requests > 0, got %r from:\n%s" % (got, text))
    want(not any(got["errors"].values()), "wrk through ssh: errors %r" % got["errors"])
    for target in ("http://127.0.0.1:%d/" % port, "http://%s:%d/" % (UNUSED, port)):
        try:
            c.run_wrk(["-d1s", target])
            want(False, "run_wrk sent load to %s, which is not the address check() found"
                 % target)
        except ValueError:
            pass
    want(c.run(["echo", "a b"]).strip() == "a b", "run() does not quote its words")
    # a wrk run stopped here (Ctrl-C: scripts/bench's traps) is stopped there too
    bench_proc.install_traps()

    def interrupt_once_wrk_runs():
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline:
            if h.running("wrk"):
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.05)
    watcher = threading.Thread(target=interrupt_once_wrk_runs, daemon=True)
    watcher.start()
    try:
        c.run_wrk(["-t1", "-c1", "-d30s", c.url_for(port)])
        want(False, "wrk was never seen running there within 25 s")
    except bench_proc.Interrupted:
        pass
    watcher.join()
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_DFL if s != signal.SIGINT else signal.default_int_handler)
    deadline = time.monotonic() + 10
    while h.running("wrk"):
        want(time.monotonic() < deadline, "wrk still runs there 10 s after run_wrk was "
             "interrupted")
        time.sleep(0.1)

    # -- the host key: unknown is refused by default, taken with accept-new --
    cfg_new = h.client_config("ssh_config_new", "")
    try:
        remote.RemoteClient(url, ssh_config=cfg_new).check()
        want(False, "an unknown host key was accepted without StrictHostKeyChecking")
    except remote.RemoteError as e:
        want("host key" in str(e) and "\n" not in str(e),
             "unknown host key: expected one line about the host key, got %r" % str(e))
    remote.RemoteClient(url, ssh_config=cfg_new, strict="accept-new").check()
    # no ssh here
    path = os.environ["PATH"]
    os.environ["PATH"] = os.path.join(h.tmp, "nowhere")
    try:
        remote.RemoteClient(url, ssh_config=cfg).check()
        want(False, "check() passed with no ssh on PATH")
    except remote.RemoteError as e:
        want(str(e) == "ssh is not installed here: apt-get install openssh-client",
             "no ssh here: expected the line naming the package, got %r" % str(e))
    finally:
        os.environ["PATH"] = path

    # -- the host without wrk or python3 --------------------------------------
    bare_url = h.bare_url
    b = remote.RemoteClient(bare_url, ssh_config=cfg)
    try:
        b.check()
        want(False, "check() passed on a host without wrk")
    except remote.RemoteError as e:
        want(str(e) == "wrk is not installed on %s: apt-get install wrk there" % THERE,
             "no wrk there: expected the line naming the fix, got %r" % str(e))
    b.has_python = False          # what check() saw before it stopped at wrk
    bfp = b.fingerprint()
    want(b.fingerprint_via == "shell", "no python3 there: fingerprint through %r, "
         "expected the shell script" % b.fingerprint_via)
    want(bfp["software"]["python"] is None, "software.python %r there, where it has no python3"
         % bfp["software"]["python"])
    with open(os.path.join(h.tmp, "bare-machine.json"), "w") as f:
        # check_machine wants a python version, as every local machine.json has one
        json.dump(dict(bfp, software=dict(bfp["software"], python="none there")), f)
    check_machine(os.path.join(h.tmp, "bare-machine.json"))
    want(set(bfp) == set(fp), "shell fingerprint's fields %s, python3's %s"
         % (sorted(bfp), sorted(fp)))
    for key in ("slug", "kernel", "memory_bytes", "mitigations"):
        want(bfp[key] == fp[key], "%s: shell %r, python3 %r" % (key, bfp[key], fp[key]))
    for key in ("model_name", "vendor", "family", "model", "stepping", "microarch",
                "flags", "other_flags", "cores", "threads"):
        want(bfp["cpu"][key] == fp["cpu"][key], "cpu.%s: shell %r, python3 %r"
             % (key, bfp["cpu"][key], fp["cpu"][key]))
    want(bfp["software"]["wrk"] is None and bfp["software"]["glibc"] == fp["software"]["glibc"],
         "shell software: wrk %r (expected null there), glibc %r (python3: %r)"
         % (bfp["software"]["wrk"], bfp["software"]["glibc"], fp["software"]["glibc"]))

    # -- the driver: --client parsed and checked, and run.json's client -------------
    build = os.environ.get("SYSPATH_BUILD") or os.path.dirname(bin_dir())
    out = os.path.join(h.tmp, "run-ok")
    os.environ["SYSPATH_SSH_CONFIG"] = h.ssh_config
    try:
        args = bench_options.parse_args(["--client", url, "--only", "accept", "--out", out,
                                         "--build-dir", build, "--no-build"])
    finally:
        del os.environ["SYSPATH_SSH_CONFIG"]
    want(isinstance(args.client, remote.RemoteClient) and args.client.address == HERE,
         "parse_args --client: expected a checked RemoteClient with address %s, got %r"
         % (HERE, getattr(args.client, "address", args.client)))
    drv = bench_run.Run(args)
    drv.t0 = time.monotonic()
    drv.step_machine()
    drv.write_run_json()
    with open(os.path.join(out, "run.json")) as f:
        info = json.load(f)
    client = info.get("client") or {}
    want(client.get("url") == url and client.get("address") == HERE
         and client.get("machine_via") == "python3",
         "run.json client: expected url %s, address %s, via python3, got %r"
         % (url, HERE, {k: v for k, v in client.items() if k != "machine"}))
    want(isinstance(client.get("machine"), dict)
         and set(client["machine"]) == set(local)
         and client["machine"]["slug"] == local["slug"],
         "run.json client.machine: expected machine.json's fields, got %r"
         % sorted(client.get("machine") or {}))

    # -- scripts/bench --client: bad hosts and bad URLs, before any build ---------
    bench = os.path.join(src(), "scripts", "bench")
    env = h.env
    cases = [
        ("ssh://%s@%s" % (h.user, UNUSED), ("does not answer", "unreachable")),
        (bare_url, ("wrk is not installed on %s: apt-get install wrk there" % THERE,)),
        ("ssh://%s@" % h.user, ("no host",)),
        ("ssh://%s:0" % THERE, ("port",)),
        ("http://%s/" % THERE, ("not an ssh:// URL",)),
        ("ssh://-oProxyCommand=x", ("not a host name",)),
    ]
    for i, (arg, words) in enumerate(cases):
        out = os.path.join(h.tmp, "run-%d" % i)
        t0 = time.monotonic()
        rc, so, se = run([bench, "--client", arg, "--quick", "--only", "accept",
                          "--out", out, "--build-dir", build, "--no-build"],
                         timeout=60, env=env)
        took = time.monotonic() - t0
        lines = se.strip().splitlines()
        want(rc == 2, "--client %s: exit %d, expected 2 (stderr: %r)" % (arg, rc, se))
        want(len(lines) == 1 and lines[0].startswith("bench: ")
             and any(w in lines[0] for w in words),
             "--client %s: expected one 'bench: ' line saying %s, got %r" % (arg, words, se))
        want(not os.path.exists(out), "--client %s: %s was left behind" % (arg, out))
        print("--client %s: exit 2 in %.1f s: %s" % (arg, took, lines[0]))
        want(took < remote.CONNECT_TIMEOUT_S + 20, "--client %s took %.0f s: not fast"
             % (arg, took))
    print("remote client: check, address %s, fingerprint (python3 and shell), wrk %d requests "
          "through ssh, host key, bad hosts and URLs: ok" % (HERE, got["requests"]))
finally:
    if server is not None and server.poll() is None:
        server.kill()
        server.wait()
    h.close()

left = h.leftovers()
want(not left, "left behind: %s" % "; ".join(left))
