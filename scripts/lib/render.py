"""scripts/lib/render.py — the markdown of one run folder: summary.md and report.md.

Both files are made here, from the same sections over scripts/lib/runfolder.py's
rows, so a figure is computed and worded once:

  load_section(run, kind)   accept / keep-alive: setup, declared comparisons, every
                            server row, the counters per row beside server CPU
  errors_section(run)       every errored row (failed checks, failed rounds)
  syscalls_section(run)     every op x path against libc, io_uring batches
  helpers_section(run)      every helper variant against glibc, per size
  hyperfine_section(run)    process runs against the dynamic glibc / libc backend
  counts_section(run)       callgrind instructions per call
  machine_section(run)      the machine as a table

summary(run) is what scripts/bench writes at the end of a run (summary.md):
the machine in one line, the run's options, the headline, then the sections
without plots. report(run) is what scripts/report writes (report.md): the same
sections with the plots embedded, a table of contents, the machine table and
what the folder lacks. Ratios are always to a baseline measured in the same
run; intervals come from scripts/lib/stats.py through runfolder.
"""
import os
import re

import fmt
import runfolder
import stats
from fmt import FLAG, num, order_key, right, table
from runfolder import as_dict, as_list

# The suite's targets for each model's declared row, as ratios to a peer's server CPU
# (and to nginx's rate, judged only where the server, not the client, was saturated).
TARGETS = {
    "accept": {"cpu": {"nginx": 0.4, "nginx-deferred": 0.55}, "rate": 1.2},
    "keepalive": {"cpu": {"nginx": 0.7}},
}
# The backend whose row stands for a model against the peers, declared before any run:
# glibc's, the path a reader would build with; asm and raw are compared with it per model.
DECLARED_BACKEND = "libc"
# The significance level of a declared comparison's Mann-Whitney U test.
ALPHA = 0.05


# -- cells of a row ---------------------------------------------------------------------------

def count(row):
    """An instruction count: whole numbers as such (9, not 9.000)."""
    if row is None or row.median is None:
        return "–"
    v = row.median
    return "{:,}".format(int(v)) if v == int(v) else num(v, 4)


def with_ci(row):
    """'16.5 [16.2, 16.9]' — median and 95% interval."""
    if row is None or row.median is None:
        return "n/a"
    lo, hi = row.ci
    if lo is None or row.exact or lo == hi == row.median:
        return num(row.median)
    return "%s [%s, %s]" % (num(row.median), num(lo), num(hi))


def ratio_cell(ref, row, bold_wins=False):
    """'0.55× [0.53, 0.57]' — row / reference and its bootstrap interval (stats.ratio_ci)."""
    if ref is None or row is None:
        return "–"
    if ref is row:
        return "1× (baseline)"
    r, lo, hi = runfolder.ratio_to(ref, row)
    if r is None:
        return "–"
    text = fmt.ratio_with_ci(r, lo, hi)
    if bold_wins and runfolder.verdict(r, lo, hi, row.higher_is_better) == "win":
        text = "**%s**" % text
    return text


def short_ratio(ref, row):
    """'1.25×' in bold when significantly better, plain otherwise; '–' when unknown."""
    if ref is None or row is None:
        return "–"
    r, lo, hi = runfolder.ratio_to(ref, row)
    if r is None:
        return "–"
    v = runfolder.verdict(r, lo, hi, row.higher_is_better)
    return ("**%.2f×**" if v == "win" else "%.2f×") % r


def image(run, stem, alt):
    if os.path.exists(os.path.join(run.path, stem + ".png")):
        return "![%s](%s.png)\n\n<sub>[SVG](%s.svg)</sub>" % (alt, stem, stem) \
            if os.path.exists(os.path.join(run.path, stem + ".svg")) else "![%s](%s.png)" % (alt, stem)
    return "<sub>(%s.png not drawn: run `scripts/plot %s`)</sub>" % (stem, run.path)


def _images(out, images, run, stem):
    return out + ["", image(run, stem, stem)] if images else out


# -- machine ----------------------------------------------------------------------------------

def machine_summary_line(run):
    """The machine in one dense line: CPU, cores, flags, kernel, virtualisation, io_uring, versions."""
    m = run.machine
    if not m:
        return "machine: unknown (no machine.json)"
    cpu, sw, git = as_dict(m.get("cpu")), as_dict(m.get("software")), as_dict(m.get("syspath"))
    flags = [k for k, v in as_dict(cpu.get("flags")).items() if v]
    parts = [
        "%s (%s)" % (cpu.get("model_name", "?"), cpu.get("microarch", "?")),
        "%s cores / %s threads" % (cpu.get("cores", "?"), cpu.get("threads", "?")),
        " ".join(flags) or "no erms/avx2",
        "Linux %s" % as_dict(m.get("kernel")).get("release", "?"),
    ]
    if m.get("virtualization"):
        parts.append(m["virtualization"])
    parts.append("io_uring %s" % m.get("io_uring", "?"))
    parts.append("glibc %s, gcc %s, nginx %s" % (sw.get("glibc"), sw.get("gcc"), sw.get("nginx")))
    if git.get("commit"):
        parts.append("syspath %s%s" % (str(git["commit"])[:10], " (dirty)" if git.get("dirty") else ""))
    return " · ".join(parts)


def machine_section(run):
    m = run.machine
    if not m:
        return ["## Machine", "", "No machine.json in this run folder: the machine is unknown."]
    cpu, kern = as_dict(m.get("cpu")), as_dict(m.get("kernel"))
    sw, sp = as_dict(m.get("software")), as_dict(m.get("syspath"))
    rows = []
    if cpu:
        ident = ", ".join("%s %s" % (k, cpu[k]) for k in ("family", "model", "stepping") if cpu.get(k) is not None)
        rows.append(("CPU", "%s%s%s" % (cpu.get("model_name", "?"),
                                        " (%s)" % cpu["microarch"] if cpu.get("microarch") not in (None, "unknown") else "",
                                        "; " + ident if ident else "")))
        flags = {k: v for k, v in as_dict(cpu.get("flags")).items() if isinstance(v, bool)}
        if flags:
            rows.append(("Flags", " ".join("%s %s" % (k, "✓" if v else "✗") for k, v in flags.items())))
        if cpu.get("cores") or cpu.get("threads"):
            rows.append(("Cores / threads", "%s / %s" % (cpu.get("cores", "?"), cpu.get("threads", "?"))))
        caches = as_dict(cpu.get("caches"))
        if caches:
            rows.append(("Caches", ", ".join("%s %s" % (k.upper(), fmt.fmt_bytes(v)) for k, v in caches.items()
                                             if isinstance(v, int))))
    if kern:
        rows.append(("Kernel", "%s %s" % (kern.get("release", "?"), kern.get("version", ""))))
    for key, label in (("governor", "Governor"), ("virtualization", "Virtualisation"), ("io_uring", "io_uring")):
        if key in m:
            rows.append((label, m[key] if m[key] is not None else "none"))
    if isinstance(m.get("memory_bytes"), int):
        rows.append(("Memory", "%.1f GiB" % (m["memory_bytes"] / (1 << 30))))
    if sw:
        rows.append(("Software", ", ".join("%s %s" % (k, v) for k, v in sw.items() if isinstance(v, (str, int, float))
                                           and v)))
    if sp:
        rows.append(("syspath", "%s%s" % (str(sp.get("commit", "?"))[:12], " (tree dirty)" if sp.get("dirty") else "")))
    out = ["## Machine", "", table(("", ""), rows)]
    mit = {k: v for k, v in as_dict(m.get("mitigations")).items() if isinstance(v, str)}
    if mit:
        vuln = [k for k, v in mit.items() if str(v).lower().startswith("vulnerable")]
        out += ["", "<details><summary>CPU vulnerability mitigations (%d entries%s)</summary>" %
                (len(mit), "; vulnerable: " + ", ".join(vuln) if vuln else ""), "",
                table(("name", "kernel says"), sorted(mit.items())), "", "</details>"]
    return out


# -- accept.json, keepalive.json --------------------------------------------------------------

class LoadRows:
    """One load file's rows by label: rate (conn/s, req/s) and server CPU per conn/req,
    in the order the tables here and scripts/plot's load plots list them."""

    def __init__(self, run, kind):
        self.kind = kind
        self.rate = {r.meta["label"]: r for r in run.section(kind)}
        self.cpu = {r.meta["label"]: r for r in run.section(kind + "-cpu")}
        self.doc = getattr(run, kind) or {}
        self.per = "connection" if kind == "accept" else "request"
        self.short = "conn" if kind == "accept" else "req"
        self.unit = next(iter(self.rate.values())).unit if self.rate else ("conn/s" if kind == "accept" else "req/s")
        self.cpu_unit = "µs/conn" if kind == "accept" else "µs/req"
        names = list(dict.fromkeys(list(self.rate) + list(self.cpu)))
        names.sort(key=self._key)
        self.names = names
        self.ng_rate, self.ng_cpu = self.rate.get("nginx"), self.cpu.get("nginx")
        self.peers = [n for n in names if self.peer(n)]

    def meta(self, n):
        return (self.rate.get(n) or self.cpu.get(n)).meta

    def _key(self, n):
        m = self.meta(n)
        if self.peer(n):
            return (99, 0 if n == "nginx" else 1 if n.startswith("nginx") else 2, n)
        if m.get("server") == "syspath-asm-server":
            return (98, 0, n)
        return (order_key(fmt.MODEL_ORDER)(m.get("model") or "?")[0],
                order_key(fmt.BACKEND_ORDER)(m.get("backend") or "?")[0], n)

    def peer(self, n):
        return runfolder.is_peer(n, self.meta(n))

    def flagged(self, n):
        return any(r is not None and r.flagged for r in (self.rate.get(n), self.cpu.get(n)))

    def failed(self, n):
        return bool(self.meta(n).get("failed"))

    def models(self):
        """syspath's models in this file, in the suite's order."""
        return sorted({self.meta(n).get("model") for n in self.names
                       if not self.peer(n) and self.meta(n).get("model")}, key=order_key(fmt.MODEL_ORDER))

    def declared(self):
        """The rows declared, before any figure is seen, to stand for syspath against the peers:
        each model's DECLARED_BACKEND row, then the freestanding server. [(title, label)]"""
        out = []
        for model in self.models():
            n = "%s/%s" % (DECLARED_BACKEND, model)
            if n in self.names:
                out.append((model, n))
        out += [("freestanding", n) for n in self.names if self.meta(n).get("server") == "syspath-asm-server"]
        return out


def rounds_text(n):
    return "%d round%s" % (n, "" if n == 1 else "s")


def comparison(ref, row):
    """A declared comparison of two rows' per-round values: row ÷ ref with its bootstrap
    interval and a Mann-Whitney U test. {"r", "lo", "hi", "p", "verdict", "n"}; verdict is
    'lower', 'higher', 'no difference' (interval reaches 1× or p ≥ 0.05) or 'untested'
    (fewer than runfolder.MIN_ROUNDS rounds on a side: no interval, no test)."""
    if ref is None or row is None or ref.median is None or row.median is None:
        return None
    r, lo, hi = runfolder.ratio_to(ref, row)
    if r is None:
        return None
    n = min(len(ref.values), len(row.values))
    p = stats.mann_whitney_p(ref.values, row.values) if n >= runfolder.MIN_ROUNDS else None
    if lo is None or hi is None or p is None:
        v = "untested"
    elif (lo > 1 or hi < 1) and p < ALPHA:
        v = "lower" if hi < 1 else "higher"
    else:
        v = "no difference"
    return {"r": r, "lo": lo, "hi": hi, "p": p, "verdict": v, "n": n}


def comparison_cell(c, words=("cheaper", "costlier")):
    """'0.95× [0.91, 0.99], p 0.008, cheaper'; '0.95×' alone when untested (the caller says
    how many rounds)."""
    if c is None:
        return "–"
    text = fmt.ratio_with_ci(c["r"], c["lo"], c["hi"])
    if c["verdict"] == "untested":
        return text
    text += ", p %s" % num(c["p"], 2)
    if c["verdict"] == "lower":
        return text + ", " + words[0]
    if c["verdict"] == "higher":
        return text + ", " + words[1]
    return text + ", no significant difference"


def _untested(cs):
    """' (1 round: no interval, no test)' when comparisons lack rounds, else ''."""
    n = sorted({c["n"] for c in cs if c and c["verdict"] == "untested"})
    return " (%s: no interval, no test)" % "/".join(rounds_text(k) if k == n[-1] else str(k) for k in n) \
        if n else ""


def _target_text(pairs, target, below=True):
    """Which declared rows meet a target: met only when the whole interval is within it;
    without an interval, 'by the median only'. pairs: [(title, comparison)]."""
    met, median_only, not_met = [], [], []
    for title, c in pairs:
        ok_med = c["r"] <= target if below else c["r"] >= target
        if c["verdict"] == "untested" or c["lo"] is None:
            (median_only if ok_med else not_met).append(title)
        elif (c["hi"] <= target) if below else (c["lo"] >= target):
            met.append(title)
        elif ok_med:
            median_only.append(title)
        else:
            not_met.append(title)
    parts = []
    if met:
        parts.append("met by %s" % ", ".join(met))
    if median_only:
        parts.append("met by the median only (no interval within it) by %s" % ", ".join(median_only))
    if not_met:
        parts.append("not met by %s" % ", ".join(not_met))
    return "target %s %.2g×: %s" % ("≤" if below else "≥", target, "; ".join(parts))


def _rate_state(m):
    """How a rate may be read: None when the server was the saturated side, else the reason
    it says little about the server."""
    sat = m.get("saturated")
    if sat == "server":
        return None
    if sat in ("client", "both"):
        return "client-bound (wrk's core saturated)"
    if sat == "neither":
        return "neither side saturated (latency-bound or shared CPUs)"
    return "saturation unknown"


def headline(run, kind):
    """The headline sentences of one load file, from comparisons declared in advance, never
    from the best of the rows: each model's declared row against every peer of the run,
    server CPU per connection/request with interval and test; the rate, shown as client-bound
    when it is; the path comparison (asm ÷ libc, raw ÷ libc) per model. [] without rows."""
    ld = LoadRows(run, kind)
    if not ld.rate and not ld.cpu:
        return []
    decl = [(t, n) for t, n in ld.declared() if n in ld.cpu and not ld.failed(n)]
    if not decl:
        return []
    peers = [p for p in ld.peers if p in ld.cpu and ld.cpu[p].median]
    out = []
    if not peers:
        out.append("No peer server (nginx, h2o, lighttpd, ...) in this %s run, so no ratios to a peer." % kind)
    tgt = TARGETS[kind]
    for p in peers:
        pairs = [(title, comparison(ld.cpu[p], ld.cpu[n])) for title, n in decl]
        pairs = [(t, c) for t, c in pairs if c is not None]
        if not pairs:
            continue
        text = "**Server CPU per %s against `%s`** (%s µs): %s%s" % (
            ld.per, p, num(ld.cpu[p].median), "; ".join("%s %s" % (t, comparison_cell(c)) for t, c in pairs),
            _untested([c for _, c in pairs]))
        if p in tgt["cpu"]:
            text += "; " + _target_text(pairs, tgt["cpu"][p])
        out.append(text + ".")
    # rates: client-bound ones say so and are never judged against a target
    ng = ld.rate.get("nginx")
    if ng is not None and ng.median:
        pairs, bound = [], {}
        for title, n in decl:
            if n not in ld.rate or ld.rate[n].median is None:
                continue
            c = comparison(ng, ld.rate[n])
            pairs.append((title, c))
            why = _rate_state(ld.meta(n)) or _rate_state(ng.meta)
            if why:
                bound.setdefault(why, []).append(title)
        if pairs:
            text = "%s against nginx's %s: %s%s" % (
                ld.unit, num(ng.median), "; ".join("%s %s" % (t, comparison_cell(c, ("lower", "higher")))
                                                   for t, c in pairs), _untested([c for _, c in pairs]))
            for why, titles in bound.items():
                text += "; %s for %s: no target judged on it" % (why, ", ".join(titles) if len(titles) < len(pairs)
                                                               else "every row")
            judged = [(t, c) for t, c in pairs if not any(t in v for v in bound.values())]
            if judged and "rate" in tgt:
                text += "; " + _target_text(judged, tgt["rate"], below=False)
            out.append(text + ".")
    # the path: does asm or raw change the server's CPU against libc, model by model?
    pairs = []
    for model in ld.models():
        ref = ld.cpu.get("libc/%s" % model)
        for b in ("asm", "raw"):
            c = comparison(ref, ld.cpu.get("%s/%s" % (b, model)))
            if c is not None:
                pairs.append(("%s/%s" % (b, model), c))
    if pairs:
        out.append("**Path** (server CPU per %s, ÷ libc of the same model): %s%s." % (
            ld.per, "; ".join("%s %s" % (t, comparison_cell(c)) for t, c in pairs), _untested([c for _, c in pairs])))
    return out


def _setup(ld):
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
    if doc.get("netns") == "own":
        setup.append("each server in a network namespace of its own, its clients joining it")
    elif doc.get("netns"):
        setup.append("servers in the machine's network namespace (other TCP traffic counts in segments)")
    return setup


def _instruments(ld):
    """What each server figure was measured with, and at what resolution."""
    out = []
    by_src = {}
    for n in ld.names:
        src = ld.meta(n).get("server_cpu_source")
        if src:
            # "<instrument>, summed over 2 processes (2 threads), window only": the instrument
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
    rus = {n: ld.meta(n)["rusage_vs_meter_pct"] for n in ld.names
           if isinstance(ld.meta(n).get("rusage_vs_meter_pct"), (int, float))}
    if rus:
        worst = max(rus, key=lambda n: abs(rus[n]))
        out.append("Cross-check: the server's own getrusage over the same window differs from it by at most "
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


def load_section(run, kind, images=True):
    ld = LoadRows(run, kind)
    if not ld.rate and not ld.cpu:
        return []
    doc, names, per, unit = ld.doc, ld.names, ld.per, ld.unit
    has_sat = any(ld.meta(n).get("saturated") or isinstance(ld.meta(n).get("client_cpu_pct"), (int, float))
                  for n in names)
    title = "Accept throughput (`Connection: close`)" if kind == "accept" else "Keep-alive"
    out = ["## " + title, ""]
    setup = _setup(ld)
    if setup:
        out += ["Setup: " + "; ".join(setup) + ".", ""]
    pin = as_dict(doc.get("pinning"))
    if pin.get("note"):
        out += [str(pin["note"]), ""]
    if doc.get("complete") is False:
        out += ["**Incomplete:** the run was interrupted; the rounds above are the ones that finished.", ""]
    head = headline(run, kind)
    if head:
        out += ["Declared comparisons (each model's `%s` row, fixed before the run, against every peer; "
                "the path as asm ÷ libc and raw ÷ libc per model):" % DECLARED_BACKEND, ""]
        out += ["- " + h for h in head] + [""]
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
            "wrk errors") + (("saturated",) if has_sat else ())
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
        rows.append(line)
    out.append(table(head, rows, right(len(head))))
    out.append("")
    nrounds = max((len(r.values) for r in list(ld.rate.values()) + list(ld.cpu.values())), default=0)
    notes = ["Medians over rounds%s; ratios are this row ÷ nginx in the same run "
             "(lower is better for CPU, higher for %s)." %
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
    counters = counters_section(ld)
    if counters:
        out += [""] + counters
    out = _images(out, images, run, kind)
    if images and counters:
        out += ["", image(run, kind + "-counters", kind + "-counters")]
    return out


# -- microbench.json: syscall paths -----------------------------------------------------------

def syscalls_section(run, images=True):
    rows = run.section("syscalls")
    if not rows:
        return []
    sysr = [r for r in rows if r.meta.get("kind") == "syscall"]
    uring = sorted([r for r in rows if r.meta.get("kind") == "uring"], key=lambda r: r.meta.get("batch") or 0)
    out = ["## Syscall paths", ""]
    floor = min((r for r in sysr if r.meta["op"] == "getppid" and r.median), key=lambda r: r.median, default=None)
    if floor:
        out += ["Kernel floor (the fastest null syscall, `getppid`): **%s ns** via `%s`. Every op below is "
                "called through `struct sp_sys`; ratios are against the libc path for the same op." %
                (num(floor.median), floor.meta["path"]), ""]
    ops = sorted({r.meta["op"] for r in sysr}, key=order_key(fmt.OP_ORDER))
    has_counts = bool(run.section("counts"))
    head = ["op", "path", "ns per call", "× libc"] + (["instructions per call"] if has_counts else [])
    body = []
    for op in ops:
        group = sorted([r for r in sysr if r.meta["op"] == op],
                       key=lambda r: order_key(fmt.PATH_ORDER)(r.meta["path"]))
        ref = next((r for r in group if r.meta["path"] == "libc"), None)
        if op == "clock_gettime":
            ref = next((r for r in group if r.meta["path"] == "raw"), ref)
        for r in group:
            line = ["`%s`" % op, r.meta["path"], with_ci(r), ratio_cell(ref, r, bold_wins=True) if ref else "–"]
            if has_counts:
                line.append(count(run.get("instr/" + r.name)))
            body.append(line)
    for r in uring:
        batch = r.meta.get("batch")
        per_batch = " (%s ns per batch of %d)" % (num(r.median * batch), batch) if batch and r.median else ""
        line = ["`uring/%s`" % r.meta["op"], r.meta["path"] + " (ns per op)", with_ci(r) + per_batch, "–"]
        if has_counts:
            line.append(count(run.get("instr/" + r.name)))
        body.append(line)
    out.append(table(head, body, right(len(head), 2)))
    ctx = run.microbench_context
    said = ["%s: %s" % (what, ctx[key]) for key, what in (("clocksource", "clocksource"),
                                                          ("int80", "`int 0x80`"))
            if isinstance(ctx.get(key), str) and ctx[key]]
    if said:
        out += ["", "This run's " + "; ".join(said) + "."]
    out += ["", "<sub>Medians over google-benchmark repetitions with 95% bootstrap intervals. "
            "`clock_gettime` is compared with its own raw syscall (vDSO against a kernel entry); "
            "`nop/indirect` is a call through the table that enters no kernel: the interface's own cost. "
            "**Bold**: significantly faster than the reference (interval entirely below 1×).</sub>"]
    return _images(out, images, run, "syscalls")


# -- microbench.json: helpers -----------------------------------------------------------------

def _crossover_sentence(by, rep, ref):
    cx = runfolder.crossover(by[(rep, False)], ref)
    if cx["catch"] is not None:
        s = "`%s` (the tutorial's rep-string) matches glibc from **%s** up" % (rep, fmt.fmt_bytes(cx["catch"]))
        s += (" and beats it from **%s** up." % fmt.fmt_bytes(cx["win"])) if cx["win"] else \
            " without ever beating it significantly."
    else:
        s = "`%s` (the tutorial's rep-string) never matches glibc" % rep
        if cx["best"]:
            s += " (closest: %.2f× at %s)." % (cx["best"][0], fmt.fmt_bytes(cx["best"][1]))
        else:
            s += "."
    return s + (" (\"Matches\": the 95% interval of its ratio to glibc reaches 1× at that size and every "
                "larger one.)")


def helpers_section(run, images=True):
    rows = run.section("helpers")
    hrows = run.section("htons")
    if not rows and not hrows:
        return []
    out = ["## Helpers (glibc as the baseline)", ""]
    families = sorted({r.meta["family"] for r in rows}, key=order_key(fmt.FAMILY_ORDER))
    for fam in families:
        by = runfolder.helper_series(run, fam)
        variants = sorted({v for v, _ in by}, key=order_key(fmt.VARIANT_ORDER))
        ref = by.get(("libc", False))
        out += ["### %s" % fam, ""]
        rep = next((v for v in variants if v.startswith("rep")), None)
        if rep and ref and (rep, False) in by:
            out += [_crossover_sentence(by, rep, ref), ""]
        if not ref:
            out += ["No `libc` row for %s in this run: no ratios." % fam, ""]
        others = [v for v in variants if v != "libc"]
        head = ["size", "libc GB/s"] + ["%s ×" % v for v in others]
        body = []
        keys = sorted({(s, mis) for (v, mis), series in by.items() for s in series}, key=lambda k: (k[1], k[0]))
        for s, mis in keys:
            ref_row = ref.get(s) if ref and not mis else (by.get(("libc", True), {}).get(s) if mis else None)
            line = [fmt.fmt_bytes(s) + (" (dst+1)" if mis else ""), num(ref_row.median) if ref_row else "–"]
            for v in others:
                r = by.get((v, mis), {}).get(s)
                line.append(short_ratio(ref_row, r) if (r and ref_row) else ("n/a" if not r else num(r.median) + " GB/s"))
            body.append(line)
        out.append(table(head, body, right(len(head))))
        out += ["", "<sub>Each variant's throughput ÷ glibc's at that size (> 1× is faster); **bold**: "
                "significantly faster (interval above 1×). n/a: not measured (e.g. the CPU lacks the "
                "instructions).</sub>", ""]
        # the full figures, folded away
        detail = []
        for v in variants:
            for mis in (False, True):
                for s, r in sorted(by.get((v, mis), {}).items()):
                    base = (by.get(("libc", mis), {}) or {}).get(s)
                    c = run.get("instr/%s/%s/%d" % (fam, v, s)) if not mis else None
                    detail.append((v, fmt.fmt_bytes(s) + (" (dst+1)" if mis else ""), with_ci(r),
                                   ratio_cell(base, r) if base else "–", count(c)))
        out += ["<details><summary>%s: every row with its 95%% interval and instruction count</summary>" % fam, "",
                table(("variant", "size", "GB/s", "× libc", "instructions per call"), detail, right(5, 2)), "",
                "</details>", ""]
        if images:
            out += [image(run, "helpers-" + fam, "helpers-" + fam), ""]
    if hrows:
        ref = next((r for r in hrows if r.meta["variant"] == "libc"), None)
        body = []
        for r in sorted(hrows, key=lambda r: order_key(fmt.VARIANT_ORDER)(r.meta["variant"])):
            c = run.get("instr/" + r.name)
            body.append(("`%s`" % r.meta["variant"], with_ci(r), ratio_cell(ref, r, bold_wins=True) if ref else "–",
                         count(c)))
        out += ["### htons", "", table(("variant", "ns per value", "× libc", "instructions per call"), body, right(4)),
                "", "<sub>Over an array of values; ns per value. **Bold**: significantly faster than libc.</sub>", ""]
    while out and out[-1] == "":
        out.pop()
    return out


# -- hyperfine-*.json -------------------------------------------------------------------------

def hyperfine_baseline(rows):
    """The row a user would pick instead: dynamic glibc (hello), the libc backend (serve)."""
    names = [r.meta["short"] for r in rows]
    for pred in (lambda n: "libc" in n and "dynamic" in n, lambda n: n == "backend=libc",
                 lambda n: "libc" in n and "static" not in n and "syscall" not in n, lambda n: "libc" in n):
        for r, n in zip(rows, names):
            if pred(n):
                return r
    return None


HYPERFINE_TITLES = {"hello": "hello world, start to exit", "serve": "start server, serve N connections, exit"}


def _ms(v):
    return num(v * 1e3) if isinstance(v, (int, float)) and not isinstance(v, bool) else "–"


def hyperfine_section(run, images=True):
    rows = run.section("hyperfine")
    if not rows:
        return []
    out = ["## Process-level cost (hyperfine)", ""]
    for stem in sorted({r.meta["stem"] for r in rows}):
        group = [r for r in rows if r.meta["stem"] == stem]
        base = hyperfine_baseline(group)
        body = []
        for r in group:
            mean, sd = r.meta.get("mean"), r.meta.get("stddev")
            label = "`%s`" % r.meta["short"] + (" (baseline)" if r is base else "")
            if r.flagged:
                label = FLAG + " " + label + " — %d runs exited non-zero" % r.meta.get("failed", 0)
            body.append((label, with_ci(r),
                         "%s ± %s" % (num(mean * 1e3), num(sd * 1e3)) if isinstance(mean, (int, float)) and
                         isinstance(sd, (int, float)) else "–",
                         "%s – %s" % (num(min(r.values)), num(max(r.values))) if r.values else "–",
                         "%s / %s" % (_ms(r.meta.get("user")), _ms(r.meta.get("system"))),
                         len(r.values) or "–", ratio_cell(base, r) if base else "–"))
        out += ["### %s (`hyperfine-%s.json`)" % (HYPERFINE_TITLES.get(stem, stem), stem), "",
                table(("command", "median ms", "mean ± sd ms", "min – max ms", "user / sys ms", "runs",
                       "× baseline"), body, right(7)),
                ""]
    out += ["<sub>Wall time per run; median with 95% bootstrap interval over hyperfine's runs; user and "
            "system CPU time are hyperfine's means per run.</sub>"]
    return _images(out, images, run, "hyperfine")


# -- counts.json ------------------------------------------------------------------------------

def counts_section(run, images=True):
    rows = run.section("counts")
    if not rows:
        return []
    it = run.counts.get("iterations")
    out = ["## Instruction counts (callgrind)", "",
           "User-space instructions per call, counted by `valgrind --tool=callgrind`%s: exact and repeatable, "
           "unlike the times above (the kernel's own instructions are not counted). They explain where paths "
           "differ (a libc wrapper's extra instructions)."
           % (" over %s iterations" % "{:,}".format(it) if isinstance(it, int) else ""), ""]
    body = []
    for r in rows:
        t = r.meta["target"]
        m = r.meta
        ref = None
        if m.get("kind") == "syscall":
            ref = run.get("instr/syscall/%s/libc" % m["op"])
        elif m.get("kind") == "helper":
            ref = run.get("instr/%s/libc/%d" % (m["family"], m["bytes"]) + ("/misaligned" if m["misaligned"] else ""))
        elif m.get("kind") == "htons":
            ref = run.get("instr/htons/libc")
        body.append(("`%s`" % t, count(r), "%.2f×" % (r.median / ref.median) if ref is not None and ref.median
                     else "–"))
    out += ["<details><summary>%d rows</summary>" % len(body), "",
            table(("row", "instructions per call", "× libc"), body, right(3)), "", "</details>"]
    return out


def errors_section(run):
    """Every errored row, so none is lost: [] when nothing went wrong."""
    errs = runfolder.errored(run)
    if not errs:
        return []
    return ["## %s Errors" % FLAG, "",
            "These rows were not measured cleanly; their figures are missing or partial below, and "
            "scripts/bench exits 1 for such a run:", ""] + ["- %s %s" % (FLAG, e) for e in errs]


# -- the two files ----------------------------------------------------------------------------

def _sections(run, images):
    """(title, anchor, lines) of every measurement section, in the order both files show them."""
    return [("Accept throughput", "accept-throughput-connection-close", load_section(run, "accept", images)),
            ("Keep-alive", "keep-alive", load_section(run, "keepalive", images)),
            ("Syscall paths", "syscall-paths", syscalls_section(run, images)),
            ("Helpers", "helpers-glibc-as-the-baseline", helpers_section(run, images)),
            ("Process-level cost", "process-level-cost-hyperfine", hyperfine_section(run, images)),
            ("Instruction counts", "instruction-counts-callgrind", counts_section(run, images))]


def summary(run):
    """summary.md: what scripts/bench prints at the end of a run, without plots."""
    m, info = run.machine, run.info
    title = m.get("timestamp_utc") or info.get("started_utc") or os.path.basename(os.path.abspath(run.path))
    out = ["# syspath run %s" % title, "", "**Machine:** " + machine_summary_line(run), ""]
    opts = as_dict(info.get("options"))
    if opts:
        only = [str(o) for o in as_list(opts.get("only"))]
        out += ["Run: %s%s; measuring took %ss. A shared or virtualised machine is noisy: read the "
                "intervals, not just the medians." % ("quick" if opts.get("quick") else "full",
                                                      ", only " + ", ".join(only) if only else "",
                                                      info.get("elapsed_s", "?")), ""]
    heads = headline(run, "accept") + headline(run, "keepalive")
    if heads:
        out += ["## Headline", "",
                "On a 2-core machine conn/s and req/s are usually capped by the client (wrk's "
                "core), so the server's own CPU time per connection or request is the figure "
                "that compares servers; rates are beside it. The comparisons are declared, not "
                "picked: each model's `%s` row against every peer of the run, and asm and raw "
                "against libc per model." % DECLARED_BACKEND, ""] + ["- " + h for h in heads] + [""]
    errs = errors_section(run)
    if errs:
        out += errs + [""]
    for _, _, body in _sections(run, images=False):
        if body:
            out += body + [""]
    notes = [str(n) for n in as_list(info.get("notes"))]
    if notes:
        out += ["## Notes from this run", ""] + ["- " + n for n in notes] + [""]
    lacks = [n for n in run.notes if not n.startswith("no summary")]
    if lacks:
        out += ["## What this folder lacks", ""] + ["- " + n for n in lacks] + [""]
    out += ["The same figures with their plots: [report.md](report.md) (`scripts/plot` and `scripts/report` "
            "write it)."]
    return "\n".join(out).rstrip() + "\n"


def report(run):
    """report.md: every section with its plot, a table of contents, the machine table."""
    out = ["# syspath run `%s`" % run.label, ""]
    sp = as_dict(run.machine.get("syspath"))
    out.append("**Machine:** %s  " % run.machine_line())
    out.append("**Run:** %s%s" % (run.date() or "date unknown",
                                  " · syspath `%s`%s" % (str(sp.get("commit"))[:12], " (dirty tree)" if sp.get("dirty") else "")
                                  if sp.get("commit") else ""))
    out.append("")
    out.append("Written by `scripts/report` from this folder's JSON; every figure is a median with its 95% "
               "interval, every ratio is against a baseline measured in the same run. Compare with another "
               "run or machine: `scripts/compare THIS_FOLDER OTHER_FOLDER`.")
    if os.path.exists(os.path.join(run.path, "summary.md")):
        out.append("The benchmark's own summary is in [summary.md](summary.md).")
    out.append("")
    sections = _sections(run, images=True)
    present = [(t, a) for t, a, body in sections if body]
    if present:
        out.append("Contents: " + " · ".join("[%s](#%s)" % (t, a) for t, a in present) + " · [Machine](#machine)")
        out.append("")
    out += errors_section(run) + ([""] if runfolder.errored(run) else [])
    for _, _, body in sections:
        if body:
            out += body + [""]
    out += machine_section(run) + [""]
    notes = [n for n in run.notes if not n.startswith("no summary")]
    run_notes = [str(n) for n in as_list(run.info.get("notes"))]
    if notes or run_notes:
        out += ["## Notes", ""]
        if run_notes:
            out += ["From the run itself:", ""] + ["- " + n for n in run_notes] + [""]
        if notes:
            out += ["What this run folder does not have (its section is left out) or skipped:", ""]
            out += ["- " + n for n in notes] + [""]
    return "\n".join(out).rstrip() + "\n"


def write(path, text):
    """Write text to path through a temporary file, so a reader never sees half a file."""
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
    return path
