"""scripts/lib/index_charts.py — the data of results/index.html's charts, per machine: median
over its runs with their min-max.

  chart_data(machines, by_machine)  the null syscall (SYSCALL_CHART_OP) per path; server CPU
                                    against nginx per server row (runfolder.cpu_x_nginx), peers
                                    apart; helper GB/s against size per variant (HELPER_DEFAULT
                                    shown first)

page.js draws them as plain SVG; nothing here formats for the eye.
"""
import fmt
import runfolder
import stats
from index_systems import is_number

SYSCALL_CHART_OP = "getppid"
HELPER_DEFAULT = "memset/auto"


def _span(values):
    values = [v for v in values if is_number(v)]
    if not values:
        return None
    return [stats.median(values), min(values), max(values)]


def chart_data(machines, by_machine):
    paths = set()
    servers = {"accept": {}, "keepalive": {}}   # label -> whether the row is a peer's
    helpers = {}
    for runs in by_machine.values():
        for run in runs:
            for r in run.section("syscalls"):
                if r.meta.get("op") == SYSCALL_CHART_OP:
                    paths.add(r.meta.get("path"))
            for kind in servers:
                for r in run.section(kind + "-cpu"):
                    label = r.meta.get("label")
                    if label and label != "nginx":
                        servers[kind][label] = bool(runfolder.is_peer(label, r.meta))
            for r in run.section("helpers"):
                if not r.meta.get("misaligned"):
                    helpers.setdefault("%s/%s" % (r.meta["family"], r.meta["variant"]), set()).add(r.meta["bytes"])
    paths = sorted(paths, key=fmt.order_key(fmt.PATH_ORDER))
    sys_ = {m: {p: _span([run.get("syscall/%s/%s" % (SYSCALL_CHART_OP, p)).median for run in by_machine[m]
                          if run.get("syscall/%s/%s" % (SYSCALL_CHART_OP, p))]) for p in paths} for m in machines}

    load = {}
    for kind, peer in servers.items():
        def server_key(label):
            b, _, mo = label.partition("/")
            return (peer[label], fmt.order_key(fmt.MODEL_ORDER)(mo), fmt.order_key(fmt.BACKEND_ORDER)(b), label)
        labels = sorted(peer, key=server_key)
        load[kind] = {"rows": labels, "peer": {lab: peer[lab] for lab in labels},
                      "data": {m: {lab: _span([runfolder.cpu_x_nginx(run, kind, lab) for run in by_machine[m]])
                                   for lab in labels} for m in machines}}
    fam_key = fmt.order_key(fmt.FAMILY_ORDER)
    var_key = fmt.order_key(fmt.VARIANT_ORDER)
    variants = sorted(helpers, key=lambda fv: (fam_key(fv.split("/")[0]), var_key(fv.split("/")[1])))
    helper = {}
    for fv in variants:
        fam, var = fv.split("/")
        sizes = sorted(helpers[fv])
        helper[fv] = {m: [[s] + (_span([run.get("%s/%s/%d" % (fam, var, s)).median for run in by_machine[m]
                                        if run.get("%s/%s/%d" % (fam, var, s))]) or [None] * 3)
                          for s in sizes] for m in machines}
        for m in machines:
            helper[fv][m] = [p for p in helper[fv][m] if p[1] is not None]
    default = HELPER_DEFAULT if HELPER_DEFAULT in helper else (variants[0] if variants else None)
    return {"syscall_paths": paths, "syscalls": sys_, "load": load, "helper_variants": variants,
            "helper_default": default, "helpers": helper}
