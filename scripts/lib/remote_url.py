"""scripts/lib/remote_url.py — the --client value: ssh://[user@]host[:port].

  parse_url(text)  -> Target(user, host, port); a malformed URL raises BadURL
  display(target)  -> [user@]host[:port] as messages name the host

remote.py's RemoteClient is made from one; nothing here opens a connection.
"""
import collections
import ipaddress
import re

FORM = "ssh://[user@]host[:port]"

Target = collections.namedtuple("Target", "user host port")


class BadURL(ValueError):
    """A --client value that is not ssh://[user@]host[:port]."""


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



def display(t):
    return "%s%s%s" % (t.user + "@" if t.user else "",
                       "[%s]" % t.host if ":" in t.host else t.host,
                       ":%d" % t.port if t.port else "")
