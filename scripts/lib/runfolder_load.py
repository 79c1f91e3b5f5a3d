"""scripts/lib/runfolder_load.py — the rows of accept.json and keepalive.json: rate and server
CPU per row, the per-row counters, and the figures later benches add (read through FIGURES)."""
from runfolder_core import MIN_ROUNDS, Row, as_dict, as_list, is_num as _is_num


# -- accept.json, keepalive.json --------------------------------------------------------------

def load_row_name(r):
    """A load row's name: its 'name', else built from server/backend/model (older files)."""
    name = r.get("name")
    if isinstance(name, str) and name:
        return name
    server = r.get("server")
    if server == "nginx":
        return "nginx"
    if server == "syspath-asm-server":
        return "asm-server"
    b, m = r.get("backend"), r.get("model")
    if b or m:
        return "%s/%s" % (b or "?", m or "?")
    return None


# The figures later benches add to a load row, each read here alone: a figure's JSON key is
# named once, so a rename is one line. {figure: (key in accept.json, key in keepalive.json)}.
# A folder without the key gives None, which the tables print as "unknown", never a guess.
FIGURES = {
    # the server core's busy time per connection / request, from /proc/stat (the headline meter)
    "server_core_us_per_conn": ("server_core_us_per_conn", None),
    "server_core_us_per_req": (None, "server_core_us_per_req"),
    "server_core_busy_pct": ("server_core_busy_pct", "server_core_busy_pct"),     # % of the window
    "server_core_steal_pct": ("server_core_steal_pct", "server_core_steal_pct"),  # % stolen by the host
    # how often the server's core was entered from outside: interrupts (IPIs included) and
    # NET_RX softirqs on it, per connection / request
    "server_core_interrupts_per_conn": ("server_core_interrupts_per_conn", None),
    "server_core_interrupts_per_req": (None, "server_core_interrupts_per_req"),
    "server_core_net_rx_per_conn": ("server_core_net_rx_per_conn", None),
    "server_core_net_rx_per_req": (None, "server_core_net_rx_per_req"),
    "client_core_us_per_conn": ("client_core_us_per_conn", None),            # wrk's core, likewise
    "client_core_us_per_req": (None, "client_core_us_per_req"),
    "client_core_busy_pct": ("client_core_busy_pct", "client_core_busy_pct"),
    # the server's processes' own CPU clock (what server_cpu_us_per_* has always been)
    "server_tasks_us_per_conn": ("server_tasks_us_per_conn", None),
    "server_tasks_us_per_req": (None, "server_tasks_us_per_req"),
    # the core's work the processes' clock cannot see (softirq and the like): core - tasks
    "server_unseen_us_per_conn": ("server_unseen_us_per_conn", None),
    "server_unseen_us_per_req": (None, "server_unseen_us_per_req"),
    "server_bound": ("server_bound", "server_bound"),   # bool: the server core >= 90% busy
    "topology": ("topology", "topology"),               # where server and client ran
}
# run.json's keys for the same run-wide facts
RUN_TOPOLOGY, RUN_METHOD = "topology", "method"


def _figure_value(r, key):
    """A figure from a row: a Row for a number (with its `_rounds` and `_ci95` when the file has
    them), the value for a bool or text, None when absent."""
    if key is None or key not in r:
        return None
    v = r.get(key)
    if isinstance(v, bool) or isinstance(v, str) or isinstance(v, dict):
        return v
    vals = [x for x in as_list(r.get(key + "_rounds")) if _is_num(x)]
    if not _is_num(v) and not vals:
        return None
    return Row(key, "figure", "", vals, median=v if _is_num(v) else None,
               ci=r.get(key + "_ci95") if len(vals) >= MIN_ROUNDS else None)


def _core_profile(p):
    """A row's server_core_profile (scripts/bench --profile) with its numbers checked:
    {"us_per_unit" {key: µs}, "share" {key: fraction}, "busy_samples", "units"}, or None."""
    p = as_dict(p)
    us, share = as_dict(p.get("us_per_unit")), as_dict(p.get("share"))
    if not us or not all(_is_num(v) for v in us.values()) or not _is_num(p.get("busy_samples")):
        return None
    return {"us_per_unit": us, "share": {k: v for k, v in share.items() if _is_num(v)},
            "busy_samples": p["busy_samples"], "units": p.get("units")}


def figure(meta, name):
    """A load row's figure by its FIGURES name (meta: the row's meta): a Row, a bool, text or
    a dict; None when this folder does not have it."""
    return meta.get("figures", {}).get(name)


def topology(run, kind=None):
    """Where the load ran (server and client cores): the load file's own `topology`, else
    run.json's, else None. Text or a dict, as the file has it."""
    doc = getattr(run, kind, None) if kind else None
    for src in (as_dict(doc), as_dict(run.info)):
        t = src.get(RUN_TOPOLOGY)
        if isinstance(t, (str, dict)) and t:
            return t
    return None


def method(run):
    """The run's method versions ({"load": {"version": ...}, "helpers": {...}, ...}): run.json's
    `method`, with each part's own record (microbench.json's) where run.json has none; None for
    a folder written before runs recorded them."""
    m = dict(as_dict(as_dict(run.info).get(RUN_METHOD)))
    for part, pm in getattr(run, "part_methods", {}).items():
        if pm and part not in m:
            m[part] = pm
    return m or None


# What a method entry says of a figure's meaning: its version and the settings that change what a
# figure measures (where the load ran, over how many processes a row's repetitions are pooled,
# how many runs make a hyperfine figure, the counting tool and its iterations). The rest is words
# describing the version (meter, placement, timed...) or where an older folder's entry was read
# from ("source"): two entries with the same identity measure the same thing.
METHOD_IDENTITY = ("version", "topology", "processes", "tool", "iterations", "hello_runs", "serve_runs",
                   "serve_connections")


def method_identity(entry):
    """A method entry reduced to METHOD_IDENTITY (None stays None; a non-dict is kept whole)."""
    if not isinstance(entry, dict):
        return entry
    return {k: entry[k] for k in METHOD_IDENTITY if k in entry}


def same_method(a, b):
    """Whether two entries of one part's method measure the same thing (method_identity)."""
    return method_identity(a) == method_identity(b)


# the per-row counters of a load file, each "<name>_per_conn" / "<name>_per_req"
COUNTERS = ("segments", "ctx_switches", "syscalls", "total_cpu_us", "pair_cpu_us")
COUNTER_UNITS = {"segments": "segments/%s", "ctx_switches": "switches/%s", "syscalls": "syscalls/%s",
                 "total_cpu_us": "µs/%s", "pair_cpu_us": "µs/%s"}


def load_method(doc):
    """How a load file's server CPU was measured, for a file written before run.json recorded
    the load method: what its rows' server_cpu_source say. Version 1: the process CPU clock
    over the window on loopback, every row; version 0: the meters of the first load bench
    (getrusage at the server's exit for syspath rows, schedstat for the peers), which count
    different things. None when the rows do not say."""
    srcs = {r.get("server_cpu_source") for r in as_list(doc.get("rows"))
            if isinstance(r, dict) and isinstance(r.get("server_cpu_source"), str)}
    if not srcs:
        return None
    clock = all(x.startswith("process CPU clock") for x in srcs)
    return {"version": 1 if clock else 0, "topology": "loopback",
            "meter": "the server processes' CPU clock over the window" if clock
            else "per row: " + "; ".join(sorted(x.split(" (")[0] for x in srcs)),
            "source": "the rows' server_cpu_source (the folder records no method)"}


def load_rows(run, doc, kind):
    if not isinstance(doc, dict):
        run.notes.append("%s.json: not an object, ignored" % kind)
        return
    setattr(run, kind, doc)
    if not doc.get("meter") and "load" not in run.part_methods:
        run.part_methods["load"] = load_method(doc)
    unit = doc.get("unit") or ("conn/s" if kind == "accept" else "req/s")
    cpu_key = "server_cpu_us_per_conn" if kind == "accept" else "server_cpu_us_per_req"
    cpu_unit = "µs/conn" if kind == "accept" else "µs/req"
    # The `<kind>-cpu` row is the file's headline meter: the server core's busy time where the
    # file names it (meter.headline), else the server processes' CPU clock of older files.
    headline = as_dict(doc.get("meter")).get("headline")
    core = isinstance(headline, str) and headline != cpu_key
    if core:
        cpu_key = headline
    for r in as_list(doc.get("rows")):
        if not isinstance(r, dict):
            continue
        name = load_row_name(r)
        if not name:
            run.notes.append("%s.json: a row without a name, skipped" % kind)
            continue
        errors = {k: v for k, v in as_dict(r.get("errors")).items() if _is_num(v)}   # counts only
        n_err = sum(errors.values())
        flagged = r.get("flagged")
        if flagged is None:
            flagged = n_err > 0
        sat = r.get("saturated")
        meta = {"server": r.get("server"), "backend": r.get("backend"), "model": r.get("model"),
                "errors": errors, "error_total": n_err, "cpu_pct": r.get("server_cpu_pct"),
                "client_cpu_pct": r.get("client_cpu_pct"), "saturated": sat if isinstance(sat, str) else None,
                "wrk_connections": r.get("wrk_connections"), "label": name,
                "user_share": r.get("server_user_share") if _is_num(r.get("server_user_share")) else None,
                "note": r.get("note") if isinstance(r.get("note"), str) else None}
        if meta["server"] is None and name == "nginx":
            meta["server"] = "nginx"
        per = "conn" if kind == "accept" else "req"
        meta["counters"] = {}
        for c in COUNTERS:
            field = "%s_per_%s" % (c, per)
            vals = [v for v in as_list(r.get(field + "_rounds")) if _is_num(v)]
            if vals or _is_num(r.get(field)):
                ci = r.get(field + "_ci95")
                meta["counters"][c] = Row("%s-%s/%s" % (kind, c, name), kind + "-" + c, COUNTER_UNITS[c] % per,
                                          vals, median=r.get(field), ci=ci if len(vals) >= MIN_ROUNDS else None,
                                          meta={"label": name})
        for k in ("server_cpu_source", "server_user_share_source", "syscalls_note",
                  "server_core_profile_note"):
            meta[k] = r.get(k) if isinstance(r.get(k), str) else None
        meta["rusage_vs_meter_pct"] = r.get("rusage_vs_meter_pct") if _is_num(r.get("rusage_vs_meter_pct")) else None
        meta["core_profile"] = _core_profile(r.get("server_core_profile"))
        meta["failed_rounds"] = r.get("failed_rounds") if _is_num(r.get("failed_rounds")) else 0
        side = 0 if kind == "accept" else 1
        meta["figures"] = {f: _figure_value(r, keys[side]) for f, keys in FIGURES.items()}
        rounds = as_list(r.get("rounds"))
        cpu_rounds = as_list(r.get(cpu_key + "_rounds" if core else "server_cpu_us_rounds"))
        if core:
            meta["server_cpu_source"] = r.get("server_core_source") if isinstance(r.get("server_core_source"), str) \
                else "the server core's busy time (/proc/stat)"
            meta["cpu_meter"] = "core"
        # bench_run appends one value per round in round order, dropping a failed round and a
        # round without a CPU figure: the values pair by position only when none was dropped
        meta["aligned"] = not meta["failed_rounds"] and (not cpu_rounds or len(cpu_rounds) == len(rounds))
        if not (rounds or _is_num(r.get("median")) or cpu_rounds or _is_num(r.get(cpu_key))):
            # every round failed: the row stays, as an error, so no reader loses it
            meta["failed"] = True
            run._add(Row("%s/%s" % (kind, name), kind, unit, [], higher_is_better=True, flagged=True,
                         note=meta["note"], meta=meta))
            continue
        if rounds or _is_num(r.get("median")):
            run._add(Row("%s/%s" % (kind, name), kind, unit, rounds, higher_is_better=True,
                         median=r.get("median"), ci=r.get("ci95"), flagged=flagged,
                         note=meta["note"], meta=meta))
        if cpu_rounds or _is_num(r.get(cpu_key)):
            run._add(Row("%s-cpu/%s" % (kind, name), kind + "-cpu", cpu_unit, cpu_rounds,
                         median=r.get(cpu_key), ci=r.get(cpu_key + "_ci95" if core else "server_cpu_ci95"),
                         flagged=flagged,
                         note=meta["note"], meta=meta))
    for s in as_list(doc.get("skipped")):   # rows the bench could not measure, and why
        if isinstance(s, dict):
            run.notes.append("%s: %s not measured (%s)" % (kind, s.get("name", "?"), s.get("why", "no reason given")))
        elif isinstance(s, str):
            run.notes.append("%s: %s not measured" % (kind, s))
