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
"""
import collections
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

import bench_machine
import bench_proc

CONNECT_TIMEOUT_S = 5
PID_MARK = "syspath-remote-wrk-pid"   # run_wrk's first line there: the pid wrk will have
JSON_MARK = "syspath-remote-machine-json"   # the fingerprint's JSON follows it
STRICT_VALUES = ("yes", "accept-new", "no")
FORM = "ssh://[user@]host[:port]"

Target = collections.namedtuple("Target", "user host port")


class BadURL(ValueError):
    """A --client value that is not ssh://[user@]host[:port]."""


class RemoteError(Exception):
    """Something about the remote host, in one line that names the fix."""


_USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
_HOSTNAME = re.compile(r"^%s(\.%s)*\.?$" % (_LABEL, _LABEL))


def parse_url(text):
    """ssh://[user@]host[:port] -> Target; port None when not given. host is a
    name, an IPv4 address or a bracketed IPv6 one; nothing may follow but '/'."""
    def bad(why):
        raise BadURL("--client %r: %s (wants %s)" % (text, why, FORM))

    if not text.startswith("ssh://"):
        bad("not an ssh:// URL")
    rest = text[len("ssh://"):]
    if rest.endswith("/"):
        rest = rest[:-1]
    if any(c in rest for c in "/?#") or any(c.isspace() for c in rest):
        bad("no path, query or spaces allowed")
    user = None
    if "@" in rest:
        user, _, rest = rest.rpartition("@")
        if not _USER.match(user):
            bad("user %r is not a login name" % user)
    port = None
    if rest.startswith("["):
        host, sep, tail = rest[1:].partition("]")
        if not sep:
            bad("unclosed '['")
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            bad("%r is not an IPv6 address" % host)
        if tail:
            if not tail.startswith(":"):
                bad("unexpected %r after the address" % tail)
            port = tail[1:]
    else:
        host, sep, port = rest.partition(":")
        if not sep:
            port = None
        if not host:
            bad("no host")
        if not _HOSTNAME.match(host):
            bad("%r is not a host name or address" % host)
    if port is not None:
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            bad("port %r is not 1..65535" % port)
        port = int(port)
    return Target(user, host, port)


def _display(t):
    return "%s%s%s" % (t.user + "@" if t.user else "",
                       "[%s]" % t.host if ":" in t.host else t.host,
                       ":%d" % t.port if t.port else "")


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
        return _display(self.target)

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
        rc, so, se = self._ssh(cmd, timeout, on_abort=self._stop_remote, what="wrk",
                               prefix=prefix)
        # what a login script there printed comes before the mark: not wrk's
        rest = so.split(PID_MARK, 1)[-1].partition("\n")[2]
        if rc != 0:
            last = [l for l in (se + rest).strip().splitlines() if l.strip()]
            raise RemoteError("wrk on %s exited %d%s" % (self.target.host, rc,
                                                         ": " + last[-1].strip() if last else ""))
        return rest

    def _stop_remote(self, out):
        """After an interrupted run_wrk: kill the wrk whose pid came first on out."""
        try:
            out.seek(0)
            m = re.search(PID_MARK + r" (\d+)\n", out.read().decode(errors="replace"))
        except (OSError, ValueError):
            return
        if m:
            pid = m.group(1)
            try:
                self._ssh("kill -TERM %s 2>/dev/null; true" % pid, self.connect_timeout + 5)
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
            src = bench_machine.__file__
            with open(src) as f:
                code = ("__file__ = '/nonexistent/syspath/scripts/lib/bench_machine.py'\n"
                        + f.read() + "\n\nimport json as _j, sys as _s\n"
                        "_d = fingerprint(bin_dir=None)\n"
                        "_d['syspath'] = {'commit': None, 'dirty': None}\n"
                        "_s.stdout.write(%r)\n_j.dump(_d, _s.stdout)\n" % (JSON_MARK + "\n"))
            rc, so, se = self._ssh("python3 -", timeout, stdin_text=code,
                                   what="the fingerprint (python3)")
            try:
                # what a login script there printed comes before the mark
                doc = json.loads(so.split(JSON_MARK + "\n", 1)[1]) if rc == 0 else None
            except (ValueError, IndexError):
                doc = None
            if isinstance(doc, dict):
                self.fingerprint_via = "python3"
        if not isinstance(doc, dict):
            rc, so, se = self._ssh("sh -s", timeout, stdin_text=SHELL_FINGERPRINT,
                                   what="the fingerprint (sh)")
            doc = fingerprint_from_shell(so)
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


# ---------------------------------------------------------------------------
# A host without python3: a POSIX shell script prints sections, read here into
# machine.json's fields with bench_machine's own tables and version patterns.

# (software key, shell command, version pattern) as bench_machine.read_software has them
_SOFTWARE = (
    ("glibc", "ldd --version", r"(\d+\.\d+(?:\.\d+)*)"),
    ("gcc", "gcc -dumpfullversion", r"(\d+\.\d+(?:\.\d+)*)"),
    ("clang", "clang --version", r"version (\d+\.\d+(?:\.\d+)*)"),
    ("nasm", "nasm -v", r"version (\d+\.\d+(?:\.\d+)*)"),
    ("wrk", "wrk -v", r"wrk \S*?(\d+\.\d+(?:\.\d+)*)"),
    ("nginx", "nginx -v", r"nginx/(\d+\.\d+(?:\.\d+)*)"),
    ("h2o", "h2o -v", r"h2o version (\d+\.\d+(?:\.\d+)*)"),
    ("lighttpd", "lighttpd -v", r"lighttpd/(\d+\.\d+(?:\.\d+)*)"),
    ("hyperfine", "hyperfine --version", r"(\d+\.\d+(?:\.\d+)*)"),
    ("valgrind", "valgrind --version", r"(\d+\.\d+(?:\.\d+)*)"),
)
_PACKAGES = (("benchmark", "libbenchmark-dev"), ("liburing", "liburing-dev"),
             ("glibc_package", "libc6"))

SHELL_FINGERPRINT = "\n".join([
    "s() { echo \"@@$*\"; }",
    "s cpuinfo; cat /proc/cpuinfo 2>/dev/null",
    "s release; uname -r", "s version; uname -v",
    "for f in /sys/devices/system/cpu/vulnerabilities/*; do",
    "  [ -r \"$f\" ] && { s mitigation \"${f##*/}\"; cat \"$f\"; }; done",
    "s governor; cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor 2>/dev/null",
    "for d in /sys/devices/system/cpu/cpu0/cache/index*; do",
    "  [ -d \"$d\" ] && { s cache; cat \"$d/level\" \"$d/type\" \"$d/size\" 2>/dev/null; }; done",
    "s meminfo; grep '^MemTotal:' /proc/meminfo 2>/dev/null",
    "s virt vm; systemd-detect-virt --vm 2>&1",
    "s virt container; systemd-detect-virt --container 2>&1",
    "s hypervisor; cat /sys/hypervisor/type 2>/dev/null",
    "s dockerenv; [ -e /.dockerenv ] && echo yes",
    "s io_uring_disabled; cat /proc/sys/kernel/io_uring_disabled 2>/dev/null",
] + ["s software %s; %s 2>&1 | head -n 3" % (k, cmd) for k, cmd, _ in _SOFTWARE]
  + ["s package %s; dpkg-query -W -f='${Status} ${Version}' %s 2>/dev/null" % (k, pkg)
     for k, pkg in _PACKAGES]
  + ["true", ""])


def _sections(text):
    """[(header words, body text)] from the script's @@-headed sections."""
    out, head, body = [], None, []
    for line in text.splitlines():
        if line.startswith("@@"):
            if head is not None:
                out.append((head, "\n".join(body).strip()))
            head, body = line[2:].split(), []
        elif head is not None:
            body.append(line)
    if head is not None:
        out.append((head, "\n".join(body).strip()))
    return out


def fingerprint_from_shell(text, timestamp=None):
    """machine.json's fields from SHELL_FINGERPRINT's output."""
    bm = bench_machine
    one, mitigations, caches = {}, {}, []
    software, packages, virt = {}, {}, {}
    for head, body in _sections(text):
        if head[0] == "mitigation" and len(head) > 1:
            mitigations[head[1]] = body
        elif head[0] == "cache":
            caches.append(body.split("\n"))
        elif head[0] == "software" and len(head) > 1:
            software[head[1]] = body
        elif head[0] == "package" and len(head) > 1:
            packages[head[1]] = body
        elif head[0] == "virt" and len(head) > 1:
            virt[head[1]] = body
        else:
            one[head[0]] = body

    with tempfile.NamedTemporaryFile("w", suffix=".cpuinfo") as f:
        f.write(one.get("cpuinfo", ""))
        f.flush()
        cpus = bm.read_cpuinfo(f.name)
    first = cpus[0] if cpus else {}
    flags = set(first.get("flags", "").split())
    vendor_id = first.get("vendor_id", "")
    vendor = {"GenuineIntel": "intel", "AuthenticAMD": "amd", "HygonGenuine": "hygon",
              "CentaurHauls": "centaur"}.get(vendor_id, vendor_id.lower() or "unknown")
    family, model = bm._int(first.get("cpu family")), bm._int(first.get("model"))
    stepping = bm._int(first.get("stepping"))
    arch, source = bm.microarch(vendor, family, model, stepping, flags)
    cores = {(c.get("physical id"), c.get("core id")) for c in cpus
             if c.get("core id") is not None}
    threads = len(cpus) or 1
    cache = {"l1d": None, "l1i": None, "l2": None, "l3": None,
             "source": "sysfs" if caches else None}
    for c in caches:
        if len(c) < 3:
            continue
        level, kind, size = c[0].strip(), c[1].strip(), bm._size_bytes(c[2])
        if level == "1" and kind == "Data":
            cache["l1d"] = size
        elif level == "1" and kind == "Instruction":
            cache["l1i"] = size
        elif level in ("2", "3"):
            cache["l" + level] = size
    cpu = {
        "model_name": first.get("model name") or "unknown",
        "vendor": vendor, "vendor_id": vendor_id or None,
        "family": family, "model": model, "stepping": stepping,
        "microarch": arch, "microarch_source": source,
        "flags": {f: f in flags for f in bm.CONTRACT_FLAGS},
        "other_flags": {f: f in flags for f in bm.EXTRA_FLAGS},
        "cores": len(cores) or threads, "threads": threads, "caches": cache,
    }

    detail = {"vm": None, "container": None}
    for kind in ("vm", "container"):
        out = virt.get(kind, "")
        if out and out.split()[0] != "none" and "not found" not in out:
            detail[kind] = out.split()[0]
    if detail["vm"] is None and "hypervisor" in flags:
        detail["vm"] = one.get("hypervisor") or "hypervisor"
    if detail["container"] is None and one.get("dockerenv") == "yes":
        detail["container"] = "docker"
    parts = [v for v in (detail["vm"], detail["container"]) if v]

    knob = bm._int(one.get("io_uring_disabled"))
    if knob == 2:
        uring, why = "disabled", "kernel.io_uring_disabled=2"
    elif knob == 1:
        uring, why = "restricted", "kernel.io_uring_disabled=1 (not probed: no python3 there)"
    else:
        uring, why = "enabled", "not probed: no python3 there" + (
            "" if knob is not None else " (kernel has no io_uring_disabled knob)")

    sw = {}
    for key, _cmd, pattern in _SOFTWARE:
        out = software.get(key, "")
        sw[key] = None if "not found" in out else bm._version(out, pattern)
    for key, _pkg in _PACKAGES:
        out = packages.get(key, "")
        sw[key] = out.split()[-1] if out.startswith("install ok installed ") else None
    sw["python"] = None

    m = re.search(r"^MemTotal:\s+(\d+) kB", one.get("meminfo", ""), re.M)
    release = one.get("release") or None
    ts = timestamp or bm.utc_now()
    return {
        "schema": 1,
        "slug": bm.slug_of(cpu, release),
        "timestamp_utc": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu": cpu,
        "kernel": {"release": release, "version": one.get("version") or None},
        "mitigations": mitigations,
        "governor": one.get("governor") or None,
        "virtualization": "+".join(parts) if parts else None,
        "virtualization_detail": detail,
        "memory_bytes": int(m.group(1)) * 1024 if m else None,
        "io_uring": uring,
        "io_uring_detail": why,
        "software": sw,
        "syspath": {"commit": None, "dirty": None},
    }


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
