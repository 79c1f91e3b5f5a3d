#!/usr/bin/python3
"""scripts/lib/bench_summary.py — summary.md of one run folder, from its JSON alone.

Written by scripts/bench at the end of a run (and after an interruption);
`/usr/bin/python3 scripts/lib/bench_summary.py RUN_DIR` rebuilds it.

What it says, in order: the machine in one line; the headline (server CPU per
connection / request of the best syspath row against nginx, beside conn/s and
req/s, with the suite's targets); every server row with median, 95% interval,
ratios to nginx, server and wrk CPU % and which side was saturated; flagged
rows; the syscall paths against libc; the helpers against glibc; instruction
counts; the hyperfine process runs; what was skipped and why.

Ratios are always to a baseline measured in the same run: nginx for servers,
libc for syscall paths, glibc for helpers, the dynamic glibc hello and the
libc backend for process runs. Intervals come from scripts/lib/stats.py
(bootstrap over rounds or repetitions). Missing files are skipped; unknown
keys are ignored (old run folders keep working).
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stats  # noqa: E402

TARGETS = {  # the suite's targets for the best syspath row, as ratios to nginx
    "accept": {"cpu": 0.5, "rate": 1.2},
    "keepalive": {"cpu": 0.6},
}


def load(run_dir, name):
    try:
        with open(os.path.join(run_dir, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


# -- formatting ---------------------------------------------------------------

def num(v, digits=3):
    """Readable number with about `digits` significant digits."""
    if v is None:
        return "–"
    a = abs(v)
    if a >= 1e6:
        return "%.*fM" % (max(0, digits - len(str(int(a / 1e6)))), v / 1e6)
    if a >= 1e4:
        return "%.*fk" % (max(0, digits - len(str(int(a / 1e3)))), v / 1e3)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3g" % v


def ci(pair):
    if not pair or pair[0] is None:
        return "–"
    return "%s–%s" % (num(pair[0]), num(pair[1]))


def ratio(r):
    """'0.42× (0.40–0.45)' from stats.ratio_ci's (ratio, lo, hi)."""
    if not r or r[0] is None:
        return "–"
    if r[1] is None or r[1] == r[2]:
        return "%.2f×" % r[0]
    return "%.2f× (%.2f–%.2f)" % r


def pct(v):
    return "–" if v is None else "%.0f%%" % v


def table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# -- sections -----------------------------------------------------------------

def machine_line(m):
    if not m:
        return "machine: unknown (no machine.json)"
    cpu = m.get("cpu", {})
    flags = [k for k, v in (cpu.get("flags") or {}).items() if v]
    sw = m.get("software", {})
    git = m.get("syspath", {})
    parts = [
        "%s (%s)" % (cpu.get("model_name", "?"), cpu.get("microarch", "?")),
        "%s cores / %s threads" % (cpu.get("cores", "?"), cpu.get("threads", "?")),
        " ".join(flags) or "no erms/avx2",
        "Linux %s" % m.get("kernel", {}).get("release", "?"),
    ]
    if m.get("virtualization"):
        parts.append(m["virtualization"])
    parts.append("io_uring %s" % m.get("io_uring", "?"))
    parts.append("glibc %s, gcc %s, nginx %s" % (sw.get("glibc"), sw.get("gcc"), sw.get("nginx")))
    if git.get("commit"):
        parts.append("syspath %s%s" % (git["commit"][:10], " (dirty)" if git.get("dirty") else ""))
    return " · ".join(parts)


def _rows_by_name(doc):
    return {r.get("name"): r for r in (doc or {}).get("rows", []) if r.get("name")}


def load_section(doc, mode):
    """(headline lines, section text) for accept.json / keepalive.json."""
    if not doc:
        return [], None
    cpu_key = "server_cpu_us_per_conn" if mode == "accept" else "server_cpu_us_per_req"
    per = "conn" if mode == "accept" else "req"
    unit = doc.get("unit", "conn/s" if mode == "accept" else "req/s")
    rows = doc.get("rows", [])
    base = _rows_by_name(doc).get("nginx")
    lines = []
    head = ["row", unit, "95% CI", "× nginx", "server CPU µs/%s" % per, "× nginx",
            "server CPU", "wrk CPU", "saturated", "errors", "note"]
    body = []
    for r in rows:
        err = r.get("errors") or {}
        nerr = sum(v for v in err.values() if isinstance(v, (int, float)))
        err_txt = "%d (%s)" % (nerr, ", ".join("%s %d" % (k, v) for k, v in err.items() if v)) \
            if nerr else "0"
        rr = rc = None
        if base and r is not base:
            rr = stats.ratio_ci(base.get("rounds") or [], r.get("rounds") or [])
            rc = stats.ratio_ci(base.get("server_cpu_us_rounds") or [],
                                r.get("server_cpu_us_rounds") or [])
        name = r.get("name", "?") + (" ⚠" if r.get("flagged") else "")
        body.append([name, num(r.get("median")), ci(r.get("ci95")),
                     ratio(rr) if rr else ("baseline" if r is base else "–"),
                     num(r.get(cpu_key)), ratio(rc) if rc else ("baseline" if r is base else "–"),
                     pct(r.get("server_cpu_pct")), pct(r.get("client_cpu_pct")),
                     r.get("saturated", "–"), err_txt, r.get("note") or ""])
    text = [table(head, body)]
    pin = doc.get("pinning") or {}
    wrk = doc.get("wrk") or {}
    text.append("")
    text.append("wrk -t%s -c%s -d%gs%s; %s counted round(s) per row after %s warm-up round "
                "(%s), rows interleaved; server on CPU %s, wrk on CPU %s. "
                "\"saturated\": a side using ≥ %g%% of its core."
                % (wrk.get("threads"), wrk.get("connections"), wrk.get("duration_s") or 0,
                   " -H 'Connection: close'" if mode == "accept" else "",
                   doc.get("rounds"), doc.get("warmup_rounds", 1), doc.get("warmup", "wrk"),
                   pin.get("server_cpus"), pin.get("client_cpus"),
                   doc.get("saturated_threshold_pct", 85)))
    text.append("\"neither\" means both sides stayed below that: the pair was latency-bound "
                "(one connection at a time) or the CPUs were shared with other work during the "
                "run; server CPU per %s does not depend on that." % per)
    if pin.get("note"):
        text.append("\n" + pin["note"])
    if doc.get("complete") is False:
        text.append("\n**Incomplete:** the run was interrupted; the rounds above are the ones "
                    "that finished.")
    for s in doc.get("skipped") or []:
        text.append("\n- skipped %s: %s" % (s.get("name"), s.get("why")))
    flagged = [r for r in rows if r.get("flagged")]
    if flagged:
        text.append("\n**Flagged rows** (errors are results, not averaged away):")
        for r in flagged:
            text.append("- %s: errors %s; %s" % (r.get("name"), r.get("errors"), r.get("note") or ""))

    # headline: the best syspath row by server CPU, and by rate
    ours = [r for r in rows if r.get("server") in ("syspath", "syspath-asm-server")
            and r.get(cpu_key) is not None and not r.get("flagged")]
    if ours and base and base.get(cpu_key):
        best = min(ours, key=lambda r: r[cpu_key])
        rc = stats.ratio_ci(base.get("server_cpu_us_rounds") or [],
                            best.get("server_cpu_us_rounds") or [])
        tgt = TARGETS[mode]["cpu"]
        lines.append("- **%s: server CPU per %s** — best %s %s µs vs nginx %s µs = **%s** "
                     "(target ≤ %.1f×: %s)"
                     % (mode, "connection" if mode == "accept" else "request", best["name"],
                        num(best[cpu_key]), num(base[cpu_key]), ratio(rc), tgt,
                        "met" if rc[0] is not None and rc[0] <= tgt else "not met"))
        fastest = max(ours, key=lambda r: r.get("median") or 0)
        rr = stats.ratio_ci(base.get("rounds") or [], fastest.get("rounds") or [])
        tgt = TARGETS[mode].get("rate")
        lines.append("- **%s: %s** — best %s %s vs nginx %s = **%s**%s; saturated side: "
                     "%s for %s, %s for nginx"
                     % (mode, unit, fastest["name"], num(fastest.get("median")),
                        num(base.get("median")), ratio(rr),
                        " (target ≥ %.1f×: %s)" % (tgt, "met" if rr[0] and rr[0] >= tgt
                                                   else "not met") if tgt else "",
                        fastest.get("saturated"), fastest["name"], base.get("saturated")))
    elif ours:
        lines.append("- %s: no nginx row in this run, so no ratios" % mode)
    return lines, "\n".join(text)


def _bench_series(micro):
    """{name: {"t": [ns...], "bps": [...], "ips": [...], "agg": {median row}}} from
    google-benchmark JSON (per-repetition rows; a single run counts as one)."""
    out = {}
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
    for b in (micro or {}).get("benchmarks", []):
        if b.get("error_occurred"):
            continue
        name = b.get("run_name") or b.get("name")
        s = out.setdefault(name, {"t": [], "bps": [], "ips": []})
        if b.get("run_type") == "aggregate":
            continue
        f = scale.get(b.get("time_unit", "ns"), 1.0)
        s["t"].append(b.get("real_time", 0) * f)
        if "bytes_per_second" in b:
            s["bps"].append(b["bytes_per_second"])
        if "items_per_second" in b:
            s["ips"].append(b["items_per_second"])
    return {k: v for k, v in out.items() if v["t"]}


def syscalls_section(series):
    rows = {k: v for k, v in series.items() if k.startswith(("syscall/", "uring/"))}
    if not rows:
        return None
    paths = ("asm", "raw", "libc")
    # the struct sp_sys ops in the order bench-syscalls defines them, then any new one
    known = ["getppid", "close_badfd", "write_devnull", "read_devzero", "socket_close",
             "accept_eagain"]
    ops = [op for op in known if "syscall/%s/libc" % op in rows]
    ops += sorted({k.split("/")[1] for k in rows if k.startswith("syscall/") and
                   k.endswith("/libc") and k.count("/") == 2} - set(ops))
    body = []
    for op in ops:
        cells = [op]
        libc = rows.get("syscall/%s/libc" % op)
        for p in paths:
            s = rows.get("syscall/%s/%s" % (op, p))
            cells.append(num(stats.median(s["t"])) if s else "–")
        for p in ("asm", "raw"):
            s = rows.get("syscall/%s/%s" % (op, p))
            cells.append(ratio(stats.ratio_ci(libc["t"], s["t"])) if s and libc else "–")
        body.append(cells)
    text = ["ns per call (median of repetitions); ratio = time ÷ libc's time, < 1 is faster.", "",
            table(["op", "asm ns", "raw ns", "libc ns", "asm × libc", "raw × libc"], body)]
    other = []
    for k, s in sorted(rows.items()):
        parts = k.split("/")
        if len(parts) == 3 and parts[0] == "syscall" and parts[1] in ops and parts[2] in paths:
            continue
        t = stats.median(s["t"])
        m = re.search(r"batch(\d+)$", k)
        per_op = t / int(m.group(1)) if m else t      # io_uring: a batch is N NOPs
        other.append([k, num(t), num(per_op)])
    if other:
        text += ["", table(["benchmark", "ns per iteration", "ns per operation"], other)]
    return "\n".join(text)


def helpers_section(series):
    fams = {}
    for k, s in series.items():
        parts = k.split("/")
        if parts[0] in ("memset", "strlen", "memcpy") and len(parts) >= 3:
            size = parts[2] + ("/misaligned" if len(parts) > 3 else "")
            fams.setdefault(parts[0], {}).setdefault(size, {})[parts[1]] = s
        elif parts[0] == "htons" and len(parts) == 2:
            fams.setdefault("htons", {}).setdefault("4096 values", {})[parts[1]] = s
    if not fams:
        return None
    text = ["GB/s (median of repetitions) and, below it, the speed ratio to glibc's "
            "(> 1 is faster); htons: ns per value. From google-benchmark's bytes/s and "
            "items/s counters (CPU time)."]

    def size_key(sz):
        m = re.match(r"(\d+)", sz)
        return (sz.endswith("misaligned"), int(m.group(1)) if m else 0)

    for fam in ("memset", "strlen", "memcpy", "htons"):
        if fam not in fams:
            continue
        sizes = sorted(fams[fam], key=size_key)
        variants = []
        for sz in sizes:
            for v in fams[fam][sz]:
                if v not in variants:
                    variants.append(v)
        # the baseline first, then the canonical order below (stable whatever order the
        # interleaved repetitions were written in), then anything new
        canon = ["libc", "libc_erms", "rep_stosb", "repne_scasb", "rep_movsb", "tutorial",
                 "loop", "word", "swar", "rol", "bswap", "builtin", "sse2", "avx2", "avx512",
                 "nt", "auto"]
        variants.sort(key=lambda v: (canon.index(v) if v in canon else len(canon), v))
        body = []
        for sz in sizes:
            cells = [sz]
            base = fams[fam][sz].get("libc")
            for v in variants:
                s = fams[fam][sz].get(v)
                if not s:
                    cells.append("–")
                    continue
                # both the value and the ratio from google-benchmark's rate counters
                # (items/s, bytes/s), so a cell never mixes CPU and wall time
                key = "ips" if fam == "htons" else "bps"
                med = stats.median(s[key])
                bmed = stats.median(base[key]) if base else None
                if med is None:
                    val = None
                else:
                    val = 1e9 / med if fam == "htons" else med / 1e9
                r = (med / bmed,) if med and bmed and v != "libc" else None
                cells.append(num(val) + ("<br>%.2f×" % r[0] if r and r[0] else ""))
            body.append(cells)
        text += ["", "### %s" % fam, "", table(["size"] + variants, body)]
    return "\n".join(text)


def counts_section(doc):
    if not doc or not doc.get("rows"):
        return None
    rows = doc["rows"]
    ipc = {r.get("name"): r.get("instructions_per_call") for r in rows if r.get("name")}
    text = ["User-space instructions per call (callgrind, %s iterations; exact and repeatable: "
            "the kernel's own instructions are not counted)." % doc.get("iterations", "?")]
    paths = ("asm", "raw", "libc")
    ops = []
    for k in ipc:
        p = k.split("/")
        if len(p) == 3 and p[0] == "syscall" and p[2] in paths and p[1] not in ops and \
                "syscall/%s/libc" % p[1] in ipc:
            ops.append(p[1])
    if ops:
        body = [[op] + [num(ipc.get("syscall/%s/%s" % (op, p))) for p in paths] for op in ops]
        text += ["", table(["op"] + list(paths), body)]
    other = [[k, num(v)] for k, v in ipc.items() if k.startswith(("syscall/", "uring/")) and
             not (k.count("/") == 2 and k.split("/")[1] in ops and k.split("/")[2] in paths)]
    if other:
        text += ["", table(["row", "instructions per call"], other)]
    helpers = [[k, num(v)] for k, v in ipc.items() if not k.startswith(("syscall/", "uring/"))]
    if helpers:
        text += ["", "<details><summary>helpers: %d rows</summary>" % len(helpers), "",
                 table(["row", "instructions per call"], helpers), "", "</details>"]
    return "\n".join(text)


def hyperfine_section(hello, serve):
    text = []
    for doc, title, base_name, per in ((hello, "Hello world as a process (hyperfine -N)",
                                        "syspath-hello-glibc", None),
                                       (serve, "Serve N sequential connections, then exit",
                                        "libc", "conn")):
        if not doc or not doc.get("results"):
            continue
        res = doc["results"]

        def label(r):
            return (r.get("parameters") or {}).get("backend") or r.get("command", "?")
        base = next((r for r in res if label(r) == base_name or
                     r.get("command") == base_name), None)
        body = []
        for r in res:
            times = r.get("times") or []
            rr = stats.ratio_ci(base.get("times") or [], times) if base and r is not base else None
            body.append([label(r), "%.3f ± %.3f" % (r.get("mean", 0) * 1e3,
                                                    (r.get("stddev") or 0) * 1e3),
                         "%.3f" % ((r.get("median") or 0) * 1e3),
                         "%.3f / %.3f" % ((r.get("user") or 0) * 1e3, (r.get("system") or 0) * 1e3),
                         len(times), ratio(rr) if rr else ("baseline" if r is base else "–")])
        text += ["### %s" % title, "", table(["command", "mean ± sd ms", "median ms",
                                               "user / sys ms", "runs",
                                               "× %s (median time)" % base_name], body), ""]
    return "\n".join(text) if text else None


def write(run_dir):
    m = load(run_dir, "machine.json")
    run = load(run_dir, "run.json") or {}
    acc, ka = load(run_dir, "accept.json"), load(run_dir, "keepalive.json")
    micro = load(run_dir, "microbench.json")
    series = _bench_series(micro)
    out = ["# syspath run %s" % ((m or {}).get("timestamp_utc") or run.get("started_utc") or
                                 os.path.basename(os.path.abspath(run_dir))), "",
           "**Machine:** " + machine_line(m), ""]
    opts = run.get("options") or {}
    if opts:
        out += ["Run: %s%s; measuring took %ss. A shared or virtualised machine is noisy: read the "
                "intervals, not just the medians." % (
                    "quick" if opts.get("quick") else "full",
                    ", only " + ", ".join(opts["only"]) if opts.get("only") else "",
                    run.get("elapsed_s", "?")), ""]
    head_a, sec_a = load_section(acc, "accept")
    head_k, sec_k = load_section(ka, "keepalive")
    if head_a or head_k:
        out += ["## Headline", "",
                "On a 2-core machine conn/s and req/s are usually capped by the client (wrk's "
                "core), so the server's own CPU time per connection or request is the figure "
                "that compares servers; rates are beside it.", ""] + head_a + head_k + [""]
    if sec_a:
        out += ["## Accept throughput (every request a new connection)", "", sec_a, ""]
    if sec_k:
        out += ["## Keep-alive", "", sec_k, ""]
    s = syscalls_section(series)
    if s:
        out += ["## Syscall paths (bench-syscalls)", "", s, ""]
    h = helpers_section(series)
    if h:
        out += ["## Helpers against glibc (bench-helpers)", "", h, ""]
    c = counts_section(load(run_dir, "counts.json"))
    if c:
        out += ["## Instruction counts", "", c, ""]
    hy = hyperfine_section(load(run_dir, "hyperfine-hello.json"),
                           load(run_dir, "hyperfine-serve.json"))
    if hy:
        out += ["## Process runs (hyperfine)", "", hy]
    notes = run.get("notes") or []
    if notes:
        out += ["## Notes from this run", ""] + ["- " + n for n in notes] + [""]
    path = os.path.join(run_dir, "summary.md")
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(out).rstrip() + "\n")
    os.replace(path + ".tmp", path)
    return path


def main(argv):
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        sys.stdout.write("usage: bench_summary.py RUN_DIR\n\nRewrites RUN_DIR/summary.md from "
                         "the run folder's JSON.\n")
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    if not os.path.isdir(argv[0]):
        sys.stderr.write("bench_summary: %s is not a run folder\n" % argv[0])
        return 2
    print(write(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
