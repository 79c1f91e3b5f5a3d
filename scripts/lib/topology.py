"""scripts/lib/topology.py — where a load run's server and wrk sit on the network.

On loopback the kernel's receive work for a packet runs on the CPU that sent
it (loopback_xmit -> netif_rx -> the sender's softirq), so a server's core
would carry the client's receive work and miss its own. Two topologies:

  two-netns (the default): the server in a network namespace of its own, wrk
      in another, joined by a veth pair addressed from 198.18.0.0/15 (RFC
      2544's range for benchmarking): server 198.18.0.1, client 198.18.0.2,
      a /30 and no other route, so nothing leaves the two namespaces. RPS
      (/sys/class/net/<veth>/queues/rx-0/rps_cpus) sends each veth's receive
      work to its own side's CPU, as a NIC's queue would.
  loopback: the server in a network namespace of its own with its lo up,
      its clients joining it (nsenter), 127.0.0.1: receive work lands on the
      sender's CPU.
  remote: set by `scripts/bench --client ssh://...` (never chosen with
      --topology): wrk runs on that machine (remote.py), every server in this
      machine's own network namespace, bound to the address of this machine
      that the client reaches, still pinned to the server CPU. No namespace is
      made; the client's core is on the other machine, so its figures here
      are null (unknown), never guessed.

A Pair is made fresh for every run (no TIME_WAIT or timer of one row runs in
another's window; --quick shares one for all its runs: servers.share_pairs) and lives in two holder processes (`sleep infinity`, each
unshared into its own namespace by bench_proc.spawn): the namespaces, and
the veth with them, go when the holders go. Cleanup is guaranteed four ways:
Pair.down() in the caller's finally; an atexit hook over every live pair;
SIGTERM/SIGHUP turned into an exit when nobody else handles them; and
PR_SET_PDEATHSIG on every holder, so even a SIGKILL of the driver frees them.
No named namespace (/run/netns) is made, so nothing can outlive the holders.

syspath-asm-server binds 127.0.0.1 only (the tutorial's server): in two-netns
its client reaches 127.0.0.1 over the veth (a /32 route through the server's
address, route_localnet on both ends), every other server binds 198.18.0.1.
"""
import atexit
import os
import shutil
import signal
import subprocess

import bench_proc

TOPOLOGIES = {
    "two-netns": "server and wrk in two network namespaces joined by a veth pair "
                 "(198.18.0.1 and 198.18.0.2, no route out), RPS steering each side's "
                 "receive work to its own CPU",
    "loopback": "server in a network namespace of its own (lo), wrk joining it, "
                "127.0.0.1: receive work runs on the sending CPU",
    "remote": "wrk on another machine (--client ssh://...), the server in this machine's "
              "namespace bound to the address that machine reaches it at, pinned to its CPU: "
              "the client's core figures are unknown (null)",
}
# the ones --topology chooses from (remote comes with --client), for --help
HELP = {"two-netns": "two namespaces, a veth pair, RPS: each side's work on its own CPU",
        "loopback": "one namespace, 127.0.0.1: receive work on the sending CPU"}
DEFAULT = "two-netns"
SERVER_ADDR, CLIENT_ADDR, PREFIX_LEN = "198.18.0.1", "198.18.0.2", 30
SERVER_IF, CLIENT_IF = "sp-srv", "sp-cli"
SETUP_S = 0.3           # making and removing a pair, about (for the time estimate)

_live = []              # pairs up: atexit and the signal handler take them down


class Unavailable(Exception):
    """The kernel or user cannot make the topology: one line saying why."""


def _cpu_mask(cpus):
    """'0,2' -> '5': an rps_cpus hex mask."""
    mask = 0
    for c in str(cpus).split(","):
        mask |= 1 << int(c)
    return "%x" % mask


def _side_script(ifname, addr, rps, first):
    """The shell lines that address one veth end, bring it up and set its RPS
    mask, run in that side's namespace (sysfs is mounted there, in a mount
    namespace of the setup's own, to show that namespace's devices). first: ip
    commands before the rest. No single quote in them: the client's lines
    run inside sh -c '...'."""
    ip = first + ["addr add %s/%d dev %s" % (addr, PREFIX_LEN, ifname)]
    lines = [
        'printf "%s" | ip -batch -' % "".join("%s\\n" % c for c in ip),
        # no IPv6 on the veth (no router solicitation or DAD in a window), and
        # 127.0.0.1 may cross it (syspath-asm-server's address)
        "echo 1 > /proc/sys/net/ipv6/conf/%s/disable_ipv6 2>/dev/null || true" % ifname,
        "echo 1 > /proc/sys/net/ipv4/conf/%s/route_localnet" % ifname,
        "ip link set %s up" % ifname,
    ]
    if rps is not None:
        q = "/sys/class/net/%s/queues/rx-0/rps_cpus" % ifname
        lines += ["mount -t sysfs sysfs /sys", "echo %s > %s" % (rps, q),
                  # read back: a kernel without RPS takes the write and keeps 0
                  "read -r m < %s" % q, "test $((0x${m##*,})) -eq $((0x%s))" % rps]
    return lines


def _run_in(pid, script, what):
    argv = bench_proc.join_netns(pid) + ["unshare", "-m", "sh", "-ec", script]
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Unavailable("%s: %s" % (what, e))
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
        raise Unavailable("%s: %s" % (what, last))


class Pair:
    """Two network namespaces joined by a veth pair (see the module doc).
    server_prefix: the argv prefix that starts a command in the server's
    namespace; client_prefix: the same for the client's."""

    def __init__(self, server_cpus, client_cpus):
        self.server_cpus, self.client_cpus = server_cpus, client_cpus
        self.holders = []

    def up(self):
        """Make both namespaces and the veth; raises Unavailable (and leaves
        nothing behind) when it cannot."""
        _live.append(self)
        _trap_signals()
        try:
            for _side in ("server", "client"):
                self.holders.append(bench_proc.spawn(["sleep", "infinity"], own_netns=True,
                                                     stdout=subprocess.DEVNULL,
                                                     stderr=subprocess.DEVNULL))
        except (OSError, subprocess.SubprocessError) as e:
            self.down()
            raise Unavailable("cannot make a network namespace (%s)" % (
                getattr(e, "strerror", None) or e))
        s, c = (h.pid for h in self.holders)
        pinned = self.server_cpus is not None and self.client_cpus is not None
        try:
            # one shell, in the server's namespace: the veth with its client
            # end in the client's namespace, then (nsenter) that end; the
            # client has no loopback: 127.0.0.1 is routed to the server
            # (syspath-asm-server's address), never answered there
            server = _side_script(SERVER_IF, SERVER_ADDR,
                                  _cpu_mask(self.server_cpus) if pinned else None,
                                  ["link add %s type veth peer name %s netns %d"
                                   % (SERVER_IF, CLIENT_IF, c)])
            client = _side_script(CLIENT_IF, CLIENT_ADDR,
                                  _cpu_mask(self.client_cpus) if pinned else None,
                                  ["link set lo down", "addr flush dev lo"])
            client.append("ip route add 127.0.0.1/32 via %s dev %s" % (SERVER_ADDR, CLIENT_IF))
            _run_in(s, "\n".join(server + [
                " ".join(bench_proc.join_netns(c)) + " sh -ec '%s'" % "\n".join(client)]),
                "cannot make the veth pair")
        except Unavailable:
            self.down()
            raise
        return self

    @property
    def server_prefix(self):
        return bench_proc.join_netns(self.holders[0].pid)

    @property
    def client_prefix(self):
        return bench_proc.join_netns(self.holders[1].pid)

    def down(self):
        """Stop the holders: the namespaces and the veth go with them. Safe to
        call twice."""
        for h in self.holders:
            bench_proc.stop(h, signal.SIGKILL, grace=5.0)
        self.holders = []
        if self in _live:
            _live.remove(self)


def down_all():
    for pair in list(_live):
        pair.down()


atexit.register(down_all)


def _trap_signals():
    """SIGTERM and SIGHUP, where nobody handles them, become an exit (so
    finally blocks and atexit run) instead of a silent death."""
    def handler(signum, frame):
        down_all()
        raise SystemExit(128 + signum)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) == signal.SIG_DFL:
            signal.signal(sig, handler)


def probe(name):
    """None when topology `name` can be made here, else one line saying why
    (the fix included). remote is made by --client alone (its check is
    RemoteClient.check), never here."""
    if name == "remote":
        return ("topology remote needs a client on another machine: pass "
                "--client ssh://[user@]host[:port]")
    if name == "loopback":
        return None
    if os.geteuid() != 0:
        return ("--topology %s needs root (network namespaces and a veth pair); "
                "run as root or pass --topology loopback" % name)
    missing = [t for t in ("ip", "nsenter", "unshare", "sleep", "sh", "mount")
               if not shutil.which(t)]
    if missing:
        return ("--topology %s needs %s (Debian: iproute2, util-linux); or pass "
                "--topology loopback" % (name, ", ".join(missing)))
    pair = Pair("0", "0")
    try:
        pair.up()
    except Unavailable as e:
        return "--topology %s: %s; pass --topology loopback" % (name, e)
    finally:
        pair.down()
    return None
