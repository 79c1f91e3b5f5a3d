"""scripts/lib/bench_options.py — every scripts/bench option, the parts a run is made of, and --help.

  PARTS            {part: (what it measures, the file it writes)}, in the order they run
  parse_args(argv) the options, checked once, here: a bad one is one line on stderr and
                   exit 2 (--client's host is checked too: reachable, wrk there)
  plan_line(args)  what scripts/bench needs before it hands over (--plan)
  usage()          --help's text

bench_run.py runs what the options ask for; nothing here measures anything.
"""
import argparse
import os
import sys

import adaptive
import bench_machine
import core_profile
import remote
import topology

ROOT = bench_machine.ROOT
# The parts a run is made of, in the order they run: what each measures, and where.
PARTS = {
    "helpers": ("bench-helpers: memset/strlen/memcpy/htons variants vs glibc", "microbench.json"),
    "syscalls": ("bench-syscalls: asm vs raw vs libc syscall paths, vDSO, io_uring", "microbench.json"),
    "counts": ("scripts/count: instructions per call under callgrind", "counts.json"),
    "accept": ("every server row under wrk -H 'Connection: close' (conn/s)", "accept.json"),
    "keepalive": ("every server row under plain wrk, keep-alive (req/s)", "keepalive.json"),
    "hyperfine": ("hello-world processes and N-connection server runs", "hyperfine-*.json"),
}
MAX_DURATION_S = 600
MAX_ROUNDS = adaptive.MOST_ROUNDS
MAX_RUNS = 20
MAX_MINUTES = 24 * 60

USAGE = """usage: scripts/bench [options]

Measures what each syscall path costs, on this machine, into one run folder:
%(parts)s
plus machine.json, run.json, summary.md, and (when present) scripts/plot and
scripts/report's plots and report.md. Server rows: every backend x model that
`syspath-server --list` reports available, syspath-asm-server (accept only),
and the peers nginx (also with deferred accept), h2o and lighttpd, one worker
each; server on one CPU, wrk on another (taskset), each in a network namespace
of its own joined by a veth pair (see --topology). The headline is the server
core's busy time per connection or request (/proc/stat of the server's CPU).

  --quick            fewer rounds and shorter runs (about 1.5 minutes; counts left out)
  --only PART        run only PART (repeatable, or comma-separated):
                     %(names)s
  --out DIR          run folder (default: results/<machine-slug>/<UTC timestamp>/);
                     an existing one is added to: the files of the parts run are replaced
  --duration S       seconds per wrk run (whole number, at most %(max_d)d; default: fits the
                     10-minute budget, 1..5; --quick: 1)
  --rounds N         counted rounds per server row (default 5, at most %(max_r)d; --quick: 1);
                     each run first warms up the same server process, outside its window
  --adaptive         accept/keepalive: after the configured rounds, add whole rounds (every row
                     once, interleaved) until every declared comparison of the part (each
                     model's libc row against the peers, rates against nginx, asm and raw
                     ÷ libc) is decided, equivalent or different, at a stricter α per look
                     (5 looks: α/5 each, so repeated looks do not inflate the error); the
                     looks come at the configured rounds, then about 1.5x more each time;
                     the part's JSON and summary.md say the rounds taken and why it stopped
                     ("all decided", "time cap", "max rounds")
  --max-minutes M    --adaptive's time cap, in minutes (fractions allowed): no batch of rounds
                     is started that would end the run, with every step still planned, after
                     M minutes from its start (default %(cap)g)
  --runs N           N run folders in one go, one after the other, each a full independent
                     run (with --out DIR: DIR-r1 .. DIR-rN); the last N lines on stdout are
                     their paths. Runs as replicates: drift between runs shows between them
  --rows NAME[,NAME] accept/keepalive: only these server rows (repeatable), named as in
                     accept.json: raw/epoll, libc/iterative, asm-server, nginx, h2o, ...;
                     e.g. a quick regression check of one server against its controls
  --no-syscall-count accept/keepalive: leave out round 1's warm-up under strace -c, which
                     counts each row's syscalls (about 0.5 s a row; the counters then have
                     no syscalls per connection); --quick leaves it out too
  --profile          accept/keepalive: in round 1 of each row, a %(prof_s)d s wrk burst (outside the
                     window) under perf record of the server's CPU, sorted by call chain into
                     what the core's time went to: packet work, the IPIs that hand packets
                     to the client's CPU, interrupt entry from idle (the wake-up) and into a
                     task, syscalls, the server's code (server_core_profile in the part's
                     JSON, a table in summary.md; about 3.5 s a row; needs perf: linux-perf)
  --topology T       accept/keepalive: where server and wrk sit (default %(topo)s):
%(topos)s
  --client ssh://[user@]host[:port]
                     accept/keepalive: wrk runs on that machine over ssh (BatchMode: a key,
                     no password prompt; it needs wrk there), the servers bind the address
                     of this machine that it reaches (topology remote: not with --topology;
                     the client's core figures are then null), and run.json records its
                     machine.json;
                     checked before anything is built: unreachable, no wrk -> one line, exit 2.
                     SYSPATH_SSH_CONFIG=FILE: ssh -F FILE; SYSPATH_SSH_STRICT=yes|accept-new|no:
                     its StrictHostKeyChecking (default: the ssh configuration's)
  --build-dir DIR    build (and use) DIR (default: build/)
  --no-build         use the binaries already in --build-dir; install nothing
  -h, --help         this text

Progress goes to stderr, one line per step with the time left; the last line
on stdout is the run folder's path. Ctrl-C stops every server and client it
started and keeps the rounds already finished.

Examples:
  scripts/bench                         # the full run, under 10 minutes on 2 cores
  scripts/bench --quick --only accept   # a minute's smoke run of the accept rows
  scripts/compare results/A/... results/B/...   # then compare two run folders
"""


def usage():
    parts = "\n".join("  %-10s %-66s %s" % (name, what, out) for name, (what, out) in PARTS.items())
    topos = "\n".join("                       %-10s %s" % (name, what)
                      for name, what in topology.HELP.items())
    return USAGE % {"parts": parts, "names": ", ".join(PARTS), "max_d": MAX_DURATION_S,
                    "max_r": MAX_ROUNDS, "cap": adaptive.DEFAULT_MAX_MINUTES, "topo": topology.DEFAULT,
                    "topos": topos, "prof_s": core_profile.PROFILE_S}


def parse_args(argv):
    """scripts/bench's options, checked once, here: a bad one is one line on stderr and exit 2."""
    class Parser(argparse.ArgumentParser):
        def error(self, message):
            sys.stderr.write("bench: %s (see --help)\n" % message)
            sys.exit(2)

    def whole(most):
        def check(s):
            try:
                v = int(s)
            except ValueError:
                v = 0
            if v < 1:
                raise argparse.ArgumentTypeError("wants a whole number >= 1, got '%s'" % s)
            if v > most:
                raise argparse.ArgumentTypeError("%s: at most %d" % (s, most))
            return v
        return check

    def minutes(s):
        try:
            v = float(s)
        except ValueError:
            v = 0
        if not 0 < v <= MAX_MINUTES:
            raise argparse.ArgumentTypeError("wants minutes, > 0 and at most %d, got '%s'" % (MAX_MINUTES, s))
        return v

    ap = Parser(prog="scripts/bench", add_help=False, allow_abbrev=False)
    ap.add_argument("-h", "--help", action="store_true")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--duration", type=whole(MAX_DURATION_S))
    ap.add_argument("--rounds", type=whole(MAX_ROUNDS))
    ap.add_argument("--rows", action="append", default=[])
    ap.add_argument("--no-syscall-count", action="store_true")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--adaptive", action="store_true")
    ap.add_argument("--max-minutes", type=minutes)
    ap.add_argument("--runs", type=whole(MAX_RUNS), default=1)
    ap.add_argument("--topology", choices=list(topology.HELP))
    ap.add_argument("--client")
    # --plan: scripts/bench asks what to build before it installs and builds (see plan_line)
    ap.add_argument("--plan", action="store_true", help=argparse.SUPPRESS)
    # --no-post: no scripts/plot and scripts/report steps (tests that only read the JSON)
    ap.add_argument("--no-post", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.help:
        return args
    for name in ("out", "build_dir"):
        if getattr(args, name) == "":
            ap.error("--%s needs a value" % name.replace("_", "-"))
    only = []
    for o in args.only:
        for part in o.split(","):
            if part not in PARTS:
                ap.error("unknown --only '%s' (known: %s)" % (part, ", ".join(PARTS)))
            if part not in only:
                only.append(part)
    args.only = only
    rows = []
    for o in args.rows:
        for name in o.split(","):
            if not name.strip():
                ap.error("--rows wants server row names, e.g. raw/epoll,nginx (got '%s')" % o)
            if name.strip() not in rows:
                rows.append(name.strip())
    args.rows = rows
    if rows and only and not set(only) & {"accept", "keepalive"}:
        ap.error("--rows picks server rows: it needs --only accept or keepalive")
    if args.no_syscall_count and only and not set(only) & {"accept", "keepalive"}:
        ap.error("--no-syscall-count leaves out the load rows' strace'd warm-up: it needs --only accept or keepalive")
    if args.profile and only and not set(only) & {"accept", "keepalive"}:
        ap.error("--profile records the load rows' server core: it needs --only accept or keepalive")
    if (args.adaptive or args.max_minutes) and only and not set(only) & {"accept", "keepalive"}:
        ap.error("--adaptive adds load rounds: it needs --only accept or keepalive")
    if args.max_minutes and not args.adaptive:
        ap.error("--max-minutes caps --adaptive's rounds: add --adaptive")
    if args.client is not None:
        # a RemoteClient, checked (reachable, wrk there, its address for the servers)
        if only and not set(only) & {"accept", "keepalive"}:
            ap.error("--client runs wrk: it needs --only accept or keepalive")
        if args.topology is not None:
            ap.error("--client puts wrk on that machine (topology remote): drop --topology")
        try:
            args.client = remote.RemoteClient.from_env(args.client)
        except remote.BadURL as e:
            ap.error(str(e))
        try:
            args.client.check()
        except remote.RemoteError as e:
            sys.stderr.write("bench: --client: %s\n" % e)
            sys.exit(2)
    # with --client the topology is remote (topology.TOPOLOGIES), never chosen
    args.topology = "remote" if args.client is not None else args.topology or topology.DEFAULT
    if args.out:
        try:
            os.makedirs(args.out, exist_ok=True)
        except OSError:
            pass
        if not (os.path.isdir(args.out) and os.access(args.out, os.W_OK)):
            ap.error("--out %s: cannot create or write that folder" % args.out)
    if args.no_build and not os.path.isdir(os.path.join(args.build_dir, "bin")):
        ap.error("--no-build: %s/bin does not exist (build first, or drop --no-build)" % args.build_dir)
    return args


def plan_line(args):
    """What scripts/bench needs before it hands over: 'help', or 'build DIR' / 'no-build DIR'."""
    if args.help:
        return "help"
    return "%s %s" % ("no-build" if args.no_build else "build", os.path.abspath(args.build_dir))
