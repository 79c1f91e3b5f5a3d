"""scripts/lib/index_systems.py — results/index.html's systems table: one row per run folder.

  systems_row(run, results_dir)  machine.json and run.json as they are: the CPU, its flags,
                                 kernel, mitigations, virtualisation, glibc, cores and caches,
                                 the method versions, the tools, the date and commit; a field a
                                 folder lacks reads UNKNOWN
  links(run, results_dir)        its report.md (else summary.md), plots and JSON files
  machine_key(run)               the machine a run belongs to (the matrix's columns)

and the small readers the page's other modules share (UNKNOWN, text_or_unknown,
is_number). index_html.py puts the rows on the page.
"""
import os

import fmt
import runfolder

UNKNOWN = "unknown"
MITIGATIONS = ("meltdown", "spectre_v2", "retbleed")   # the ones that move a syscall's cost
SOFTWARE = ("benchmark", "wrk", "hyperfine", "valgrind", "nginx")


# -- small readers ----------------------------------------------------------------------------

def text_or_unknown(v):
    return str(v) if v not in (None, "", [], {}) else UNKNOWN


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v


def machine_key(run):
    """The machine a run belongs to: machine.json's slug, else the folder's parent."""
    slug = runfolder.as_dict(run.machine).get("slug")
    return str(slug) if slug else run.label.split("/")[0]


def _short_mitigation(text):
    if not isinstance(text, str) or not text.strip():
        return UNKNOWN
    first = text.strip().split(";")[0].strip()
    if first.lower().startswith("mitigation:"):
        return first.split(":", 1)[1].strip() or first
    return first


def _rel(path, base):
    return os.path.relpath(path, base).replace(os.sep, "/")


# -- the systems table ------------------------------------------------------------------------

def systems_row(run, results_dir):
    m = runfolder.as_dict(run.machine)
    cpu = runfolder.as_dict(m.get("cpu"))
    kern = runfolder.as_dict(m.get("kernel"))
    mit = runfolder.as_dict(m.get("mitigations"))
    sw = runfolder.as_dict(m.get("software"))
    sp = runfolder.as_dict(m.get("syspath"))
    flags = runfolder.as_dict(cpu.get("flags"))
    have = [f for f, on in flags.items() if on is True]
    caches = runfolder.as_dict(cpu.get("caches"))
    cache_text = ", ".join("%s %s" % (k.upper(), fmt.fmt_bytes(caches[k])) for k in ("l1d", "l2", "l3")
                           if is_number(caches.get(k)) and caches[k] > 0)
    topo = []
    if cpu.get("cores"):
        topo.append("%s cores" % cpu["cores"] + ("/%s threads" % cpu["threads"]
                                                 if cpu.get("threads") and cpu.get("threads") != cpu.get("cores")
                                                 else ""))
    if cache_text:
        topo.append(cache_text)
    if is_number(m.get("memory_bytes")):
        topo.append("%.0f GiB RAM" % (m["memory_bytes"] / 2 ** 30))
    info = runfolder.as_dict(run.info)
    methods = runfolder.method(run) or {}
    # an entry with a "source" was read off an older folder's files, not recorded by its run
    method_text = ", ".join("%s v%s%s" % (k, runfolder.as_dict(methods[k]).get("version", "?"),
                                          " (inferred)" if runfolder.as_dict(methods[k]).get("source") else "")
                            for k in sorted(methods)) if methods else UNKNOWN
    tools = ", ".join("%s %s" % (k, sw[k]) for k in SOFTWARE if sw.get(k))
    commit = sp.get("commit")
    virt = m.get("virtualization")
    return {
        "run": run.label,
        "machine": machine_key(run),
        "cpu": text_or_unknown(cpu.get("model_name")),
        "microarch": text_or_unknown(cpu.get("microarch") if cpu.get("microarch") != "unknown" else None),
        "flags": " ".join(have) if have else UNKNOWN,
        "kernel": text_or_unknown(kern.get("release")),
        "mitigations": "; ".join("%s: %s" % (k, _short_mitigation(mit.get(k))) for k in MITIGATIONS
                                 if k in mit) if mit else UNKNOWN,
        "virt": text_or_unknown(virt if virt != "none" else "none (bare metal)"),
        "glibc": text_or_unknown(sw.get("glibc")),
        "topology": "; ".join(topo) if topo else UNKNOWN,
        "methods": method_text,
        "tools": tools or UNKNOWN,
        "date": (run.date() or UNKNOWN).replace(" UTC", ""),
        "commit": (str(commit)[:10] + ("+dirty" if sp.get("dirty") else "")) if commit else UNKNOWN,
        "links": links(run, results_dir),
    }


def links(run, results_dir):
    """[(text, href)]: report.md (else summary.md), the plots (PNG), the JSON files."""
    try:
        names = sorted(os.listdir(run.path))
    except OSError:
        names = []
    out = [(n, _rel(os.path.join(run.path, n), results_dir)) for n in ("report.md", "summary.md") if n in names][:1]
    out += [(n[:-4], _rel(os.path.join(run.path, n), results_dir)) for n in names if n.endswith(".png")]
    out += [(n, _rel(os.path.join(run.path, n), results_dir)) for n in names if n.endswith(".json")]
    return out
