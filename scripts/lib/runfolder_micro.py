"""scripts/lib/runfolder_micro.py — the rows of microbench.json (google-benchmark), counts.json
(callgrind) and hyperfine-*.json, named as runfolder.py's docstring lists them."""
import os
import re

from runfolder_core import Row, as_dict, as_list, is_num as _is_num

# Families whose benchmark names are <family>/<variant>/<bytes>[/misaligned].
SIZED_FAMILIES = ("memset", "strlen", "memcpy")

_TIME_TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
# bench-helpers' counter on a row timed in the same loop as glibc (micro.h's paired_row: auto's
# rows and every mix row but glibc's): the row's time over glibc's, one a repetition; the
# row's meta["vs_libc"] lists them
PAIRED_COUNTER = "vs_libc"
# google-benchmark appends these to a name when a benchmark sets them itself;
# they say how it was run, not what, so rows match across runs without them.
_GB_SUFFIX = re.compile(r"/(repeats|min_time|min_warmup_time|iterations|threads|real_time|manual_time)(:[^/]*)?$")


# -- microbench.json (google-benchmark JSON) --------------------------------------------------

def canonical_name(bench):
    """The row name of a google-benchmark entry, without aggregate or run-setting suffixes."""
    name = bench.get("run_name")
    if not isinstance(name, str):
        name = str(bench.get("name", ""))
        agg = bench.get("aggregate_name")
        if bench.get("run_type") == "aggregate" and isinstance(agg, str) and name.endswith("_" + agg):
            name = name[: -len(agg) - 1]
    while True:
        stripped = _GB_SUFFIX.sub("", name)
        if stripped == name:
            return name
        name = stripped


def parse_bench_name(name):
    """Split a microbench row name into what the plots group by (a dict, possibly empty)."""
    parts = name.split("/")
    fam = parts[0]
    if fam in SIZED_FAMILIES and len(parts) == 4 and parts[2] == "mix":
        # sizes drawn from a production distribution, 32768 calls an iteration (1024 before
        # helpers method 6; bench_helpers.cc)
        return {"kind": "mix", "family": fam, "variant": parts[1], "dist": parts[3]}
    if fam in SIZED_FAMILIES and len(parts) == 5 and parts[2] == "align" and parts[3].isdigit():
        # the alignment sweep: dist<d> is (dst - src) & 0xFFF, dst<k> dst's misalignment
        return {"kind": "align", "family": fam, "variant": parts[1], "bytes": int(parts[3]),
                "placement": parts[4]}
    if fam in SIZED_FAMILIES and len(parts) >= 3 and parts[2].isdigit():
        return {"kind": "helper", "family": fam, "variant": parts[1], "bytes": int(parts[2]),
                "misaligned": "misaligned" in parts[3:]}
    if fam == "htons" and len(parts) >= 2:
        return {"kind": "htons", "family": "htons", "variant": parts[1]}
    if fam == "syscall" and len(parts) >= 3:
        return {"kind": "syscall", "op": parts[1], "path": parts[2]}
    if fam == "uring" and len(parts) >= 3:
        m = re.match(r"^batch(\d+)$", parts[2])
        return {"kind": "uring", "op": parts[1], "path": parts[2], "batch": int(m.group(1)) if m else None}
    return {"kind": "other"}


def _bench_value(b, meta):
    """(value, unit, higher_is_better) for one google-benchmark entry, or None."""
    scale = _TIME_TO_NS.get(b.get("time_unit", "ns"), 1.0)
    t = b.get("real_time")
    t_ns = t * scale if _is_num(t) else None
    if meta.get("kind") == "mix":
        # time per call, from the calls rate (an iteration is many calls of drawn sizes)
        ips = b.get("items_per_second")
        return (1e9 / ips, "ns/call", False) if _is_num(ips) and ips > 0 else None
    if meta.get("kind") in ("helper", "align"):
        bps = b.get("bytes_per_second")
        if _is_num(bps) and bps > 0:
            return bps / 1e9, "GB/s", True
        if t_ns:
            return meta["bytes"] / t_ns, "GB/s", True
        return None
    # htons over an array, io_uring batches: time per item, from the items rate.
    ips = b.get("items_per_second")
    unit = {"htons": "ns/value", "uring": "ns/op"}.get(meta.get("kind"), "ns/call")
    if meta.get("kind") in ("htons", "uring") and _is_num(ips) and ips > 0:
        return 1e9 / ips, unit, False
    if t_ns is not None:
        return t_ns, unit if meta.get("kind") != "other" else "ns", False
    return None


def helpers_method(doc):
    """How bench-helpers' rows were measured: microbench.json's own "method", else what the file
    proves of itself (helper entries tagged syspath_process: repetitions pooled over processes,
    version 3), else None: a folder that says nothing is unknown, never guessed. Only the helper
    rows' tags count: bench-syscalls' entries are tagged too, and a file without helper rows
    says nothing of how helpers are measured."""
    m = as_dict(doc.get("method"))
    if m:
        return m
    procs = {b.get("syspath_process") for b in as_list(doc.get("benchmarks"))
             if isinstance(b, dict) and b.get("syspath_process") is not None
             and canonical_name(b).split("/")[0] in SIZED_FAMILIES + ("htons",)}
    if procs:
        return {"version": 3, "processes": len(procs),
                "source": "its entries' syspath_process tags"}
    return None


INFERRED = "inferred from its %s (the folder records no method)"


def infer_methods(run):
    """Version 1 of syscalls, counts and hyperfine for a folder written before run.json recorded
    them, from what its own files show of that measurement: bench-syscalls rows (one process,
    as version 1 runs them), counts.json's tool and iterations, each hyperfine file's runs per
    command. A part whose files are absent stays unknown."""
    recorded = as_dict(as_dict(run.info).get("method"))
    if "syscalls" not in recorded and any(n.startswith(("syscall/", "uring/")) for n in run.rows):
        run.part_methods.setdefault("syscalls", {"version": 1, "processes": 1,
                                                 "source": INFERRED % "bench-syscalls rows"})
    if "counts" not in recorded and run.counts.get("tool") == "callgrind":
        run.part_methods.setdefault("counts", {
            "version": run.counts.get("method_version") or 1, "tool": "callgrind",
            "iterations": run.counts.get("iterations"), "source": INFERRED % "counts.json"})
    if "hyperfine" not in recorded and run.hyperfine:
        m = {"version": 1}
        for stem in ("hello", "serve"):
            res = as_list(as_dict(run.hyperfine.get(stem)).get("results"))
            if res and isinstance(res[0], dict) and as_list(res[0].get("times")):
                m[stem + "_runs"] = len(as_list(res[0].get("times")))
        n = _serve_connections(run.path)
        if n is not None:
            m["serve_connections"] = n
        m["source"] = INFERRED % "hyperfine files' runs per command and its log's --count"
        run.part_methods.setdefault("hyperfine", m)


def _serve_connections(path):
    """The one --count N of the serve commands in the run's logs/hyperfine.log, else None."""
    try:
        with open(os.path.join(path, "logs", "hyperfine.log"), errors="replace") as f:
            seen = set(re.findall(r"--count (\d+)", f.read()))
    except OSError:
        return None
    return int(seen.pop()) if len(seen) == 1 else None


def load_microbench(run, doc):
    if not isinstance(doc, dict):
        run.notes.append("microbench.json: not an object, ignored")
        return
    run.microbench_context = as_dict(doc.get("context"))
    run.part_methods["helpers"] = helpers_method(doc)
    groups = {}   # name -> {"values": [...], "median": agg, "meta", "unit", "hib", "error"}
    for b in as_list(doc.get("benchmarks")):
        if not isinstance(b, dict):
            continue
        name = canonical_name(b)
        if not name:
            continue
        g = groups.get(name)
        if g is None:   # a row's repetitions and aggregates share its name: parsed once
            g = groups[name] = {"values": [], "agg_median": None, "meta": parse_bench_name(name), "unit": None,
                                "hib": False, "error": None}
        meta = g["meta"]
        if b.get("error_occurred"):
            g["error"] = b.get("error_message") or "error"
            continue
        v = _bench_value(b, meta)
        if v is None:
            continue
        value, g["unit"], g["hib"] = v
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                g["agg_median"] = value
        else:
            g["values"].append(value)
            if _is_num(b.get(PAIRED_COUNTER)):
                # a row timed pass for pass against glibc: its time over glibc's, this repetition
                g.setdefault("vs_libc", []).append(b[PAIRED_COUNTER])
    for name, g in groups.items():
        kind = g["meta"].get("kind")
        section = {"helper": "helpers", "htons": "htons", "mix": "helpers-mix", "align": "helpers-align",
                   "syscall": "syscalls",
                   "uring": "syscalls"}.get(kind, "microbench")
        if g["error"]:
            # a failed setup or result check: an error to show, not a row to drop
            run.errors.append({"section": section, "name": name, "why": g["error"],
                               "partial": bool(g["values"])})
        if not g["values"] and g["agg_median"] is None:
            continue
        # The median of the repetitions when there are any; the file's own median
        # aggregate only when it kept nothing else (--benchmark_report_aggregates_only).
        values = g["values"] or [g["agg_median"]]
        meta = dict(g["meta"], vs_libc=g["vs_libc"]) if g.get("vs_libc") else g["meta"]
        run._add(Row(name, section, g["unit"], values, higher_is_better=g["hib"], meta=meta))


# -- counts.json (callgrind) ------------------------------------------------------------------

def load_counts(run, doc):
    run.counts = as_dict(doc)
    for s in as_list(as_dict(doc).get("skipped")):
        if isinstance(s, dict):
            run.notes.append("counts: %s not counted (%s)" % (s.get("name", "?"), s.get("reason") or s.get("why") or "?"))
    for r in as_list(as_dict(doc).get("rows")):
        if not isinstance(r, dict) or not isinstance(r.get("name"), str):
            continue
        v = r.get("instructions_per_call")
        if not _is_num(v):
            continue
        meta = dict(parse_bench_name(r["name"]), target=r["name"])
        run._add(Row("instr/" + r["name"], "counts", "instr/call", [v], exact=True, meta=meta))



# -- hyperfine-*.json -------------------------------------------------------------------------

_WRAPPERS = {"taskset", "env", "nice", "chrt", "sh", "bash", "exec", "timeout"}


def hyperfine_command_name(res):
    """A short, stable name for one hyperfine result: its parameters, else its program."""
    params = {k: v for k, v in as_dict(res.get("parameters")).items() if isinstance(v, (str, int, float))}
    if params:
        return ",".join("%s=%s" % (k, params[k]) for k in sorted(params))
    cmd = str(res.get("command", "")).strip()
    words = cmd.split()
    if not words:
        return "?"
    for w in words:
        base = os.path.basename(w)
        if base in _WRAPPERS or w.startswith("-") or re.match(r"^[\d,-]+$", w) or "=" in w:
            continue
        return base
    return os.path.basename(words[0])


def load_hyperfine(run, doc, stem):
    run.hyperfine[stem] = doc
    seen = {}
    for res in as_list(as_dict(doc).get("results")):
        if not isinstance(res, dict):
            continue
        short = hyperfine_command_name(res)
        seen[short] = seen.get(short, 0) + 1
        if seen[short] > 1:
            short = "%s#%d" % (short, seen[short])
        times = [t * 1e3 for t in as_list(res.get("times")) if _is_num(t)]
        median = res.get("median")
        median = median * 1e3 if _is_num(median) else None
        if not times and median is None:
            continue
        codes = [c for c in as_list(res.get("exit_codes")) if c is not None]
        failed = sum(1 for c in codes if c != 0)
        run._add(Row("hyperfine-%s/%s" % (stem, short), "hyperfine", "ms", times, median=median,
                     flagged=failed > 0, meta={"stem": stem, "command": res.get("command"),
                                               "short": short, "failed": failed,
                                               "mean": res.get("mean"), "stddev": res.get("stddev"),
                                               "user": res.get("user"), "system": res.get("system")}))
