"""scripts/lib/render_load.py — the accept and keep-alive sections: setup, the declared
comparisons (render_headline.py), every server row with its ratios to nginx, the server's core,
and the counters per row beside server CPU."""
import re

import adaptive
import core_profile
import fmt
import runfolder
import stats
from fmt import FLAG, num, right, table
from render_cells import images as _images, image, ratio_cell, rounds_text, with_ci
from render_headline import DECLARED_BACKEND, TALLY_HEAD, LoadRows, headline, tally_rows
from runfolder import as_dict, as_list


def family_table(run, kinds):
    """The declared families' outcome as a table: how many comparisons ended different,
    equivalent, undetermined or untested, corrected within each family. [] without any."""
    rows = tally_rows(run, kinds)
    if not rows:
        return []
    return [table(TALLY_HEAD, rows, right(7, 2)), "",
            "<sub>Each family corrected with Benjamini-Hochberg (q: p after it). Different: the 95%% "
            "interval excludes 1× and q < %g; equivalent: the 90%% interval lies within the margin "
            "(±%g%% for server figures); undetermined: neither, with the change the run could have "
            "detected; untested: under %d rounds. Paired by round: the ratio is the median of the "
            "per-round ratios of rows measured in the same rounds; the signed-rank test needs 6 "
            "rounds to reach p < %g, so with fewer the Mann-Whitney U test of the rows' values "
            "stands in.</sub>" % (stats.ALPHA, 100 * stats.margin_for("load"), stats.MIN_ROUNDS,
                                  stats.ALPHA)]


def topology_text(t):
    """A recorded topology in words: text as it is, a dict as 'key value' pairs."""
    if isinstance(t, dict):
        return ", ".join("%s %s" % (k, v) for k, v in t.items() if isinstance(v, (str, int, float, bool)))
    return str(t)


def _setup(run, ld):
    doc = ld.doc
    setup = []
    wrk, pin = as_dict(doc.get("wrk")), as_dict(doc.get("pinning"))
    if wrk:
        setup.append("wrk %s thread%s, %s connections, %s s per round" % (
            wrk.get("threads", "?"), "" if wrk.get("threads") == 1 else "s", wrk.get("connections", "?"),
            wrk.get("duration_s", "?")))
    if doc.get("rounds"):
        n = doc["rounds"]
        setup.append("%s (interleaved)%s" % (rounds_text(n), "" if n >= runfolder.MIN_ROUNDS else
                                             ": no interval and no test, that takes %d rounds or more"
                                             % runfolder.MIN_ROUNDS))
    if isinstance(doc.get("warmup"), str):
        setup.append("warm-up " + doc["warmup"])
    elif doc.get("warmup_rounds") is not None:
        setup.append("%s warm-up round%s" % (doc["warmup_rounds"], "" if doc["warmup_rounds"] == 1 else "s"))
    if pin:
        setup.append("server on CPU %s, wrk on CPU %s" % (pin.get("server_cpus", "?"), pin.get("client_cpus", "?")))
    t = runfolder.topology(run, ld.kind)
    if t and doc.get("topology_note"):
        # a recorded topology says where server and client sat; netns alone cannot tell two-netns
        setup.append("topology %s: %s" % (topology_text(t), doc["topology_note"]))
    else:
        if doc.get("netns") == "own":
            setup.append("each server in a network namespace of its own, its clients joining it")
        elif doc.get("netns"):
            setup.append("servers in the machine's network namespace (other TCP traffic counts in segments)")
        setup.append("topology %s" % (topology_text(t) if t else "unknown (this folder does not record it)"))
    return setup


def _instruments(ld):
    """What each server figure was measured with, and at what resolution."""
    out = []
    by_src = {}
    for n in ld.names:
        src = ld.meta(n).get("server_cpu_source")
        if src:
            # "<instrument>, summed over 2 processes (2 threads), window only": the instrument
            # (or, for the core meter, "...; a median of N ticks a window": the resolution, per row)
            src = re.sub(r"; a median of [\d.]+ ticks a window$", "", src)
            by_src.setdefault(re.sub(r", summed over \d+ process(es)? \(\d+ threads?\)", "", src), []).append(n)
    if by_src:
        if len(by_src) == 1:
            out.append("Server CPU per %s: %s, for every row." % (ld.per, next(iter(by_src))))
        else:
            out.append("Server CPU per %s, by instrument: %s." % (ld.per, "; ".join(
                "%s for %s" % (src, ", ".join("`%s`" % n for n in rows)) for src, rows in by_src.items())))
    else:
        out.append("Server CPU per %s: user+system time ÷ %ss served (this folder does not name the "
                   "instrument)." % (ld.per, ld.per))
    if any(ld.meta(n).get("cpu_meter") == "core" for n in ld.names):
        out.append("Server CPU is the busy time of the server's core, so it counts the kernel's packet "
                   "work done for the server (softirq) wherever it ran on that core; the server's own "
                   "tasks (their CPU clock) and what that clock misses are in \"The server's core\" below.")
    rus = {n: ld.meta(n)["rusage_vs_meter_pct"] for n in ld.names
           if isinstance(ld.meta(n).get("rusage_vs_meter_pct"), (int, float))}
    if rus:
        worst = max(rus, key=lambda n: abs(rus[n]))
        out.append("Cross-check: the server's own getrusage over the same window differs from its processes' CPU clock by at most "
                   "%+.2f%% (`%s`, median over rounds; %d rows checked)." % (rus[worst], worst, len(rus)))
    shares = {}
    for n in ld.names:
        src = ld.meta(n).get("server_user_share_source")
        m = re.match(r"^(.*) on a median of ([\d.]+) clock ticks of (\d+ ms)$", src or "")
        if m:
            shares.setdefault((m.group(1), m.group(3)), []).append(float(m.group(2)))
        elif src:
            shares.setdefault((src, None), [])
    for (src, tick), counts in shares.items():
        span = "%g" % min(counts) if min(counts) == max(counts) else "%g–%g" % (min(counts), max(counts))
        out.append("User-time share: %s%s." % (src, " on %s clock ticks of %s per row: a coarse figure" %
                                               (span, tick) if tick and counts else ""))
    return out


def counters_section(ld):
    """The per-row counters beside server CPU: segments, context switches, syscalls, total and
    pair CPU per connection/request, with what each counts. [] for a folder without them."""
    have = [c for c in runfolder.COUNTERS if any(c in ld.meta(n).get("counters", {}) for n in ld.names)]
    if not have:
        return []
    s = ld.short
    titles = {"segments": "TCP segments/%s" % s, "ctx_switches": "context switches/%s" % s,
              "syscalls": "syscalls/%s" % s, "total_cpu_us": "total CPU µs/%s" % s,
              "pair_cpu_us": "server+wrk CPU µs/%s" % s}
    out = ["### Where the cost of a %s goes: counters per row" % ld.per, ""]
    head = ["row", "server CPU %s" % ld.cpu_unit] + [titles[c] for c in have]
    body = []
    for n in ld.names:
        cs = ld.meta(n).get("counters", {})
        line = ["`%s`" % n, with_ci(ld.cpu.get(n)) if n in ld.cpu else "n/a"]
        for c in have:
            line.append(with_ci(cs[c]) if c in cs else "n/a")
        body.append(line)
    out += [table(head, body, right(len(head))), ""]
    notes = as_dict(ld.doc.get("counters_note"))
    explained = []
    for c in have:
        text = notes.get("%s_per_%s" % (c, s))
        if isinstance(text, str):
            explained.append("- **%s**: %s." % (titles[c], text.rstrip(".")))
    if "segments" in have and not any("both sides" in e for e in explained):
        explained.append("- **%s**: on loopback both sides' segments count (client's and server's)." %
                         titles["segments"])
    if isinstance(notes.get("window"), str):
        explained.append("- Window: %s." % notes["window"].rstrip("."))
    why = sorted({ld.meta(n).get("syscalls_note") for n in ld.names if ld.meta(n).get("syscalls_note")})
    for w in why:
        explained.append("- No syscall count for some rows: %s." % w)
    out += explained
    return out


def _bound_text(m):
    b = runfolder.figure(m, "server_bound")
    return "yes" if b is True else "no" if b is False else "unknown"


# the server's core, as later benches record it: (figure per conn, per req, column title)
CORE_FIGURES = (("server_core_us_per_conn", "server_core_us_per_req", "server core µs/%s (/proc/stat)"),
                ("server_tasks_us_per_conn", "server_tasks_us_per_req", "server processes µs/%s (CPU clock)"),
                ("server_unseen_us_per_conn", "server_unseen_us_per_req",
                 "kernel work the clock misses µs/%s (core − processes)"),
                ("server_core_interrupts_per_conn", "server_core_interrupts_per_req",
                 "interrupts on the server core /%s"),
                ("server_core_net_rx_per_conn", "server_core_net_rx_per_req", "NET_RX softirqs there /%s"),
                ("client_core_us_per_conn", "client_core_us_per_req", "client core µs/%s"),
                ("server_core_busy_pct", "server_core_busy_pct", "server core busy %%"),
                ("server_core_steal_pct", "server_core_steal_pct", "server core steal %%"),
                ("client_core_busy_pct", "client_core_busy_pct", "client core busy %%"))


def core_section(ld):
    """The server's core per row: its busy time per connection/request from /proc/stat, the
    server's own processes' CPU clock, the client's core, busy and steal time, and whether the
    row was server-bound. [] for a folder that records none of them."""
    pick = 0 if ld.kind == "accept" else 1
    have = [f for f in CORE_FIGURES if any(runfolder.figure(ld.meta(n), f[pick]) is not None for n in ld.names)]
    if not have:
        return []
    head = ["row"] + [f[2] % ld.short if "%s" in f[2] else f[2].replace("%%", "%") for f in have] + ["server-bound"]
    body = []
    for n in ld.names:
        m = ld.meta(n)
        line = ["`%s`" % n]
        for f in have:
            v = runfolder.figure(m, f[pick])
            line.append(with_ci(v) if hasattr(v, "median") else "unknown")
        line.append(_bound_text(m))
        body.append(line)
    return ["### The server's core", "", table(head, body, right(len(head))), "",
            "<sub>Busy time of the core the server ran on, per %s, over the measured window; "
            "\"server-bound\": that core ≥ 90%% busy, so the row's rate is the server's throughput. "
            "unknown: this row does not record it.</sub>" % ld.per]


def profile_section(ld):
    """Where the server core's time went, per row that has a core profile (scripts/bench
    --profile): µs per connection/request of each kind and its share. [] when none has."""
    rows = [n for n in ld.names if ld.meta(n).get("core_profile")]
    notes = [(n, ld.meta(n)["server_core_profile_note"]) for n in ld.names
             if ld.meta(n).get("server_core_profile_note")]
    if not rows and not notes:
        return []
    out = ["### Where the server core's time went (perf, round 1's profiled burst)", ""]
    if rows:
        head = (["row"] + ["%s µs/%s" % (title, ld.short) for _, title, _ in core_profile.CATEGORIES]
                + ["sum µs/%s" % ld.short])
        body = []
        for n in rows:
            p = ld.meta(n)["core_profile"]
            us, share = p["us_per_unit"], p["share"]
            cells = ["%.1f (%d%%)" % (us[k], round(100 * share[k])) if k in us and k in share
                     else "–" for k in core_profile.KEYS]
            body.append(["`%s`" % n] + cells + ["%.1f" % sum(us.get(k, 0) for k in core_profile.KEYS)])
        out += [table(head, body, right(len(head))), "",
                "<sub>perf's samples of the server's CPU (cpu-clock, call chains) over a %d s wrk "
                "burst before round 1's window, sorted by what the core was doing: handing the "
                "server's packets to the client's CPU (RPS's IPI), the receive softirq's packet "
                "work, entering the core from idle (interrupt entry and exit: the wake-up) or "
                "while a task ran, the kernel's syscalls for the server, its own code, and the "
                "rest. Each: µs per %s of the burst (share of the busy samples). The sum is the "
                "burst's own server core time per %s, a sample apart from the windows: set "
                "it beside the headline, and where the two differ the burst caught the server "
                "in another state. "
                "The part's JSON (profile_note) says how each kind is told.</sub>"
                % (core_profile.PROFILE_S, ld.per, ld.per)]
    for n, why in notes:
        out += ["", "- No core profile for `%s`: %s." % (n, why)]
    return out


def load_section(run, kind, images=True):
    ld = LoadRows(run, kind)
    if not ld.rate and not ld.cpu:
        return []
    doc, names, per, unit = ld.doc, ld.names, ld.per, ld.unit
    has_sat = any(ld.meta(n).get("saturated") or isinstance(ld.meta(n).get("client_cpu_pct"), (int, float))
                  for n in names)
    title = "Accept throughput (`Connection: close`)" if kind == "accept" else "Keep-alive"
    out = ["## " + title, ""]
    setup = _setup(run, ld)
    if setup:
        out += ["Setup: " + "; ".join(setup) + ".", ""]
    pin = as_dict(doc.get("pinning"))
    if pin.get("note"):
        out += [str(pin["note"]), ""]
    if doc.get("complete") is False:
        out += ["**Incomplete:** the run was interrupted; the rounds above are the ones that finished.", ""]
    rounds_note = adaptive.note(doc.get("adaptive"))   # scripts/bench --adaptive: rounds taken, why it stopped
    if rounds_note:
        out += [rounds_note, ""]
    head = headline(run, kind)
    if head:
        out += ["Declared comparisons (each model's `%s` row, fixed before the run, against every peer; "
                "the path as asm ÷ libc and raw ÷ libc per model):" % DECLARED_BACKEND, ""]
        out += ["- " + h for h in head] + [""]
        out += family_table(run, (kind,)) + [""]
    shares = {n: ld.meta(n).get("user_share") for n in names
              if isinstance(ld.meta(n).get("user_share"), (int, float))}
    ours = [v for n, v in shares.items() if not ld.peer(n)]
    if ours:
        ng = shares.get("nginx")
        out.append("Where the server's CPU goes: its own code (user time) is %s%% of it in the "
                   "syspath rows%s; the rest is the kernel (loopback TCP, wake-ups), the same work "
                   "whichever syscall path asked for it." %
                   ("%.0f" % (100 * min(ours)) if round(100 * min(ours)) == round(100 * max(ours))
                    else "%.0f–%.0f" % (100 * min(ours), 100 * max(ours)),
                    " and %.0f%% for nginx" % (100 * ng) if isinstance(ng, (int, float)) else ""))
        out.append("")
    out += _instruments(ld)
    out.append("It does not depend on how fast the client is. %s is capped by the client on a small machine; "
               "\"server CPU %%\" says how busy the server's core was (near 100%%: the server was the "
               "bottleneck)%s." % (unit, ", \"saturated\" which side ran out of CPU" if has_sat else ""))
    if has_sat:
        out.append("\"Saturated\": a side using ≥ %g%% of its core; \"neither\" means both sides stayed below "
                   "that: the pair was latency-bound (one connection at a time) or the CPUs were shared with "
                   "other work during the run; server CPU per %s does not depend on that."
                   % (doc.get("saturated_threshold_pct", 85), per))
    out.append("")
    head = ("row", "server CPU %s" % ld.cpu_unit, "× nginx", unit, "× nginx", "server CPU %",
            "wrk errors") + (("saturated",) if has_sat else ()) + ("rate is the server's throughput",)
    rows = []
    flagged = []
    for n in names:
        rr, cr, m = ld.rate.get(n), ld.cpu.get(n), ld.meta(n)
        errs = as_dict(m.get("errors"))
        total = m.get("error_total") or 0
        err_text = "%s (%s)" % (num(total), ", ".join("%s %s" % (k, v) for k, v in errs.items() if v)) \
            if total else "0"
        label = "`%s`" % n
        if n == "nginx":
            label += " (baseline)"
        if ld.flagged(n):
            label = FLAG + " " + label
            flagged.append(n)
        if ld.failed(n):
            label += " **error: every round failed**"
        if m.get("note"):
            label += " <sup>%s</sup>" % m["note"]
        line = (label, with_ci(cr) if cr else "n/a", ratio_cell(ld.ng_cpu, cr) if cr else "–",
                with_ci(rr) if rr and rr.values else "n/a", ratio_cell(ld.ng_rate, rr) if rr and rr.values else "–",
                fmt.pct(m.get("cpu_pct")), err_text)
        if has_sat:
            cp = m.get("client_cpu_pct")
            line += ((m.get("saturated") or "–") + (" (wrk %.0f%%)" % cp if isinstance(cp, (int, float)) else ""),)
        line += (_bound_text(m),)
        rows.append(line)
    out.append(table(head, rows, right(len(head))))
    out.append("")
    nrounds = max((len(r.values) for r in list(ld.rate.values()) + list(ld.cpu.values())), default=0)
    notes = ["Medians over rounds%s; ratios are this row ÷ nginx in the same run "
             "(lower is better for CPU, higher for %s), the median of the per-round ratios where both "
             "rows ran every round. \"Rate is the server's throughput\": yes when the server's core was "
             "busy (≥ 90%%, from /proc/stat), unknown where this folder does not record it." %
             (" with 95% bootstrap intervals" if nrounds >= runfolder.MIN_ROUNDS else
              " (%s: no interval)" % rounds_text(nrounds), unit)]
    if flagged:
        notes.append("%s flagged: a round failed, wrk reported socket errors or non-2xx answers, or the server "
                     "answered bad requests; its figures should not be trusted as a clean result." % FLAG)
    if not ld.ng_rate and not ld.ng_cpu:
        notes.append("No nginx row in this run: no baseline ratios.")
    out += ["<sub>" + " ".join(notes) + "</sub>"]
    if flagged:
        out += ["", "**Flagged rows** (errors are results, not averaged away):"]
        for n in flagged:
            m = ld.meta(n)
            what = ["errors %s" % (", ".join("%s %s" % kv for kv in as_dict(m.get("errors")).items() if kv[1])
                                    or "none counted")]
            if m.get("failed_rounds"):
                what.append("%s failed" % rounds_text(m["failed_rounds"]))
            out.append("- %s %s: %s%s" % (n, FLAG, "; ".join(what), "; " + m["note"] if m.get("note") else ""))
    skipped = ["- skipped %s: %s" % (s.get("name"), s.get("why")) for s in as_list(doc.get("skipped"))
               if isinstance(s, dict)]
    if skipped:
        out += [""] + skipped
    core = core_section(ld)
    if core:
        out += [""] + core
    prof = profile_section(ld)
    if prof:
        out += [""] + prof
    counters = counters_section(ld)
    if counters:
        out += [""] + counters
    out = _images(out, images, run, kind)
    if images and counters:
        out += ["", image(run, kind + "-counters", kind + "-counters")]
    return out

