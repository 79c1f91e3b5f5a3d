#!/usr/bin/python3
"""A load-bench peer that is not installed, or that cannot start.

  - bench_load.plan_rows with no nginx, h2o or lighttpd on PATH: no peer row,
    and one skipped entry per peer naming its Debian package (both modes);
  - with all three present: nginx and h2o and lighttpd rows in both modes,
    nginx-deferred in accept only;
  - a peer whose start failed in every round: its row is flagged, and its
    note carries the one-line reason.
Runs anywhere: nothing is started."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runcheck import src, want  # noqa: E402

sys.path.insert(0, os.path.join(src(), "scripts", "lib"))
import bench_load  # noqa: E402
import peers  # noqa: E402

PEER_PACKAGES = {"nginx": "nginx-light", "h2o": "h2o", "lighttpd": "lighttpd"}
real_which = bench_load.shutil.which
nowhere = os.path.join(os.sep, "nonexistent-bin")     # no syspath rows either

for mode in ("accept", "keepalive"):
    bench_load.shutil.which = lambda name: None if name in PEER_PACKAGES else real_which(name)
    try:
        rows, skipped = bench_load.plan_rows(mode, nowhere, 1)
    finally:
        bench_load.shutil.which = real_which
    names = [r.name for r in rows]
    want(not any(n in names for n in ("nginx", "nginx-deferred", "h2o", "lighttpd")),
         "%s: peers planned although not installed: %r" % (mode, names))
    why = {s["name"]: s["why"] for s in skipped}
    for peer, package in PEER_PACKAGES.items():
        want(peer in why, "%s: missing %s not noted as skipped: %r" % (mode, peer, skipped))
        want(why[peer].endswith("(Debian: %s)" % package),
             "%s: the note for a missing %s %r does not name its package %s"
             % (mode, peer, why[peer], package))

    bench_load.shutil.which = lambda name: "/usr/sbin/" + name if name in PEER_PACKAGES \
        else real_which(name)
    try:
        rows, skipped = bench_load.plan_rows(mode, nowhere, 1)
    finally:
        bench_load.shutil.which = real_which
    names = [r.name for r in rows]
    expect = ["nginx", "nginx-deferred", "h2o", "lighttpd"] if mode == "accept" else \
        ["nginx", "h2o", "lighttpd"]
    want([n for n in names if n in expect + ["nginx-deferred"]] == expect,
         "%s: peer rows %r, expected %r" % (mode, names, expect))
    want(not any(s["name"] in PEER_PACKAGES for s in skipped),
         "%s: an installed peer noted as skipped: %r" % (mode, skipped))
    for r in rows:
        if r.name in ("h2o", "lighttpd"):
            want(r.server == r.name and r.note, "%s: row %s server %r note %r"
                 % (mode, r.name, r.server, r.note))

row = bench_load.Row("h2o", "h2o", note=peers.PEERS["h2o"]["note"])
reason = "h2o did not start: could not open configuration file /tmp/x/h2o.conf"
row.runs = [{"failed": reason}, {"failed": reason}]
j = bench_load.row_json(row, "accept")
want(j["flagged"], "a peer that never started is not flagged: %r" % j)
want(j["failed_rounds"] == 2, "failed_rounds %r, expected 2" % j["failed_rounds"])
want(reason in (j["note"] or ""), "the row's note %r does not carry the reason %r"
     % (j["note"], reason))
print("missing peers skipped with their package named; a failed start flags its row")
