"""scripts/lib/index_html.py — results/index.html: every run folder on one static page.

scripts/index calls write(results_dir, runs). The page is one file: the data as
JSON in a <script type="application/json"> block, the CSS and the JavaScript of
scripts/lib/index_page/ inlined, no request to anything, so it opens from disk.
The charts are plain SVG drawn by that small script (docs/ARCHITECTURE.md says
why no chart library).

What the page holds, and where each part comes from (this module puts the
parts together, data(), and writes the HTML, page() and write()):

  systems   one row per run folder: machine.json and run.json as they are, a
            field a folder lacks shown as "unknown"; links to its report.md,
            plots and JSON files (index_systems.py)
  matrix    index_matrix.FIGURES as rows, one column per machine: the median
            over its runs' medians, their min-max, and with MIN_ROUNDS runs or
            more the bootstrap interval over runs (stats.bootstrap_ci)
  judged    for every reference the page offers (each machine; each run of a
            machine that has several) and every column: the ratio of medians
            and stats.judge's verdict, made in Python (index_matrix.py), so
            the browser only looks the colour up. Thresholds are never judged:
            they are "moved" or "same".
  charts    the null syscall per path, server CPU against nginx per server
            row, helper GB/s against size per variant: per machine, median
            over runs with the runs' min-max (index_charts.py).

Statistics come from stats.py only; number formats from fmt.py; a run is read
through runfolder's public API (load's Run and Row, as_dict, as_list,
cpu_x_nginx, calibration, is_peer). The output has no time of generation:
the same folders give the same bytes.
"""
import html
import json
import os

from index_charts import chart_data
from index_matrix import FIGURES, Side, judge_reference, machine_cell, run_cell, run_figure
from index_systems import machine_key, systems_row

PAGE = "index.html"
ASSETS = os.path.join(os.path.dirname(os.path.realpath(__file__)), "index_page")


# -- the whole page's data --------------------------------------------------------------------

def data(runs, results_dir):
    by_machine = {}
    for run in runs:
        by_machine.setdefault(machine_key(run), []).append(run)
    machines = sorted(by_machine)
    for m in machines:
        by_machine[m].sort(key=lambda r: r.label)
    per_run = {run.label: {f[0]: run_figure(run, f) for f in FIGURES} for run in runs}
    mach_sides = {f[0]: [Side([per_run[r.label][f[0]] for r in by_machine[m]]) for m in machines] for f in FIGURES}
    cells = {f[0]: [machine_cell(s, f[4][0] == "threshold") for s in mach_sides[f[0]]] for f in FIGURES}

    refs, judged, run_cells = [], {}, {}
    for mi, m in enumerate(machines):
        key = "m:" + m
        n = len(by_machine[m])
        refs.append({"key": key, "label": "%s (%d run%s)" % (m, n, "" if n == 1 else "s"), "machine": mi})
        judged[key] = judge_reference({k: v[mi] for k, v in mach_sides.items()}, mach_sides, mi)
        if n > 1:
            for run in by_machine[m]:
                rkey = "r:" + run.label
                refs.append({"key": rkey, "label": "run " + run.label, "machine": mi, "run": run.label})
                run_cells[run.label] = {f[0]: run_cell(per_run[run.label][f[0]], f[4][0] == "threshold")
                                        for f in FIGURES}
                judged[rkey] = judge_reference({f[0]: Side([per_run[run.label][f[0]]]) for f in FIGURES},
                                               mach_sides, -1)
    return {
        "machines": machines,
        "runs_per_machine": [len(by_machine[m]) for m in machines],
        "systems": [systems_row(run, results_dir) for m in machines for run in by_machine[m]],
        "figures": [{"key": f[0], "label": f[1], "unit": f[2], "threshold": f[4][0] == "threshold"}
                    for f in FIGURES],
        "cells": cells,
        "refs": refs,
        "run_cells": run_cells,
        "judged": judged,
        "charts": chart_data(machines, by_machine),
    }


# -- the HTML ---------------------------------------------------------------------------------

def _asset(name):
    with open(os.path.join(ASSETS, name), encoding="utf-8") as f:
        return f.read()


def _json(doc):
    def clean(v):
        if isinstance(v, float):
            return float("%.6g" % v) if v == v else None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v
    text = json.dumps(clean(doc), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("</", "<\\/")   # no </script> inside the data block


def page(runs, results_dir):
    doc = data(runs, results_dir)
    n_m, n_r = len(doc["machines"]), len(runs)
    title = "syspath results: %d machine%s, %d run%s" % (n_m, "" if n_m == 1 else "s", n_r, "" if n_r == 1 else "s")
    return (_asset("page.html")
            .replace("{{title}}", html.escape(title))
            .replace("{{css}}", _asset("page.css"))
            .replace("{{js}}", _asset("page.js"))
            .replace("{{data}}", _json(doc)))


def write(results_dir, runs, check=False):
    """Write results_dir/index.html when its text changes (with check, only say so).
    Returns the page's path when it was (or, with check, would be) rewritten, else None."""
    path = os.path.join(results_dir, PAGE)
    text = page(runs, results_dir)
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return None
    except OSError:
        pass
    if not check:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return path
