"""scripts/lib/findings_blocks.py — the two blocks scripts/findings writes, rendered from the runs.

  findings_block(by_slug, bad, rel_to)  docs/FINDINGS.md's block: per machine, over its runs,
                                        each figure's median of the runs' medians with the
                                        lowest and the highest run (findings_figures.py lists
                                        the figures and reads each from one run)
  one_run_block(by_slug, rel_to)        README.md's block: the newest full run of the machine
                                        with the most runs, with its intervals and the path
                                        verdicts
  FINDINGS, ONE_RUN                     each block's markers

by_slug is {machine slug: [Run, oldest first]}; rel_to the folder of the file the block goes
into (its links are relative to it). scripts/findings reads the folders and writes the files.
"""
import os

import fmt
import runfolder
import stats
from findings_figures import (DECLARED, DEFAULT_TOPOLOGY, all_path_ratios, helper_figures, helper_lowest,
                              helpers_version, hyperfine_figures, load_method, load_method_words,
                              mix_figures, models_of, others,
                              path_figures, paths_of, pick_reference, server_figures, syscall_figures,
                              topology_figures, budget_figures, uring_figures)

FINDINGS = ("<!-- findings:begin -->", "<!-- findings:end -->")
ONE_RUN = ("<!-- one-run:begin -->", "<!-- one-run:end -->")
NA = "n/a"


# -- over runs --------------------------------------------------------------------------------

def show(v, kind):
    if v is None:
        return NA
    if kind == "x":
        return fmt.num(v) + "×" if v >= 10 else "%.2f×" % v
    if kind == "count" and v == int(v):
        return "{:,d}".format(int(v))
    return fmt.num(v)


def over_runs(runs, kind, get):
    """(median cell, 'lowest – highest' cell, how many runs have it) of a figure over runs."""
    vals = [v for v in (get(r) for r in runs) if v is not None]
    if not vals:
        return NA, NA, 0
    m = show(stats.median(vals), kind)   # the median over runs of each run's median
    spread = "%s – %s" % (show(min(vals), kind), show(max(vals), kind)) if len(vals) > 1 else "one run"
    return m, spread, len(vals)


def compact(runs, kind, get):
    """'0.98× (0.95–1.02)' of a figure over runs, for a table cell."""
    if kind == "ref":
        return "the reference"
    m, spread, n = over_runs(runs, kind, get)
    if n == 0:
        return NA
    return m if n == 1 else "%s (%s)" % (m, spread.replace(" – ", "–").replace("×", ""))


def figure_table(runs, figs):
    n = len(runs)
    rows = []
    for label, kind, get in figs:
        m, spread, k = over_runs(runs, kind, get)
        rows.append([label, m, spread, "%d of %d" % (k, n)])
    return fmt.table(["figure", "median of runs", "lowest – highest run", "runs"], rows,
                     align=fmt.right(4, start=1))


def grid_table(runs, first, groups):
    """One row per group, one column per figure of the group: 'median (lowest–highest)'."""
    head = [first] + [label for label, _, _ in groups[0][1]]
    rows = [[name] + [compact(runs, kind, get) for _, kind, get in figs] for name, figs in groups]
    rows = [r for r in rows if any(c not in (NA, "the reference") for c in r[1:])]
    return fmt.table(head, rows, align=fmt.right(len(head), start=1))


def thresholds_line(runs):
    """Where syspath-calibrate put the crossovers, in how many runs each."""
    L = []
    for fam in ("memset", "memcpy"):
        for k, words in (("rep", "`rep` from"), ("nt", "non-temporal from")):
            seen = {}
            for r in runs:
                c = runfolder.calibration(r).get(fam)
                if not c:
                    continue
                v, end = c.get(k), c.get(k + "_end")
                text = ("≥ " + fmt.fmt_bytes(v) + (" to < " + fmt.fmt_bytes(end) if end else "")
                        if v is not None else
                        "never up to " + fmt.fmt_bytes(c["max"]) if c.get("max") else "never")
                if k == "rep" and c.get("rep2") is not None:     # rep's second window
                    text += " and ≥ " + fmt.fmt_bytes(c["rep2"]) + (
                        " to < " + fmt.fmt_bytes(c["rep2_end"]) if c.get("rep2_end") else "")
                seen[(v is None, v or 0, text)] = seen.get((v is None, v or 0, text), 0) + 1
            if seen:
                L.append("%s %s %s" % (fam, words, ", ".join(
                    "%s (%d run%s)" % (t, n, "" if n == 1 else "s") for (_, _, t), n in sorted(seen.items()))))
    return L


def link(run, rel_to, text=None):
    target = os.path.join(run.path, "report.md")
    target = target if os.path.exists(target) else run.path
    return "[`%s`](%s)" % (text or run.label, os.path.relpath(target, rel_to).replace(os.sep, "/"))


def run_line(run, rel_to):
    sp = runfolder.as_dict(run.machine.get("syspath"))
    commit = str(sp.get("commit"))[:10] + ("+dirty" if sp.get("dirty") else "") if sp.get("commit") else NA
    opts = runfolder.as_dict(run.info.get("options"))
    how = []
    if opts.get("quick"):
        how.append("--quick")
    if opts.get("rounds"):
        how.append("%s rounds" % opts["rounds"])
    if runfolder.as_list(opts.get("only")):
        how.append("only " + ", ".join(str(o) for o in opts["only"]))
    procs = run.microbench_context.get("syspath_processes")
    if isinstance(procs, int) and not isinstance(procs, bool):
        how.append("bench-helpers in %d process%s" % (procs, "" if procs == 1 else "es"))
    if load_method(run):
        how.append("server CPU: " + load_method_words(load_method(run)))
    return "- %s: %s, commit %s%s" % (link(run, rel_to, os.path.basename(run.path)), run.date() or "date unknown",
                                     commit, "; " + ", ".join(how) if how else "")


def machine_section(slug, runs, rel_to):
    n = len(runs)
    L = ["### `%s`" % slug, "", "%s; %d run%s:" % (runs[-1].machine_line(), n, "" if n == 1 else "s"), ""]
    L += [run_line(r, rel_to) for r in runs] + [""]
    # the server figures pool only the runs measured as the reference was: the same load method
    # version in the same topology (findings_figures.pick_reference)
    ref = pick_reference(runs)
    same = [r for r in runs if load_method(r) == ref]
    other = ["`%s`" % os.path.basename(r.path) for r in runs if load_method(r) not in (None, ref)]
    if other:
        L += ["The server figures below are %s; they leave out %s, measured otherwise (each run's "
              "line above says how): not pooled." % (load_method_words(ref), ", ".join(other)), ""]
    # the paths and models are the machine's runs' own rows
    paths, models = paths_of(runs), models_of(runs)
    L += ["#### System calls", "", figure_table(runs, syscall_figures(paths)), ""]
    for kind, title in (("accept", "Server CPU per connection (`Connection: close`)"),
                        ("keepalive", "Server CPU per keep-alive request")):
        L += ["#### %s" % title, "", grid_table(same, "row", server_figures(kind, models)), ""]
    L += ["#### The path on the server rows: server CPU, %s ÷ %s" % (" and ".join(others(paths)), DECLARED), ""]
    heads = []
    for kind in ("accept", "keepalive"):
        heads.append(("accept" if kind == "accept" else "keep-alive", path_figures(kind, paths, models)))
    groups = [(m, [("%s, %s" % (k, lab), kd, get) for k, figs in heads for lab, kd, get in dict(figs)[m]])
              for m in models]
    L += [grid_table(same, "model", groups), ""]
    m, spread, k = over_runs(same, "x", lambda r: min(all_path_ratios(r)) if all_path_ratios(r) else None)
    M, Spread, _ = over_runs(same, "x", lambda r: max(all_path_ratios(r)) if all_path_ratios(r) else None)
    if k:
        L += ["Lowest of those ratios in a run: %s (%s); highest: %s (%s)." % (m, spread, M, Spread), ""]
    L += ["#### io_uring against epoll, and what the exchange costs in counters", "",
          figure_table(same, uring_figures(paths)), ""]
    L += budget_section(same, models)
    L += topology_section(runs, ref, models)
    L += ["#### Helpers against glibc: speed ratio, aligned buffers (> 1× is faster)", "",
          grid_table(runs, "helper", helper_figures()), ""]
    th = thresholds_line(runs)
    if th:
        L += ["Calibrated crossovers (`syspath-calibrate`): " + "; ".join(th) + ".", ""]
    L += mix_section(runs)
    L += ["#### Processes (hyperfine)", "", figure_table(runs, hyperfine_figures(paths)), ""]
    return L


def mix_section(runs):
    """The size mixes, pooled only over the runs of the newest helpers method that has them:
    method 6 drew 32768 calls a pass where 5 drew 1024, which the branch predictor learned."""
    have = [r for r in runs if r.section("helpers-mix")]
    if not have:
        return []
    ref = helpers_version(have[-1])
    same = [r for r in have if helpers_version(r) == ref]
    left = len(have) - len(same)
    return ["#### Helpers on production size mixes: time per call ÷ glibc's (< 1× is faster)", "",
            "Runs of helpers method %s only (%d of the %d with mixes%s)." % (
                ref if ref is not None else "unknown", len(same), len(have),
                "; the others drew their sizes otherwise: not pooled" if left else ""), "",
            grid_table(same, "family, distribution", mix_figures(same)), ""]


def budget_section(same, models):
    """Where the server core's time goes in the reference runs, against the floor and nginx:
    what stands between a server and a lower ratio to nginx."""
    if not any(r.get("accept-cpu/floor") for r in same):
        return []
    L = ["#### Where the server core's time goes", "",
         "Per connection (`Connection: close`) and per keep-alive request: the core's busy time, the "
         "server's own tasks, the rest (kernel work the tasks' clock cannot see: receive softirqs "
         "run while the core was otherwise idle, ksoftirqd), how often the core was entered from "
         "outside (interrupts, NET_RX softirqs), syscalls and segments; the last column is the "
         "ratio to nginx a row would read if its tasks cost nothing.", ""]
    for kind, what in (("accept", "accept, per connection"), ("keepalive", "keep-alive, per request")):
        groups = budget_figures(kind, models)
        L += ["%s:" % what.capitalize(), "", grid_table(same, "row", groups), ""]
    return L


def topology_section(runs, ref, models):
    """The same rows on loopback and in two namespaces, each topology's runs of the reference's
    load method version pooled on its own: where the kernel's receive work is counted moves the
    figures, and this shows by how much. [] unless the machine has runs in both."""
    if ref is None:
        return []
    by_topo = {}
    for r in runs:
        k = load_method(r)
        if k is not None and k[0] == ref[0] and k[1] in ("loopback", "two-netns"):
            by_topo.setdefault(k[1], []).append(r)
    if len(by_topo) < 2:
        return []
    L = ["#### Loopback against two namespaces", "",
         "The same servers, metered the same way (%s), in each topology: on loopback a packet's "
         "receive work runs on the core that sent it, so the server's core carries the client's "
         "receive work and not its own; in two namespaces (RPS) each side's runs on its own core. "
         "Each cell: the median over that topology's runs (%s)." % (
             load_method_words(ref).split(",")[0],
             "; ".join("%s: %s" % (t, ", ".join("`%s`" % os.path.basename(r.path) for r in rs))
                       for t, rs in sorted(by_topo.items()))), ""]
    for kind, what in (("accept", "Accept, per connection"), ("keepalive", "Keep-alive, per request")):
        figs = topology_figures(kind, models)
        head = ["row"] + ["%s: %s" % (t, label) for t in ("loopback", "two-netns") for label, _, _ in figs[0][1]]
        body = []
        for name, cells in figs:
            line = [name] + [compact(by_topo[t], kd, get) for t in ("loopback", "two-netns") for _, kd, get in cells]
            if any(c not in (NA, "the reference") for c in line[1:]):
                body.append(line)
        L += ["%s:" % what, "", fmt.table(head, body, align=fmt.right(len(head), start=1)), ""]
    return L


def findings_block(by_slug, bad, rel_to):
    L = [FINDINGS[0], "<!-- written by scripts/findings from the committed run folders: do not edit by hand -->",
         ""]
    if not by_slug:
        L += ["No run folders yet: `scripts/bench` makes one.", ""]
    for slug in sorted(by_slug, key=lambda s: (-len(by_slug[s]), s)):
        L += machine_section(slug, by_slug[slug], rel_to)
    if bad:
        L += ["Folders that could not be read:", ""] + ["- %s" % fmt.cell(b) for b in bad] + [""]
    L.append(FINDINGS[1])
    return "\n".join(L)


# -- one run, with its intervals --------------------------------------------------------------

def with_ci(row, unit):
    if row is None or row.median is None:
        return NA
    lo, hi = row.ci
    text = "%s %s" % (fmt.num(row.median), unit)
    return text + (" [%s, %s]" % (fmt.num(lo), fmt.num(hi)) if lo is not None and hi is not None else "")


def paired(ref, row):
    """(ratio, ci95, ci90) of row ÷ ref over rounds measured together; unpaired when the rounds differ."""
    a, b = ref.values, row.values
    if len(a) == len(b) and len(a) >= stats.MIN_ROUNDS:
        r, lo, hi = stats.paired_ratio_ci(a, b)
        _, lo90, hi90 = stats.paired_ratio_ci(a, b, conf=stats.EQUIV_CONF)
    else:
        r, lo, hi = stats.ratio_ci(a, b)
        _, lo90, hi90 = stats.ratio_ci(a, b, conf=stats.EQUIV_CONF)
    return r, (lo, hi), (lo90, hi90)


def path_verdicts(run):
    """The declared path comparisons on the server rows (every other path ÷ libc, server CPU, every
    model, each load kind its own family): {word: count} and the largest minimum detectable change."""
    counts, mdc = {}, None
    margin = stats.margin_for("load")
    for kind in ("accept", "keepalive"):
        fam = []
        for m in models_of([run]):
            ref = run.get("%s-cpu/%s/%s" % (kind, DECLARED, m))
            for p in others(paths_of([run])):
                row = run.get("%s-cpu/%s/%s" % (kind, p, m))
                if ref is None or row is None:
                    continue
                r, ci95, ci90 = paired(ref, row)
                p_raw = stats.mann_whitney_p(ref.values, row.values, method=stats.u_method(ref.values, row.values))
                if len(ref.values) < stats.MIN_ROUNDS or len(row.values) < stats.MIN_ROUNDS:
                    p_raw = None
                fam.append((r, ci95, ci90, p_raw))
        qs = stats.bh_adjust([f[3] for f in fam])
        for (r, ci95, ci90, _), q in zip(fam, qs):
            word, _ = stats.judge(r, ci95, ci90, q, margin)
            counts[word] = counts.get(word, 0) + 1
            if word == stats.UNDETERMINED:
                d = stats.min_detectable(r, *ci95)
                mdc = d if mdc is None or (d is not None and d > mdc) else mdc
    return counts, margin, mdc


def load_line(run, kind, what):
    per = "connection" if kind == "accept" else "request"
    nginx = run.get("%s-cpu/nginx" % kind)
    parts = []
    for m in ("epoll", "uring"):
        row = run.get("%s-cpu/%s/%s" % (kind, DECLARED, m))
        if row is None:
            continue
        text = "`%s/%s` %s" % (DECLARED, m, with_ci(row, "µs"))
        if nginx is not None:
            r, ci95, _ = paired(nginx, row)
            text += ", ratio to nginx %s" % fmt.ratio_with_ci(r, *ci95)
        parts.append(text)
    if not parts:
        return []
    ref = " (nginx %s)" % with_ci(nginx, "µs") if nginx is not None else ""
    return ["- **%s**: server CPU per %s: %s%s." % (what, per, "; ".join(parts), ref)]


def one_run_block(by_slug, rel_to):
    L = [ONE_RUN[0], "<!-- written by scripts/findings from the newest run of the machine with the most runs: "
                     "do not edit by hand -->", ""]
    if not by_slug:
        L += ["No run folders yet: `scripts/bench` makes one.", "", ONE_RUN[1]]
        return "\n".join(L)
    slug = sorted(by_slug, key=lambda s: (-len(by_slug[s]), -_newest_key(by_slug[s]), s))[0]
    run = newest_full(by_slug[slug])
    opts = runfolder.as_dict(run.info.get("options"))
    how = "%s rounds" % opts["rounds"] if opts.get("rounds") else "rounds unknown"
    L += ["%s (%s, %s; %s): medians with their 95%% intervals; a ratio's rows were measured in the same "
          "rounds." % (link(run, rel_to), run.machine_line(), run.date() or "date unknown", how), ""]
    paths = paths_of([run])
    g = [run.get("syscall/getppid/%s" % p) for p in paths]
    if any(g):
        L.append("- **The null syscall** `getppid`: %s." % ", ".join(
            "%s %s" % (p, with_ci(r, "ns")) for p, r in zip(paths, g)))
    L += load_line(run, "accept", "Accepting connections") + load_line(run, "keepalive", "Keep-alive")
    counts, margin, mdc = path_verdicts(run)
    if counts:
        order = (stats.EQUIVALENT, stats.DIFFERENT, stats.UNDETERMINED, stats.UNTESTED)
        words = ", ".join("%d %s" % (counts[w], w + (" within ±%.0f%%" % (margin * 100) if w == stats.EQUIVALENT
                                                     else "")) for w in order if counts.get(w))
        L.append("- **%s against %s** on the server rows (server CPU, every model, %d comparisons): "
                 "%s%s." % (" and ".join(others(paths)), DECLARED, sum(counts.values()), words,
                            "; the largest change an undetermined one could have detected: %.0f%%" % (mdc * 100)
                            if mdc is not None else ""))
    hl = []
    for fam in ("memset", "memcpy"):
        lo, hi = helper_lowest(run, fam, "auto"), helper_lowest(run, fam, "auto", highest=True)
        if lo is not None:
            hl.append("`%s/auto` %s–%s" % (fam, show(lo, "x"), show(hi, "x")))
    if hl:
        L.append("- **Helpers** against glibc, speed over every size and alignment: " + ", ".join(hl) + ".")
    png = os.path.join(run.path, "accept.png")
    if os.path.exists(png):
        L += ["", "![accept: server CPU per connection](%s)" % os.path.relpath(png, rel_to).replace(os.sep, "/")]
    L += ["", ONE_RUN[1]]
    return "\n".join(L)


def newest_full(runs):
    """The newest run that measured every part (no --only), in the default topology where one
    is; else the newest run."""
    full = [r for r in runs if not runfolder.as_list(runfolder.as_dict(r.info.get("options")).get("only"))]
    default = [r for r in full if (load_method(r) or (None, None))[1] == DEFAULT_TOPOLOGY]
    return (default or full or runs)[-1]


def _newest_key(runs):
    return max(int("".join(ch for ch in os.path.basename(r.path) if ch.isdigit()) or 0) for r in runs)
