"""scripts/lib/plot_load.py — scripts/plot's server figures.

accept.png and keepalive.png (the rate per row above, server CPU per
connection or request below, nginx as the reference) and accept-counters.png,
keepalive-counters.png (each counter the run has beside server CPU). The rows
and their order are the report's (render.LoadRows).
"""
import figures
import render
import runfolder
from fmt import BACKEND_ORDER, MODEL_ORDER, num, order_key


# -- accept.png, keepalive.png ----------------------------------------------------------------

def plot_load(run, pl, out, kind):
    # the rows, their order and units as report.md's load tables have them
    ld = render.LoadRows(run, kind)
    rows, cpu, is_peer = ld.rate, ld.cpu, ld.peer
    nginx = "nginx" if "nginx" in ld.names else None
    bars = [n for n in ld.names if n != nginx]
    unit, cpu_unit, what = ld.unit, ld.cpu_unit, ld.per
    fig, (ax, axc) = pl.figure(max(8, 0.62 * len(bars) + 3.5), 7.6, nrows=2, sharex=True)
    xs = list(range(len(bars)))
    backends = sorted({(rows.get(n) or cpu.get(n)).meta.get("backend") or n for n in bars}, key=order_key(BACKEND_ORDER))

    def colour(n):
        r = rows.get(n) or cpu.get(n)
        if r.meta.get("server") == "syspath-asm-server":
            return pl.NAMED["freestanding"]
        if is_peer(n):
            return "#999999"              # nginx-deferred, h2o, ...: peers, drawn as bars
        b = r.meta.get("backend") or n
        return "#555555" if b == "libc" else pl.color_for(b, backends)

    nmax = max((len(r.values) for r in list(rows.values()) + list(cpu.values())), default=0)
    for a, table, ylabel in ((ax, rows, "%s (median%s)" % (unit, ", 95% interval" if nmax >= runfolder.MIN_ROUNDS
                                                         else "")),
                             (axc, cpu, "server CPU, %s\n(user+system, lower is better)" % cpu_unit)):
        med = [table[n].median if n in table else None for n in bars]
        ci = [table[n].ci if n in table else (None, None) for n in bars]
        ymax = max([(c[1] or m) for m, c in zip(med, ci) if m is not None] +
                   [table[nginx].median if nginx in table and table[nginx].median else 0]) * 1.18 or 1
        a.set_ylim(0, ymax)
        for x, n, m, c in zip(xs, bars, med, ci):
            if m is None:
                a.text(x, 0, "n/a", ha="center", va="bottom", fontsize=7.5, color="#777777")
                continue
            flagged = table[n].flagged
            a.bar(x, m, width=0.7, color=colour(n), alpha=0.85, edgecolor=pl.FLAG if flagged else "none",
                  lw=1.8 if flagged else 0, hatch="///" if flagged else None, zorder=3)
            if table[n].has_interval:   # one or two rounds make no interval: no bar
                a.errorbar([x], [m], yerr=pl.yerr([m], [c]), fmt="none", ecolor="#222222", capsize=3, lw=1,
                           zorder=4)
            pct = (rows.get(n) or cpu.get(n)).meta.get("cpu_pct") if a is axc else None
            pct_text = "%d%%" % round(pct) if isinstance(pct, (int, float)) else None
            if m >= 0.3 * ymax:
                # the figure inside the bar, where no reference line or whisker can cross it
                a.text(x, m * 0.5, num(m), ha="center", va="center", rotation=90, fontsize=7.5,
                       color="white", fontweight="bold", zorder=5)
                if pct_text:
                    a.text(x, 0.02, pct_text, transform=a.get_xaxis_transform(), ha="center", va="bottom",
                           fontsize=6.5, color="white", fontweight="bold", zorder=6)
            else:   # a short bar: the figures go above it
                top = c[1] if c and c[1] is not None else m
                a.text(x, top + 0.01 * ymax, num(m) + ("\n" + pct_text if pct_text else ""), ha="center",
                       va="bottom", fontsize=7, color="#222222", zorder=5, linespacing=1.1,
                       bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.7))
        if nginx and nginx in table and table[nginx].median is not None:
            r = table[nginx]
            a.axhline(r.median, color=pl.REFERENCE, ls="--", lw=1.4, zorder=2)
            if r.ci[0] is not None:
                a.axhspan(r.ci[0], r.ci[1], color="#000000", alpha=0.07, lw=0, zorder=1)
            a.text(1.0, r.median, " nginx\n %s" % num(r.median), transform=a.get_yaxis_transform(),
                   va="center", ha="left", fontsize=7.5, clip_on=False,
                   color=pl.FLAG if r.flagged else pl.REFERENCE)
        a.set_ylabel(ylabel)
        a.grid(axis="x", visible=False)
    # flagged rows and rows that ran differently (wrk -c1) say so above the bar
    for x, n in zip(xs, bars):
        r = rows.get(n) or cpu.get(n)
        marks = []
        if r.flagged:
            errs = r.meta.get("errors") or {}
            marks.append("⚠ " + ", ".join("%s %d" % (k, v) for k, v in errs.items() if v) if any(errs.values())
                         else "⚠ flagged")
        if r.meta.get("wrk_connections") == 1:
            marks.append("wrk -c1")
        if marks:
            ax.text(x, 0.97, "\n".join(marks), transform=ax.get_xaxis_transform(), ha="center", va="top",
                    fontsize=6.8, color=pl.FLAG if r.flagged else "#555555", zorder=6,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
    others = [n for n in bars if is_peer(n) and not n.startswith("nginx")]   # peers beyond nginx
    labels = []
    for n in bars:
        r = rows.get(n) or cpu.get(n)
        if is_peer(n):
            labels.append(n[len("nginx-"):] if n.startswith("nginx-") and not others     # "deferred", under "nginx"
                          else n.replace("-", "-\n", 1))
        else:
            labels.append(r.meta.get("backend") or ("asm-server" if r.meta.get("server") == "syspath-asm-server" else n))
    axc.set_xticks(xs)
    axc.set_xticklabels(labels)
    # the model under its group of backends
    groups = {}
    for x, n in zip(xs, bars):
        r = rows.get(n) or cpu.get(n)
        g = r.meta.get("model") or ("freestanding" if r.meta.get("server") == "syspath-asm-server" else
                                    ("peers" if others else "nginx") if is_peer(n) else "")
        groups.setdefault(g, []).append(x)
    for g, gx in groups.items():
        if g:
            axc.text(sum(gx) / len(gx), -0.16, g, transform=axc.get_xaxis_transform(), ha="center", va="top",
                     fontsize=8.5, fontweight="bold")
        for a in (ax, axc):
            a.axvline(max(gx) + 0.5, color="#cccccc", lw=0.8) if max(gx) != xs[-1] else None
    axc.set_xlim(-0.6, len(bars) - 0.4)
    if any(isinstance((rows.get(n) or cpu.get(n)).meta.get("cpu_pct"), (int, float)) for n in bars):
        axc.text(0.0, 1.02, "n%: the server's CPU use, % of its core during the run",
                 transform=axc.transAxes, fontsize=7, color="#555555")
    doc = getattr(run, kind) or {}
    wrk = runfolder.as_dict(doc.get("wrk"))
    pin = runfolder.as_dict(doc.get("pinning"))
    sub = []
    if wrk:
        t = wrk.get("threads", "?")
        sub.append("wrk %s thread%s, %s connections, %s s per round" % (t, "" if t == 1 else "s",
                                                                      wrk.get("connections", "?"),
                                                                      wrk.get("duration_s", "?")))
    if pin:
        sub.append("server on cpu %s, wrk on cpu %s" % (pin.get("server_cpus", "?"), pin.get("client_cpus", "?")))
    n = doc.get("rounds") or max((len(r.values) for r in list(rows.values()) + list(cpu.values())), default=0)
    if n:
        sub.append(rounds_label(n))
    head = figures.BY_KEY["%s-x-nginx" % kind]   # the run's headline figure, as the index shows it
    if head.value(run) is not None:
        sub.append("%s: %s" % (head.label, head.text(run)))
    title = ("Accept throughput (Connection: close) — %s and server CPU per %s" if kind == "accept"
             else "Keep-alive — %s and server CPU per %s") % (unit, what)
    if sub:
        ax.set_title("; ".join(sub), loc="left", fontsize=8, color="#444444")
    pl.finish(fig, title, run.footer(), legend_right=0.6)
    return pl.save(fig, out, kind)


def rounds_label(n):
    """What the bars are: '1 round: no interval bars' below runfolder.MIN_ROUNDS."""
    if n < runfolder.MIN_ROUNDS:
        return "%d round%s: medians, no interval bars" % (n, "" if n == 1 else "s")
    return "%d rounds (median, 95%% interval)" % n


# -- accept-counters.png, keepalive-counters.png ------------------------------------------------

COUNTER_TITLES = {"segments": "TCP segments\n(both sides on loopback)", "ctx_switches": "context switches\n(server)",
                  "syscalls": "syscalls\n(server, strace -c)", "total_cpu_us": "total CPU µs\n(both CPUs, ticks)",
                  "pair_cpu_us": "server + wrk CPU µs"}


def has_counters(run, kind):
    return any(r.meta.get("counters") for r in run.section(kind) + run.section(kind + "-cpu"))


def plot_counters(run, pl, out, kind):
    """One panel per counter beside server CPU, a horizontal bar per row, peers at the bottom."""
    cpu = {r.meta["label"]: r for r in run.section(kind + "-cpu")}
    metas = {}
    for r in run.section(kind) + run.section(kind + "-cpu"):
        metas.setdefault(r.meta["label"], r.meta)
    names = list(metas)

    def key(n):
        m = metas[n]
        if runfolder.is_peer(n, m):
            return (len(MODEL_ORDER) + 1, 0 if n == "nginx" else 1, n)
        if m.get("server") == "syspath-asm-server":
            return (len(MODEL_ORDER), 0, n)
        return (order_key(MODEL_ORDER)(m.get("model") or "?")[0], order_key(BACKEND_ORDER)(m.get("backend") or "?")[0], n)

    names.sort(key=key)
    have = [c for c in runfolder.COUNTERS if any(c in metas[n].get("counters", {}) for n in names)]
    per = "conn" if kind == "accept" else "req"
    panels = [("server CPU µs\n(the headline figure)", {n: cpu[n] for n in names if n in cpu})] + \
        [(COUNTER_TITLES.get(c, c), {n: metas[n]["counters"][c] for n in names if c in metas[n].get("counters", {})})
         for c in have]
    fig, axes = pl.figure(2.3 * len(panels) + 1.6, 0.3 * len(names) + 2.2, ncols=len(panels), sharey=True,
                          squeeze=False)
    ys = list(range(len(names), 0, -1))
    backends = sorted({metas[n].get("backend") or n for n in names}, key=order_key(BACKEND_ORDER))
    nmax = 0
    for ax, (title, rows) in zip(axes[0], panels):
        hi = max([(r.ci[1] if r.has_interval else r.median) or 0 for r in rows.values()] + [0]) or 1
        for y, n in zip(ys, names):
            r = rows.get(n)
            if r is None or r.median is None:
                ax.text(0, y, " n/a", va="center", fontsize=7, color="#777777")
                continue
            nmax = max(nmax, len(r.values))
            m = metas[n]
            col = ("#999999" if runfolder.is_peer(n, m)
                   else pl.NAMED["freestanding"] if m.get("server") == "syspath-asm-server"
                   else pl.color_for(m.get("backend") or n, backends))
            ax.barh(y, r.median, height=0.7, color=col, alpha=0.85, zorder=3,
                    edgecolor=pl.FLAG if r.flagged else "none", lw=1.5 if r.flagged else 0)
            if r.has_interval:
                ax.errorbar([r.median], [y], xerr=pl.yerr([r.median], [r.ci]), fmt="none", ecolor="#222222",
                            capsize=2, lw=0.9, zorder=4)
            ax.text(r.median + 0.01 * hi, y, " " + num(r.median), va="center", fontsize=6.8, zorder=5)
        ax.set_xlim(0, hi * 1.3)
        ax.set_title(title + " per %s" % per, fontsize=8.5)
        ax.grid(axis="y", visible=False)
    axes[0][0].set_yticks(ys)
    axes[0][0].set_yticklabels(names)
    doc = getattr(run, kind) or {}
    sub = [rounds_label(nmax)] if nmax else []
    if doc.get("netns") == "own":
        sub.append("each server in its own network namespace: segments are its exchanges' alone")
    elif doc.get("netns"):
        sub.append("shared network namespace: other TCP traffic counts in segments")
    title = ("Accept (Connection: close)" if kind == "accept" else "Keep-alive") + \
        " — where a %s's cost goes: counters beside server CPU" % ("connection" if per == "conn" else "request")
    pl.finish(fig, title, ("; ".join(sub) + "\n" if sub else "") + run.footer())
    return pl.save(fig, out, kind + "-counters")
