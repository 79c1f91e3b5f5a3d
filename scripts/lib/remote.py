"""scripts/lib/remote.py — wrk on another machine: scripts/bench --client ssh://[user@]host[:port].

A load client on a second machine puts the client's work (its CPU, its
kernel's receive path for the server's packets) where a real client's is, off
the server's machine. This module is everything scripts/bench needs from that
machine, over the user's own ssh:

  parse_url(text)        -> Target(user, host, port); a malformed URL raises BadURL
  RemoteClient(url)      .check()        ssh here, the host reachable without a
                                         password prompt, wrk there: RemoteError
                                         names the fix, in one line
                         .address        the address of THIS machine that the
                                         host reaches (the server binds it)
                         .url_for(port)  http://ADDRESS:PORT/, wrk's only target
                         .run(argv, timeout)  stdout of argv run there
                         .run_wrk(args)  wrk's stdout (the caller parses it)
                         .fingerprint()  the host's machine.json (cached)
                         .record()       run.json's client: {url, address, machine}

Load goes to one place only: run_wrk refuses any target but url_for(port),
an address check() has proved to be this machine's own. ssh runs with
BatchMode=yes (never a prompt), ConnectTimeout, ServerAliveInterval and the
user's ssh configuration; SYSPATH_SSH_CONFIG=FILE passes `-F FILE` instead,
SYSPATH_SSH_STRICT=yes|accept-new|no sets StrictHostKeyChecking (default:
whatever the ssh configuration says, which with BatchMode refuses an unknown
host key).

The fingerprint is bench_machine.py itself, sent over ssh to `python3 -`
there; a host without python3 gets a POSIX shell script instead, whose output
is read into the same machine.json fields here (io_uring is then the sysctl's
word, not a probe). Either way syspath{} holds nulls: syspath does not run there.
What is sent and how the answer is read is remote_fingerprint.py's; the URL's
form is remote_url.py's (BadURL and parse_url are imported from it here).
"""
import ipaddress
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile

import bench_proc
import remote_fingerprint
# BadURL and parse_url are remote's too: bench_run catches remote.BadURL
from remote_url import FORM, BadURL, display, parse_url  # noqa: F401

CONNECT_TIMEOUT_S = 5
PID_MARK = "syspath-remote-wrk-pid"   # run_wrk's first line there: the pid wrk will have
STRICT_VALUES = ("yes", "accept-new", "no")


class RemoteError(Exception):
    """Something about the remote host, in one line that names the fix."""


def _own_address(addr):
    """Whether addr is an address of this machine (a socket can bind it)."""
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    fam = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    try:
        with socket.socket(fam, socket.SOCK_STREAM) as s:
            s.bind((addr, 0))
        return True
    except OSError:
        return False


# What ssh says when it cannot get in, and what the user can do about it.
_SSH_FAILURES = (
    ("Could not resolve hostname", "cannot resolve {host}: check the name in --client"),
    ("Connection timed out", "{host}:{port} does not answer (timed out after {timeout} s): "
                             "check the address, and that sshd runs there"),
    ("No route to host", "{host}:{port} is unreachable (no route to host): check the address"),
    ("Network is unreachable", "{host}:{port} is unreachable (network is unreachable): "
                               "check the address"),
    ("Connection refused", "{host}:{port} refused the connection: is sshd running there, "
                           "on that port?"),
    ("Host key verification failed", "the host key of {host} is not known here (or changed): "
                                     "ssh {login} once by hand to accept it, or set "
                                     "SYSPATH_SSH_STRICT=accept-new"),
    ("Permission denied", "{login} refused the login without a password (BatchMode): "
                          "put your key there (ssh-copy-id {login}) or load it in ssh-agent"),
)


class RemoteClient:
    def __init__(self, url, ssh_config=None, strict=None, connect_timeout=CONNECT_TIMEOUT_S):
        """url: ssh://[user@]host[:port] (BadURL if not); ssh_config: a file for
        ssh -F; strict: StrictHostKeyChecking (yes, accept-new, no; None: ssh's
        configuration decides)."""
        self.url = url
        self.target = parse_url(url)
        if strict is not None and strict not in STRICT_VALUES:
            raise BadURL("StrictHostKeyChecking %r: wants one of %s"
                         % (strict, ", ".join(STRICT_VALUES)))
        self.ssh_config = ssh_config
        self.strict = strict
        self.connect_timeout = connect_timeout
        self.address = None        # set by check()
        self.has_python = None     # set by check()
        self._fingerprint = None
        self.fingerprint_via = None

    @classmethod
    def from_env(cls, url):
        """As scripts/bench makes it: SYSPATH_SSH_CONFIG and SYSPATH_SSH_STRICT."""
        cfg = os.environ.get("SYSPATH_SSH_CONFIG") or None
        if cfg and not os.path.isfile(cfg):
            raise BadURL("SYSPATH_SSH_CONFIG=%s: no such file" % cfg)
        strict = os.environ.get("SYSPATH_SSH_STRICT") or None
        if strict is not None and strict not in STRICT_VALUES:
            raise BadURL("SYSPATH_SSH_STRICT=%s: wants one of %s"
                         % (strict, ", ".join(STRICT_VALUES)))
        return cls(url, ssh_config=cfg, strict=strict)

    def __str__(self):
        return display(self.target)

    # -- ssh ----------------------------------------------------------------

    def ssh_argv(self, command):
        """The local argv that runs the shell command string `command` there."""
        t = self.target
        argv = ["ssh"]
        if self.ssh_config:
            argv += ["-F", self.ssh_config]
        argv += ["-T", "-x", "-a",
                 "-o", "BatchMode=yes",
                 "-o", "ConnectTimeout=%d" % self.connect_timeout,
                 "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3",
                 "-o", "LogLevel=ERROR"]
        if self.strict:
            argv += ["-o", "StrictHostKeyChecking=%s" % self.strict]
        if t.user:
            argv += ["-l", t.user]
        if t.port:
            argv += ["-p", str(t.port)]
        return argv + [t.host, command]

    def _why(self, stderr):
        t = self.target
        login = "%s%s" % (t.user + "@" if t.user else "", t.host) + (
            " -p %d" % t.port if t.port else "")
        for needle, fix in _SSH_FAILURES:
            if needle in stderr:
                return fix.format(host=t.host, port=t.port or 22, login=login,
                                  timeout=self.connect_timeout)
        last = [l for l in stderr.strip().splitlines() if l.strip()]
        return "ssh %s failed: %s" % (self, last[-1].strip() if last else "no message")

    def _ssh(self, command, timeout, stdin_text=None, on_abort=None, what=None, prefix=()):
        """(returncode, stdout, stderr) of `command` run there; ssh's own
        failures (exit 255) and a timeout raise RemoteError (what: the command's
        name in it). on_abort(stdout so far, a file) runs when the wait ends in
        an exception (timeout, Ctrl-C), after the local ssh is killed. prefix:
        the local argv before ssh (taskset: keep it off the server's CPU)."""
        if not shutil.which("ssh"):
            raise RemoteError("ssh is not installed here: apt-get install openssh-client")
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            p = bench_proc.spawn(list(prefix) + self.ssh_argv(command), stdout=out, stderr=err,
                                 stdin=subprocess.PIPE if stdin_text is not None
                                 else subprocess.DEVNULL)
            try:
                if stdin_text is not None:
                    try:
                        p.stdin.write(stdin_text.encode())
                        p.stdin.close()
                    except BrokenPipeError:
                        pass
                try:
                    rc = p.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    raise RemoteError("%s: %s did not finish within %g s"
                                      % (self, what or command.split()[0], timeout)) from None
            except BaseException:
                p.kill()
                p.wait()
                if on_abort:
                    on_abort(out)
                raise
            finally:
                if p.poll() is None:
                    p.kill()
                    p.wait()
                bench_proc.forget(p)
            out.seek(0)
            err.seek(0)
            so = out.read().decode(errors="replace")
            se = err.read().decode(errors="replace")
        if rc == 255:
            raise RemoteError(self._why(se))
        return rc, so, se

    def run(self, argv, timeout=60):
        """stdout of argv (a list: each word quoted for the remote shell) run
        there; a non-zero exit raises RemoteError with its last stderr line."""
        cmd = " ".join(shlex.quote(a) for a in argv)
        rc, so, se = self._ssh(cmd, timeout, what=argv[0])
        if rc != 0:
            last = [l for l in se.strip().splitlines() if l.strip()]
            raise RemoteError("%s: %s exited %d%s" % (self, argv[0], rc,
                                                    ": " + last[-1].strip() if last else ""))
        return so

    # -- the checks ---------------------------------------------------------

    PROBE = ('echo "syspath-remote connection $SSH_CONNECTION"; '
             'command -v wrk >/dev/null 2>&1 && echo "syspath-remote wrk yes"; '
             'command -v python3 >/dev/null 2>&1 && echo "syspath-remote python3 yes"; '
             'true')

    def check(self):
        """One ssh round trip: ssh here, the host reachable and letting us in
        without a prompt, wrk there, and the address it reaches us at, which
        must be this machine's own (not a NAT's or a jump host's). Sets
        address and has_python; raises RemoteError naming the fix."""
        _rc, so, _se = self._ssh(self.PROBE, self.connect_timeout + 15, what="the check")
        facts = {}
        for line in so.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] == "syspath-remote":
                facts[words[1]] = words[2:]
        conn = facts.get("connection") or []
        if len(conn) != 4:
            raise RemoteError("%s did not say how it is reached (no SSH_CONNECTION from its "
                              "shell): check the login shell there" % self)
        # SSH_CONNECTION is "client_ip client_port server_ip server_port" as the
        # host sees it: the client is us, so the first field is our address
        addr = conn[0]
        if addr.startswith("::ffff:") and "." in addr:
            addr = addr[len("::ffff:"):]
        if not _own_address(addr):
            raise RemoteError("%s reaches this machine as %s, which is not an address of this "
                              "machine (NAT or a jump host in between): run the bench where "
                              "the client reaches the server directly" % (self, addr))
        if "wrk" not in facts:
            raise RemoteError("wrk is not installed on %s: apt-get install wrk there"
                              % self.target.host)
        self.address = addr
        self.has_python = "python3" in facts
        return True

    def url_for(self, port):
        """wrk's target: the server at this machine's address that the host reaches."""
        if self.address is None:
            raise RemoteError("RemoteClient.check() has not run: no address to bind")
        host = "[%s]" % self.address if ":" in self.address else self.address
        return "http://%s:%d/" % (host, port)

    # -- wrk ----------------------------------------------------------------

    def run_wrk(self, args, timeout=None, prefix=()):
        """wrk's stdout, wrk run there with args (the options and the URL).
        The URL must be url_for(some port): the load goes to this machine and
        nowhere else. timeout: default -d's seconds + 15. A stopped run (Ctrl-C,
        timeout) also stops wrk there. prefix: the local argv before ssh
        (scripts/bench pins it to the client CPU, off the server's)."""
        urls = [a for a in args if "://" in a]
        want = self.url_for(0)[:-len("0/")]
        if len(urls) != 1 or not re.fullmatch(re.escape(want) + r"\d{1,5}/\S*", urls[0]):
            raise ValueError("run_wrk: the target must be %sPORT/, got %r" % (want, urls))
        if timeout is None:
            timeout = _duration_s(args) + 15
        # the remote shell's pid becomes wrk's (exec): said first, kept to stop it
        cmd = "echo %s $$; exec wrk %s" % (PID_MARK, " ".join(shlex.quote(a) for a in args))
        rc, so, se = self._ssh(cmd, timeout, on_abort=lambda out: self._stop_remote(out, args),
                               what="wrk", prefix=prefix)
        # what a login script there printed comes before the mark: not wrk's
        rest = so.split(PID_MARK, 1)[-1].partition("\n")[2]
        if rc != 0:
            last = [l for l in (se + rest).strip().splitlines() if l.strip()]
            raise RemoteError("wrk on %s exited %d%s" % (self.target.host, rc,
                                                         ": " + last[-1].strip() if last else ""))
        return rest

    def _stop_remote(self, out, args):
        """After an interrupted run_wrk: kill the wrk whose pid came first on out; when the
        local ssh was killed before that line reached it (a busy machine), the wrk there
        whose whole command line is this run's (its port makes it this run's own)."""
        try:
            out.seek(0)
            m = re.search(PID_MARK + r" (\d+)\n", out.read().decode(errors="replace"))
        except (OSError, ValueError):
            m = None
        line = "^" + re.escape(" ".join(["wrk"] + list(args))) + "$"
        cmd = ("kill -TERM %s 2>/dev/null; true" % m.group(1) if m else
               "pkill -TERM -f %s 2>/dev/null; true" % shlex.quote(line))
        try:
            self._ssh(cmd, self.connect_timeout + 5)
        except (RemoteError, bench_proc.Interrupted):
            pass

    # -- the fingerprint ----------------------------------------------------

    def fingerprint(self, timeout=90):
        """The host's machine.json as a dict (fetched once). Through python3
        there when it has one, else through the shell script."""
        if self._fingerprint is not None:
            return self._fingerprint
        if self.has_python is None:
            self.check()
        doc = None
        if self.has_python:
            rc, so, _se = self._ssh("python3 -", timeout,
                                    stdin_text=remote_fingerprint.python_program(),
                                    what="the fingerprint (python3)")
            doc = remote_fingerprint.from_python(rc, so)
            if doc is not None:
                self.fingerprint_via = "python3"
        if doc is None:
            _rc, so, _se = self._ssh("sh -s", timeout,
                                     stdin_text=remote_fingerprint.SHELL_FINGERPRINT,
                                     what="the fingerprint (sh)")
            doc = remote_fingerprint.fingerprint_from_shell(so)
            self.fingerprint_via = "shell"
        self._fingerprint = doc
        return doc

    def record(self):
        """run.json's client entry: {url, address, machine, machine_via}."""
        return {"url": self.url, "address": self.address,
                "machine": self._fingerprint, "machine_via": self.fingerprint_via}


def _duration_s(args):
    """wrk's -d/--duration in seconds (its default 10 when absent)."""
    for i, a in enumerate(args):
        val = None
        if a in ("-d", "--duration") and i + 1 < len(args):
            val = args[i + 1]
        elif a.startswith("-d") and len(a) > 2:
            val = a[2:]
        elif a.startswith("--duration="):
            val = a.split("=", 1)[1]
        if val:
            m = re.fullmatch(r"(\d+(?:\.\d+)?)([smh]?)", val)
            if m:
                return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]
    return 10.0


if __name__ == "__main__":
    # python3 scripts/lib/remote.py ssh://host : check it and print its fingerprint
    import sys
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        sys.stderr.write("usage: python3 scripts/lib/remote.py %s\n" % FORM)
        sys.exit(2)
    try:
        c = RemoteClient.from_env(sys.argv[1])
        c.check()
        doc = c.fingerprint()
    except (BadURL, RemoteError) as e:
        sys.stderr.write("remote: %s\n" % e)
        sys.exit(2)
    print(json.dumps({"address": c.address, "via": c.fingerprint_via, "machine": doc}, indent=1))
