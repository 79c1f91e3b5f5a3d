"""tests/scripts/sshhost.py — a second machine for the tests that have none.

    reason = SshHost.missing()          # None, or why it cannot be made here (then SKIP)
    with SshHost() as h:
        ... RemoteClient(h.url, ssh_config=h.ssh_config) ...
        ... scripts/bench --client h.url, with env=h.env ...
    assert not h.leftovers()            # nothing left: namespace, veth, sshd, processes

A network namespace plays the remote host: a veth pair joins it to this
machine, with a /29 of 198.19.0.0/16 (RFC 2544's benchmarking range) that no
route leaves, h.here on this end, h.there on the other, h.unused a free
address of the same /29 (nobody answers it). Debian's openssh-server's sshd
runs inside the namespace on h.there, with its own config file, a host key and
an authorized key made for it in a temp dir; h.ssh_config is an ssh -F file
with that key and the host key already known (StrictHostKeyChecking yes).
The namespace shares this machine's files, so "there" has the same wrk and
python3 as here.

Port 22 (h.url) is that host as it is. Port 2222 (h.bare_url) is a host
WITHOUT wrk or python3, simulated: sshd's ForceCommand runs every command with
PATH set to a directory of links to /usr/bin minus wrk and python3*.

Everything is removed on exit, pass or fail: every process in the namespace
(sshd, its sessions, a wrk they run), the namespace, both veth ends, the temp
dir, and /run/sshd when it was made here.
"""
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time

SSHD = "/usr/sbin/sshd"
BARE_PORT = 2222


def sh(argv, must=True):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if must and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), (r.stderr or r.stdout).strip()))
    return r


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


class Unavailable(Exception):
    """The kernel or this machine cannot make the host (a SKIP, with why)."""


class SshHost:
    user = "root"

    @staticmethod
    def missing():
        """Why the host cannot be made here, or None."""
        if os.geteuid() != 0:
            return "needs root: ip netns add, veth and an sshd playing the remote host"
        for tool, pkg in (("ssh", "openssh-client"), ("ssh-keygen", "openssh-client"),
                          ("ip", "iproute2"), ("wrk", "wrk")):
            if not shutil.which(tool):
                return "%s not installed (Debian: %s)" % (tool, pkg)
        if not os.access(SSHD, os.X_OK):
            return "%s not installed (Debian: openssh-server)" % SSHD
        return None

    def __init__(self):
        tag = os.getpid()
        self.ns = "sp-remote-%d" % tag
        self.veth_here, self.veth_there = "sprh%d" % tag, "sprt%d" % tag
        self.tmp = None
        self.sshd = None
        self.made_run_sshd = False

    # -- making it -------------------------------------------------------------

    def _subnet(self):
        """A /29 of 198.19.0.0/16 that no address or route here touches yet (other
        tests may hold others at the same time): .1 here, .2 there, .5 unused."""
        taken = sh(["ip", "-o", "addr"]).stdout + sh(["ip", "route"]).stdout
        for _ in range(50):
            third, fourth = random.randrange(1, 255), 8 * random.randrange(0, 31)
            if not any("198.19.%d.%d" % (third, fourth + i) in taken for i in range(8)):
                return tuple("198.19.%d.%d" % (third, fourth + i) for i in (1, 2, 5))
        raise RuntimeError("no free /29 in 198.19.0.0/16")

    def __enter__(self):
        try:
            self._make()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _make(self):
        self.tmp = tempfile.mkdtemp(prefix="syspath-sshhost-")
        self.here, self.there, self.unused = self._subnet()
        r = sh(["ip", "netns", "add", self.ns], must=False)
        if r.returncode != 0:
            raise Unavailable("cannot make a network namespace here: %s" % r.stderr.strip())
        r = sh(["ip", "link", "add", self.veth_here, "type", "veth", "peer", "name",
                self.veth_there, "netns", self.ns], must=False)
        if r.returncode != 0:
            raise Unavailable("cannot make a veth pair here: %s" % r.stderr.strip())
        sh(["ip", "addr", "add", self.here + "/29", "dev", self.veth_here])
        sh(["ip", "link", "set", self.veth_here, "up"])
        sh(["ip", "-n", self.ns, "addr", "add", self.there + "/29", "dev", self.veth_there])
        sh(["ip", "-n", self.ns, "link", "set", self.veth_there, "up"])
        sh(["ip", "-n", self.ns, "link", "set", "lo", "up"])

        tmp = self.tmp
        for name in ("host_key", "user_key"):
            sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "syspath-test",
                "-f", os.path.join(tmp, name)])
        shutil.copy(os.path.join(tmp, "user_key.pub"), os.path.join(tmp, "authorized_keys"))
        with open(os.path.join(tmp, "host_key.pub")) as f:
            self.host_pub = " ".join(f.read().split()[:2])
        # the host without wrk or python3: every other command of /usr/bin
        bare = os.path.join(tmp, "bare-bin")
        os.mkdir(bare)
        for name in os.listdir("/usr/bin"):
            if name != "wrk" and not name.startswith("python3"):
                os.symlink(os.path.join("/usr/bin", name), os.path.join(bare, name))
        with open(os.path.join(tmp, "sshd_config"), "w") as f:
            f.write("""ListenAddress {there}:22
ListenAddress {there}:{bare_port}
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
Match LocalPort {bare_port}
    ForceCommand PATH={bare} exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"
""".format(there=self.there, tmp=tmp, user=self.user, bare=bare, bare_port=BARE_PORT))
        if not os.path.isdir("/run/sshd"):       # sshd's privilege separation directory
            os.makedirs("/run/sshd", mode=0o755)
            self.made_run_sshd = True
        self.sshd_log = os.path.join(tmp, "sshd.log")
        with open(self.sshd_log, "w") as log:
            self.sshd = subprocess.Popen(["ip", "netns", "exec", self.ns, SSHD, "-D", "-e",
                                          "-f", os.path.join(tmp, "sshd_config")],
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection((self.there, BARE_PORT), timeout=1).close()
                socket.create_connection((self.there, 22), timeout=1).close()
                break
            except OSError:
                pass
            if self.sshd.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("sshd did not listen on %s:22 and :%d within 15 s: %s"
                                   % (self.there, BARE_PORT, self.log_tail()))
            time.sleep(0.1)

        self.url = "ssh://%s@%s" % (self.user, self.there)
        self.bare_url = "ssh://%s@%s:%d" % (self.user, self.there, BARE_PORT)
        self.ssh_config = self.client_config(
            "ssh_config", "%s %s\n[%s]:%d %s\n" % (self.there, self.host_pub, self.there,
                                                   BARE_PORT, self.host_pub))
        self.env = dict(os.environ, SYSPATH_SSH_CONFIG=self.ssh_config)

    def client_config(self, name, known_hosts):
        """An ssh -F file with the test's key and known_hosts as given."""
        path = os.path.join(self.tmp, name)
        with open(path + ".known", "w") as f:
            f.write(known_hosts)
        with open(path, "w") as f:
            f.write("Host *\n  IdentityFile %s/user_key\n  IdentitiesOnly yes\n"
                    "  UserKnownHostsFile %s.known\n  GlobalKnownHostsFile /dev/null\n"
                    "  StrictHostKeyChecking yes\n" % (self.tmp, path))
        return path

    def log_tail(self, n=400):
        try:
            with open(self.sshd_log) as f:
                return f.read().strip()[-n:]
        except (OSError, AttributeError):
            return ""

    # -- inside it ---------------------------------------------------------------

    def pids(self):
        """Every process in the namespace (sshd, sessions, what they run)."""
        r = sh(["ip", "netns", "pids", self.ns], must=False)
        return [int(p) for p in r.stdout.split() if p.isdigit()]

    def running(self, name):
        return [p for p in self.pids() if comm(p) == name]

    # -- removing it -------------------------------------------------------------

    def close(self):
        for pid in self.pids():         # in the namespace only: ours
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.sshd is not None:
            if self.sshd.poll() is None:
                self.sshd.kill()
            self.sshd.wait()
        sh(["ip", "netns", "del", self.ns], must=False)
        sh(["ip", "link", "del", self.veth_here], must=False)
        if self.made_run_sshd:
            try:
                os.rmdir("/run/sshd")
            except OSError:
                pass
            self.made_run_sshd = False
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def leftovers(self):
        """What of it is still here, as lines (empty: nothing)."""
        left = []
        if self.ns in sh(["ip", "netns", "list"]).stdout.split():
            left.append("namespace %s still listed by ip netns list" % self.ns)
        links = sh(["ip", "-o", "link"]).stdout
        for v in (self.veth_here, self.veth_there):
            if v in links:
                left.append("veth %s still listed by ip link" % v)
        if self.sshd is not None and self.sshd.poll() is None:
            left.append("sshd (pid %d) still running" % self.sshd.pid)
        if self.tmp and os.path.exists(self.tmp):
            left.append("%s still there" % self.tmp)
        return left
