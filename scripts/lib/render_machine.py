"""scripts/lib/render_machine.py — the machine and the method of a run: one dense line for
summary.md, the table report.md ends with, and the method versions the run recorded."""
import fmt
import runfolder
from fmt import table
from runfolder import as_dict


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



def _method_text(v):
    """One part's method record in words: its version first, then the rest as key value."""
    if not isinstance(v, dict):
        return str(v)
    parts = ["v%s" % v["version"]] if "version" in v else []
    parts += ["%s %s" % (k, _method_text(x) if isinstance(x, dict) else x) for k, x in v.items()
              if k != "version" and isinstance(x, (str, int, float, bool, dict))]
    return " ".join(parts[:1]) + (" (%s)" % ", ".join(parts[1:]) if parts[1:] else "") if parts else "recorded"


def method_lines(run):
    """The method versions run.json records, one clause per part: what a figure means changes
    with them, so two runs compare only where they agree."""
    m = runfolder.method(run)
    if not m:
        return ["**Method:** unknown (this folder predates recorded method versions)."]
    return ["**Method:** " + "; ".join("%s %s" % (part, _method_text(v)) for part, v in m.items()) + "."]
