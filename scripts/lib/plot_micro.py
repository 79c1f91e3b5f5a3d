"""scripts/lib/plot_micro.py — scripts/plot's microbenchmark figures.

helpers-<family>.png (GB/s against size per variant, ratio to libc below),
syscalls.png (ns per call of every op and path with intervals) and
hyperfine.png (whisker plots of process runs). Each function takes the run,
scripts/lib/plotting.py (imported by the caller, so matplotlib loads once)
and the folder to write into, and returns the paths it wrote.
"""
import runfolder
from fmt import FAMILY_ORDER, OP_ORDER, PATH_ORDER, VARIANT_ORDER, fmt_bytes, num, order_key


# -- helpers-<family>.png ---------------------------------------------------------------------

def rep_variant(variants):
    """The family's rep-string variant (rep_stosb, rep_movsb, repne_scasb), or None."""
    for v in variants:
        if v.startswith("rep"):
            return v
    return None


def helper_families(run):
    return sorted({r.meta["family"] for r in run.section("helpers")}, key=order_key(FAMILY_ORDER))


def plot_helpers(run, pl, out, families=None):
    """helpers-<family>.png for each family (or only those given)."""
    rows = run.section("helpers")
    families = families or helper_families(run)
    written = []
    caches = runfolder.as_dict(runfolder.as_dict(run.machine.get("cpu")).get("caches"))
    for fam in families:
        frows = [r for r in rows if r.meta["family"] == fam]
        variants = sorted({r.meta["variant"] for r in frows}, key=order_key(VARIANT_ORDER))
        by = runfolder.helper_series(run, fam)   # (variant, misaligned) -> {bytes: row}
        ref_name = "libc" if ("libc", False) in by else None
        fig, (ax, axr) = pl.figure(11, 8, nrows=2, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
        handles = []
        all_sizes = sorted({r.meta["bytes"] for r in frows})
        lo_size, hi_size = min(all_sizes + [1]), max(all_sizes + [64 << 20])
        for v in variants:
            series = by.get((v, False), {})
            if not series:
                continue
            xs = sorted(series)
            med = [series[s].median for s in xs]
            ci = [series[s].ci for s in xs]
            is_ref = v == ref_name
            col = pl.REFERENCE if is_ref else pl.color_for(v, variants)
            style = dict(color=col, lw=2.4 if is_ref else 1.4, marker="o", ms=3.5 if is_ref else 3,
                         zorder=5 if is_ref else 3, ls="-")
            if v == "libc_erms":
                style.update(color="#555555", ls="--", marker="s")
            h, = ax.plot(xs, med, label=("libc (reference)" if is_ref else v), **style)
            handles.append(h)
            if all(c[0] is not None for c in ci):
                ax.fill_between(xs, [c[0] for c in ci], [c[1] for c in ci], color=style["color"],
                                alpha=0.15, lw=0, zorder=style["zorder"] - 1)
            mis = by.get((v, True), {})
            if mis:
                mx = sorted(mis)
                ax.plot(mx, [mis[s].median for s in mx], ls="none", marker="o", ms=6, mfc="none",
                        mec=style["color"], mew=1.1, zorder=style["zorder"])
            # second panel: ratio to libc at each size, with its bootstrap interval
            if ref_name and not is_ref:
                ref = by[(ref_name, False)]
                rx, rm, rlo, rhi = [], [], [], []
                for s in xs:
                    if s in ref:
                        r, lo, hi = runfolder.ratio_to(ref[s], series[s])
                        if r is not None:
                            rx.append(s), rm.append(r), rlo.append(lo if lo is not None else r)
                            rhi.append(hi if hi is not None else r)
                if rx:
                    axr.plot(rx, rm, color=style["color"], ls=style["ls"], lw=1.4, marker=style["marker"], ms=3)
                    axr.fill_between(rx, rlo, rhi, color=style["color"], alpha=0.15, lw=0)
        if any(k[1] for k in by):
            handles.append(pl.plt.Line2D([], [], ls="none", marker="o", ms=6, mfc="none", mec="#555555",
                                         label="hollow: dst+1 misaligned"))
        # cache sizes of this machine, from machine.json
        x_hi = max(hi_size, 64 << 20)
        beyond = []
        for key, label in (("l1d", "L1d"), ("l2", "L2"), ("l3", "L3")):
            size = caches.get(key)
            if not isinstance(size, (int, float)) or size <= 0:
                continue
            if size > x_hi:   # a cache larger than the largest size measured: say so, draw nothing
                beyond.append("%s %s" % (label, fmt_bytes(size)))
                continue
            for a in (ax, axr):
                a.axvline(size, color="#888888", ls=":", lw=1, zorder=1)
            ax.text(size * 1.08, 0.98, "%s %s" % (label, fmt_bytes(size)), transform=ax.get_xaxis_transform(),
                    fontsize=7.5, color="#555555", va="top", ha="left")

        if not caches:
            ax.text(0.01, 0.02, "cache sizes unknown (machine.json has none)", transform=ax.transAxes,
                    fontsize=7.5, color="#555555")
        # where the tutorial's rep-string variant catches up with libc
        rep = rep_variant(variants)
        if rep and ref_name and (rep, False) in by:
            series, ref = by[(rep, False)], by[(ref_name, False)]
            cx = runfolder.crossover(series, ref)
            col = pl.color_for(rep, variants)
            if cx["catch"] is not None:
                size = cx["catch"]
                text = "%s matches libc from %s" % (rep, fmt_bytes(size))
                if cx["win"] is not None:
                    text += ", beats it from %s" % fmt_bytes(cx["win"])
                # the label sits above the panel, where it can hide no data; the line marks the size
                for a in (ax, axr):
                    a.axvline(size, color=col, lw=1.2, ls="-.", alpha=0.8, zorder=2)
                ax.text(size, 1.01, text + " ↓", transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                        fontsize=8.5, fontweight="bold", color=col)
            else:
                text = "%s never matches libc" % rep
                if cx["best"]:
                    text += " (best %.2f× at %s)" % (cx["best"][0], fmt_bytes(cx["best"][1]))
                ax.text(0.5, 1.01, text, transform=ax.transAxes, ha="center", va="bottom", fontsize=8.5,
                        fontweight="bold", color=col)
        pl.log_value_axis(ax, "y")
        ax.set_ylabel("throughput, GB/s (median, 95% interval)")
        axr.axhline(1.0, color=pl.REFERENCE, lw=1.6)
        pl.ratio_axis(axr)
        axr.set_ylabel("ratio to libc (> 1× beats libc)")
        axr.set_xlabel("size (bytes, log scale)" + ("   [%s: off the scale]" % ", ".join(beyond)
                                                    if beyond else ""))
        pl.bytes_axis(axr, 1 if lo_size >= 1 else lo_size, max(hi_size, 64 << 20))
        if not ref_name:
            axr.text(0.5, 0.5, "no libc row in this run: no ratios", transform=axr.transAxes, ha="center")
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(1 - 2.0 / 11, 0.93), frameon=False,
                   title="variant", alignment="left")
        pl.finish(fig, "%s — throughput per variant against size; below: ratio to libc" % fam, run.footer(),
                  legend_right=2.0)
        written += pl.save(fig, out, "helpers-%s" % fam)
    return written


# -- syscalls.png -----------------------------------------------------------------------------

def plot_syscalls(run, pl, out):
    rows = run.section("syscalls")
    sys_rows = [r for r in rows if r.meta.get("kind") == "syscall"]
    uring = sorted([r for r in rows if r.meta.get("kind") == "uring"], key=lambda r: (r.meta.get("batch") or 0))
    ops = sorted({r.meta["op"] for r in sys_rows}, key=order_key(OP_ORDER))
    paths_all = sorted({r.meta["path"] for r in sys_rows}, key=order_key(PATH_ORDER))
    # one line per row, grouped by op: a forest plot reads well with 30 labelled rows
    lines = []   # (label, row, colour) or (heading, None, None)
    for op in ops:
        group = sorted([r for r in sys_rows if r.meta["op"] == op], key=lambda r: order_key(PATH_ORDER)(r.meta["path"]))
        lines.append((op, None, None))
        for r in group:
            lines.append((r.meta["path"], r, pl.color_for(r.meta["path"], paths_all)))
    if uring:
        lines.append(("io_uring NOP (ns per op)", None, None))
        for r in uring:
            lines.append((r.meta["path"].replace("batch", "batch of "), r, "#6a3d9a"))
    n = len(lines)
    fig, ax = pl.figure(10, max(3.5, 0.24 * n + 1.4))
    y = list(range(n, 0, -1))
    floor = None
    for r in sys_rows:
        if r.meta["op"] == "getppid" and r.median is not None and (floor is None or r.median < floor.median):
            floor = r
    xmax = max((r.ci[1] or r.median) for _, r, _ in lines if r is not None)
    for (label, r, col), yy in zip(lines, y):
        if r is None:
            ax.text(0.0, yy, label, transform=ax.get_yaxis_transform(), ha="right", va="center",
                    fontweight="bold", fontsize=8.5, clip_on=False)
            ax.axhline(yy + 0.5, color="#dddddd", lw=0.8)
            continue
        err = pl.yerr([r.median], [r.ci])
        ax.errorbar([r.median], [yy], xerr=err, fmt="o", color=col, ms=5, capsize=3, lw=1.3, zorder=4)
        ax.text(r.ci[1] if r.ci[1] else r.median, yy, "  " + num(r.median) + " ns", va="center", fontsize=7.5,
                color="#333333")
    ax.set_yticks([yy for (l, r, c), yy in zip(lines, y) if r is not None])
    ax.set_yticklabels(["      " + l for (l, r, c) in lines if r is not None])
    ax.set_ylim(0.4, n + 0.6)
    ax.grid(axis="y", visible=False)
    pl.log_value_axis(ax, "x")
    lo = min(r.ci[0] or r.median for _, r, _ in lines if r is not None)
    ax.set_xlim(lo / 1.6, xmax * 3.0)
    if floor is not None:
        ax.axvline(floor.median, color=pl.FLAG, ls="--", lw=1.2, zorder=2)
        ax.text(floor.median, 1.005, "kernel floor %s ns\n(%s)" % (num(floor.median), floor.name),
                transform=ax.get_xaxis_transform(), color=pl.FLAG, fontsize=7.5, ha="center", va="bottom")
    ax.set_xlabel("time per call, ns (median and 95% interval, log scale)")
    pl.finish(fig, "Syscall paths — ns per call (asm, raw inline asm, libc, …)", run.footer())
    return pl.save(fig, out, "syscalls")


# -- hyperfine.png ----------------------------------------------------------------------------

HYPERFINE_TITLES = {"hello": "hello world: one process, start to exit",
                    "serve": "start server, N connections, exit"}


def plot_hyperfine(run, pl, out):
    stems = sorted({r.meta["stem"] for r in run.section("hyperfine")})
    fig, axes = pl.figure(max(5.5, 4.2 * len(stems)), 5.2, ncols=len(stems), squeeze=False)
    for ax, stem in zip(axes[0], stems):
        rows = [r for r in run.section("hyperfine") if r.meta["stem"] == stem]
        data = [r.values or [r.median] for r in rows]
        bp = ax.boxplot(data, vert=True, patch_artist=True, widths=0.55, whis=1.5,
                        medianprops=dict(color=pl.REFERENCE, lw=1.6),
                        flierprops=dict(marker=".", ms=3, mec="#777777"))
        names = [r.meta["short"] for r in rows]
        for patch, r in zip(bp["boxes"], rows):
            patch.set_facecolor(pl.FLAG if r.flagged else "#9ecae1")
            patch.set_alpha(0.8)
        ax.set_xticks(range(1, len(rows) + 1))
        ax.set_xticklabels(names, rotation=20 if max(len(n) for n in names) > 10 else 0, ha="right"
                           if max(len(n) for n in names) > 10 else "center")
        for i, r in enumerate(rows, 1):
            ax.text(i + 0.3, r.median, " " + num(r.median), fontsize=7, va="center", ha="left",
                    color="#222222")
        ax.set_xlim(0.5, len(rows) + 0.8)   # room for the median labels right of the last box
        ax.set_ylabel("wall time per run, ms")
        ax.set_ylim(bottom=0)
        n_runs = ", ".join(sorted({str(len(r.values)) for r in rows}))
        ax.set_title("%s\n(hyperfine-%s.json, %s runs each)" % (HYPERFINE_TITLES.get(stem, stem), stem, n_runs),
                     loc="left", fontsize=9)
        ax.grid(axis="x", visible=False)
        if any(r.flagged for r in rows):
            ax.text(0.99, 0.99, "red: some runs exited non-zero", transform=ax.transAxes, ha="right", va="top",
                    color=pl.FLAG, fontsize=7.5)
    pl.finish(fig, "Process-level cost (hyperfine): box = quartiles, whiskers = 1.5 IQR, line = median",
              run.footer())
    return pl.save(fig, out, "hyperfine")
