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
run; intervals come from scripts/lib/stats.py through runfolder, and every
comparison is judged by scripts/lib/verdict.py (stats.judge's one vocabulary).

This module is the two compositions; the sections live in one file per concern,
and their public names are imported here, so readers import render alone:

  render_cells.py      cells: with_ci, ratio_cell, short_ratio, comparison_cell, count
  render_headline.py   LoadRows, the declared comparisons and their families (headline)
  render_load.py       the accept and keep-alive sections
  render_micro.py      syscall paths, helpers, hyperfine, instruction counts
  render_machine.py    the machine, and the method versions a run recorded
"""
import os

import runfolder
from fmt import FLAG
from render_cells import (comparison_cell, count, image, images, ratio_cell,  # noqa: F401
                          rounds_text, short_ratio, with_ci)
from render_headline import (DECLARED_BACKEND, FAMILIES, TARGETS, LoadRows, comparison,  # noqa: F401
                             declared, headline, tally_rows)
from render_load import core_section, counters_section, family_table, load_section  # noqa: F401
from render_machine import machine_section, machine_summary_line, method_lines  # noqa: F401
from render_micro import (counts_section, helpers_section, hyperfine_baseline,  # noqa: F401
                          hyperfine_section, syscalls_section)
from runfolder import as_dict, as_list


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
    out += method_lines(run) + [""]
    heads = headline(run, "accept") + headline(run, "keepalive")
    if heads:
        out += ["## Headline", "",
                "On a 2-core machine conn/s and req/s are usually capped by the client (wrk's "
                "core), so the server's own CPU time per connection or request is the figure "
                "that compares servers; rates are beside it. The comparisons are declared, not "
                "picked: each model's `%s` row against every peer of the run, and asm and raw "
                "against libc per model." % DECLARED_BACKEND, ""] + ["- " + h for h in heads] + [""]
        fam = family_table(run, ("accept", "keepalive"))
        if fam:
            out += ["How the declared comparisons ended, per family:", ""] + fam + [""]
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
                                  if sp.get("commit") else "") + "  ")
    out += method_lines(run)
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
