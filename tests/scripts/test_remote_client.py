#!/usr/bin/python3
"""scripts/lib/remote.py (scripts/bench --client) against a real sshd, without a second machine.

A network namespace plays the remote host: a veth pair joins it to this one,
with a /29 of 198.19.0.0/16 (RFC 2544's benchmarking range) that no route
leaves, and Debian's openssh-server's sshd runs inside it on the veth address,
with a config file, a host key and an authorized key made here for the test.
The namespace shares this machine's files, so "there" has the same wrk and
python3 as here. Port 22 is that host as it is. Port 2222 is a host WITHOUT wrk
or python3, simulated honestly: sshd's ForceCommand runs every command with
PATH set to a directory of links to /usr/bin minus wrk and python3*.

  - RemoteClient.check() passes on port 22, and the address it gives the
    server to bind is this end of the veth;
  - fingerprint() has machine.json's fields and types, through python3 there;
    on port 2222 through the shell script, with the same CPU, kernel and slug
    (it is the same machine);
  - run_wrk through ssh against syspath-server bound to that address: wrk's
    output parses, requests > 0; a target anywhere else is refused; a run
    interrupted here (SIGINT, as scripts/bench traps it) stops wrk there;
  - an unknown host key is refused with StrictHostKeyChecking's default
    and taken with accept-new;
  - scripts/bench --client: an unused address of the namespace's subnet, the
    host without wrk, a malformed URL: each one line on stderr, exit 2, no run
    folder, within seconds (before any build);
  - afterwards: no namespace, interface or sshd left, pass or fail.
SKIP when not root, or sshd, ssh, ip or wrk is missing."""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import bin_dir, check_machine, run, skip, src, want  # noqa: E402

sys.path.insert(0, os.path.join(src(), "scripts", "lib"))
import bench_machine  # noqa: E402
import bench_proc  # noqa: E402
import remote  # noqa: E402
try:
    from wrk import parse_wrk  # noqa: E402  (the load code split into modules)
except ImportError:
    from bench_load import parse_wrk  # noqa: E402

SSHD = "/usr/sbin/sshd"
if os.geteuid() != 0:
    skip("needs root: ip netns add, veth and an sshd playing the remote host")
for tool in ("ssh", "ssh-keygen", "ip", "wrk"):
    if not shutil.which(tool):
        skip("%s not installed (Debian: openssh-client, iproute2, wrk)" % tool)
if not os.access(SSHD, os.X_OK):
    skip("%s not installed (Debian: openssh-server)" % SSHD)
server_bin = os.path.join(bin_dir(), "syspath-server")
want(os.access(server_bin, os.X_OK), "%s is not built" % server_bin)

USER = "root"
NS = "sp-remote-%d" % os.getpid()
VETH_HERE, VETH_THERE = "sprh%d" % os.getpid(), "sprt%d" % os.getpid()


def sh(argv, must=True):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if must and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), (r.stderr or r.stdout).strip()))
    return r


def pick_subnet():
    """A /29 of 198.19.0.0/16 that no address or route here touches yet (other
    tests may hold other ones at the same time): its .1 here, .2 there, .5 unused."""
    taken = sh(["ip", "-o", "addr"]).stdout + sh(["ip", "route"]).stdout
    for _ in range(50):
        base = "198.19.%d.%d" % (random.randrange(1, 255), 8 * random.randrange(0, 31))
        prefix = base.rsplit(".", 1)[0] + "."
        last = int(base.rsplit(".", 1)[1])
        if not any("%s%d" % (prefix, last + i) in taken for i in range(8)):
            return tuple("%s%d" % (prefix, last + i) for i in (1, 2, 5))
    raise RuntimeError("no free /29 in 198.19.0.0/16")


def own_pids():
    try:
        return [int(p) for p in sh(["ip", "netns", "pids", NS], must=False).stdout.split()]
    except ValueError:
        return []


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


made_run_sshd = False
sshd = server = None
tmp = tempfile.mkdtemp(prefix="syspath-remote-")
try:
    # -- the remote host: a namespace, a veth pair, an sshd --------------------
    HERE, THERE, UNUSED = pick_subnet()
    r = sh(["ip", "netns", "add", NS], must=False)
    if r.returncode != 0:
        skip("cannot make a network namespace here: %s" % r.stderr.strip())
    r = sh(["ip", "link", "add", VETH_HERE, "type", "veth", "peer", "name", VETH_THERE,
            "netns", NS], must=False)
    if r.returncode != 0:
        skip("cannot make a veth pair here: %s" % r.stderr.strip())
    sh(["ip", "addr", "add", HERE + "/29", "dev", VETH_HERE])
    sh(["ip", "link", "set", VETH_HERE, "up"])
    sh(["ip", "-n", NS, "addr", "add", THERE + "/29", "dev", VETH_THERE])
    sh(["ip", "-n", NS, "link", "set", VETH_THERE, "up"])
    sh(["ip", "-n", NS, "link", "set", "lo", "up"])

    for name in ("host_key", "user_key"):
        sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "syspath-test",
            "-f", os.path.join(tmp, name)])
    shutil.copy(os.path.join(tmp, "user_key.pub"), os.path.join(tmp, "authorized_keys"))
    with open(os.path.join(tmp, "host_key.pub")) as f:
        host_pub = " ".join(f.read().split()[:2])
    # the host without wrk or python3: every other command of /usr/bin
    bare = os.path.join(tmp, "bare-bin")
    os.mkdir(bare)
    for name in os.listdir("/usr/bin"):
        if name != "wrk" and not name.startswith("python3"):
            os.symlink(os.path.join("/usr/bin", name), os.path.join(bare, name))
    with open(os.path.join(tmp, "sshd_config"), "w") as f:
        f.write("""ListenAddress {there}:22
ListenAddress {there}:2222
HostKey {tmp}/host_key
PidFile {tmp}/sshd.pid
AuthorizedKeysFile {tmp}/authorized_keys
AllowUsers {user}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PrintMotd no
PrintLastLog no
Match LocalPort 2222
    ForceCommand PATH={bare} exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"
""".format(there=THERE, tmp=tmp, user=USER, bare=bare))
    if not os.path.isdir("/run/sshd"):       # sshd's privilege separation directory
        os.makedirs("/run/sshd", mode=0o755)
        made_run_sshd = True
    sshd_log = open(os.path.join(tmp, "sshd.log"), "w")
    sshd = subprocess.Popen(["ip", "netns", "exec", NS, SSHD, "-D", "-e",
                             "-f", os.path.join(tmp, "sshd_config")],
                            stdout=sshd_log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection((THERE, 2222), timeout=1).close()
            socket.create_connection((THERE, 22), timeout=1).close()
            break
        except OSError:
            pass
        want(sshd.poll() is None and time.monotonic() < deadline,
             "sshd did not listen on %s:22 and :2222 within 15 s: %s"
             % (THERE, open(os.path.join(tmp, "sshd.log")).read().strip()[-500:]))
        time.sleep(0.1)

    def ssh_config(name, known):
        path = os.path.join(tmp, name)
        with open(os.path.join(tmp, name + ".known"), "w") as f:
            f.write(known)
        with open(path, "w") as f:
            f.write("Host *\n  IdentityFile %s/user_key\n  IdentitiesOnly yes\n"
                    "  UserKnownHostsFile %s.known\n  GlobalKnownHostsFile /dev/null\n"
                    "  StrictHostKeyChecking yes\n" % (tmp, path))
        return path
    cfg = ssh_config("ssh_config", "%s %s\n[%s]:2222 %s\n" % (THERE, host_pub, THERE, host_pub))

    # -- the host as it is ---------------------------------------------------
    url = "ssh://%s@%s" % (USER, THERE)
    c = remote.RemoteClient(url, ssh_config=cfg)
    try:
        c.check()
    except remote.RemoteError as e:
        want(False, "check() of %s failed: %s (sshd: %s)" % (url, e, open(
            os.path.join(tmp, "sshd.log")).read().strip()[-400:]))
    want(c.address == HERE, "the server should bind %s (this end of the veth), check() "
         "says %r" % (HERE, c.address))
    want(c.has_python, "python3 not seen there, though it is installed")
    fp = c.fingerprint()
    want(c.fingerprint_via == "python3", "fingerprint through %r, expected python3"
         % c.fingerprint_via)
    with open(os.path.join(tmp, "remote-machine.json"), "w") as f:
        json.dump(fp, f)
    check_machine(os.path.join(tmp, "remote-machine.json"))
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
            if any(comm(pid) == "wrk" for pid in own_pids()):
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
    while any(comm(pid) == "wrk" for pid in own_pids()):
        want(time.monotonic() < deadline, "wrk still runs there 10 s after run_wrk was "
             "interrupted")
        time.sleep(0.1)

    # -- the host key: unknown is refused by default, taken with accept-new --
    cfg_new = ssh_config("ssh_config_new", "")
    try:
        remote.RemoteClient(url, ssh_config=cfg_new).check()
        want(False, "an unknown host key was accepted without StrictHostKeyChecking")
    except remote.RemoteError as e:
        want("host key" in str(e) and "\n" not in str(e),
             "unknown host key: expected one line about the host key, got %r" % str(e))
    remote.RemoteClient(url, ssh_config=cfg_new, strict="accept-new").check()

    # -- the host without wrk or python3 --------------------------------------
    bare_url = "ssh://%s@%s:2222" % (USER, THERE)
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
    with open(os.path.join(tmp, "bare-machine.json"), "w") as f:
        # check_machine wants a python version, as every local machine.json has one
        json.dump(dict(bfp, software=dict(bfp["software"], python="none there")), f)
    check_machine(os.path.join(tmp, "bare-machine.json"))
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

    # -- scripts/bench --client: bad hosts and bad URLs, before any build ---------
    bench = os.path.join(src(), "scripts", "bench")
    build = os.environ.get("SYSPATH_BUILD") or os.path.dirname(bin_dir())
    env = dict(os.environ, SYSPATH_SSH_CONFIG=cfg)
    cases = [
        ("ssh://%s@%s" % (USER, UNUSED), ("does not answer", "unreachable")),
        (bare_url, ("wrk is not installed on %s: apt-get install wrk there" % THERE,)),
        ("ssh://%s@" % USER, ("no host",)),
        ("ssh://%s:0" % THERE, ("port",)),
        ("http://%s/" % THERE, ("not an ssh:// URL",)),
        ("ssh://-oProxyCommand=x", ("not a host name",)),
    ]
    for i, (arg, words) in enumerate(cases):
        out = os.path.join(tmp, "run-%d" % i)
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
    for pid in own_pids():          # sshd and any session child, in the namespace only
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if sshd is not None:
        if sshd.poll() is None:
            sshd.kill()
        sshd.wait()
    sh(["ip", "netns", "del", NS], must=False)
    sh(["ip", "link", "del", VETH_HERE], must=False)
    if made_run_sshd:
        try:
            os.rmdir("/run/sshd")
        except OSError:
            pass
    shutil.rmtree(tmp, ignore_errors=True)

# nothing left behind: namespace, either veth end, sshd
want(NS not in sh(["ip", "netns", "list"]).stdout.split(),
     "namespace %s still listed by ip netns list" % NS)
links = sh(["ip", "-o", "link"]).stdout
want(VETH_HERE not in links and VETH_THERE not in links,
     "veth %s/%s still listed by ip link" % (VETH_HERE, VETH_THERE))
want(sshd is None or sshd.poll() is not None, "sshd still running")
