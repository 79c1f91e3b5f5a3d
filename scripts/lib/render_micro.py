"""scripts/lib/render_micro.py — the sections of microbench.json (syscall paths, helpers),
hyperfine-*.json (process runs) and counts.json (callgrind), each against its baseline."""
import fmt
import runfolder
from fmt import FLAG, num, order_key, right, table
from render_cells import count, image, images as _images, ratio_cell, short_ratio, with_ci
from render_mix import align_section, mix_section


# what a bold cell of these tables means: one cell's own test, no family correction (these
# tables are read cell by cell; the declared comparisons are the corrected ones)
BOLD_RULE = ("significantly faster than the reference: the 95%% interval of the ratio entirely %s 1× "
             "and the Mann-Whitney p of the repetitions < 0.05, uncorrected.")


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
    out += _wake_sentence(run)
    ctx = run.microbench_context
    said = ["%s: %s" % (what, ctx[key]) for key, what in (("clocksource", "clocksource"),
                                                          ("int80", "`int 0x80`"))
            if isinstance(ctx.get(key), str) and ctx[key]]
    if said:
        out += ["", "This run's " + "; ".join(said) + "."]
    out += ["", "<sub>Medians over google-benchmark repetitions with 95% bootstrap intervals. "
            "`clock_gettime` is compared with its own raw syscall (vDSO against a kernel entry); "
            "`nop/indirect` is a call through the table that enters no kernel: the interface's own cost. "
            + ("`wake_*/eventfd`: ns per round trip with a partner thread blocked on an eventfd. "
               if any(r.meta["op"].startswith("wake_") for r in sysr) else "")
            + "**Bold**: " + BOLD_RULE % "below" + "</sub>"]
    return _images(out, images, run, "syscalls")


def _wake_sentence(run):
    """What waking another CPU costs on this machine, from the two eventfd round trips; [] when
    either is missing."""
    other, same = run.get("syscall/wake_other_cpu/eventfd"), run.get("syscall/wake_same_cpu/eventfd")
    if not other or not same or not other.median or not same.median:
        return []
    return ["", "A round trip with a thread blocked on an eventfd takes **%s µs** with that thread "
            "on another CPU and %s µs on the same CPU (two context switches, no IPI): each "
            "cross-CPU wake-up costs about **%s µs** more here, medians apart. A server pays it per "
            "packet handed to the other CPU (RPS) and per wake-up of its idle core."
            % (num(other.median / 1000), num(same.median / 1000),
               num((other.median - same.median) / 2000))]


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
    return s + (" (\"Matches\": not significantly slower — its ratio to glibc not judged different and "
                "lower — at that size and every larger one.)")


def helpers_section(run, images=True):
    rows = run.section("helpers")
    hrows = run.section("htons")
    if not rows and not hrows and not run.section("helpers-mix") and not run.section("helpers-align"):
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
        paired = sorted({r.meta["variant"] for r in rows if r.meta["family"] == fam and r.meta.get("vs_libc")},
                        key=order_key(fmt.VARIANT_ORDER))
        out += ["", "<sub>Each variant's throughput ÷ glibc's at that size (> 1× is faster); **bold**: " +
                BOLD_RULE % "above" + " n/a: not measured (e.g. the CPU lacks the instructions)." +
                ("".join(" `%s` ran in one loop with glibc, pass for pass on the same buffer: its ratio is the "
                         "median over repetitions of glibc's time over its own there, and the test the "
                         "signed-rank test of those ratios." % v for v in paired)) + "</sub>", ""]
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
                "", "<sub>Over an array of values; ns per value. **Bold**: " + BOLD_RULE % "below" + "</sub>", ""]
    out += mix_section(run) + align_section(run)
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

