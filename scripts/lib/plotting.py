"""scripts/lib/plotting.py — the plotting bits scripts/plot and scripts/compare share.

matplotlib from Debian (python3-matplotlib) with the Agg backend, so plots are
made the same way on a headless server as on a laptop. Every figure carries
the machine and the run date in a footer (Run.footer()) and is written as PNG
(for README and report.md; the only format a run folder commits) and, on
demand (scripts/plot --svg), SVG (text kept as text, for zooming).
"""
import os

from fmt import fmt_bytes, num

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt          # noqa: E402  (after use("Agg"))
from matplotlib import ticker           # noqa: E402

plt.rcParams.update({
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 110,
    "svg.fonttype": "none",               # text stays text: small, searchable SVGs
    "svg.hashsalt": "syspath",            # same input, same SVG bytes
})

REFERENCE = "black"
FLAG = "#c62828"
# Stable colours: a variant or backend keeps its colour in every plot.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f", "#d62728", "#393b79", "#637939"]
NAMED = {
    "asm": "#1f77b4", "raw": "#ff7f0e", "libc": REFERENCE, "libc_syscall": "#7f7f7f",
    "int80": "#9467bd", "vdso": "#2ca02c", "indirect": "#17becf", "freestanding": "#8c564b",
}


def color_for(name, others):
    """A colour for name: its own if it has one, else a palette slot by its rank in others."""
    if name in NAMED:
        return NAMED[name]
    rest = [o for o in others if o not in NAMED]
    idx = rest.index(name) if name in rest else len(rest)
    return PALETTE[idx % len(PALETTE)]


def bytes_axis(ax, lo=1, hi=64 << 20):
    """A log-2 x axis from lo to hi bytes, labelled 1 B, 4 B, … 64 MiB."""
    ax.set_xscale("log", base=2)
    ax.set_xlim(lo / 1.25, hi * 1.25)
    ticks = []
    t = 1
    while t <= hi:
        if t >= lo:
            ticks.append(t)
        t *= 4
    ax.xaxis.set_major_locator(ticker.FixedLocator(ticks))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: fmt_bytes(v)))
    ax.xaxis.set_minor_locator(ticker.NullLocator())


def ratio_axis(ax, axis="y"):
    """Log scale for ratios, ticks labelled 0.1×, 1×, 2× … (a 2× win and a 2× loss look alike)."""
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    a = ax.yaxis if axis == "y" else ax.xaxis
    a.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    a.set_major_formatter(ticker.FuncFormatter(lambda v, _: ("%g×" % float("%.3g" % v))))
    a.set_minor_formatter(ticker.NullFormatter())


def log_value_axis(ax, axis="y"):
    """Log scale whose ticks read as plain numbers (0.1, 1, 10, 100) rather than 10^n."""
    a = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    a.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    a.set_major_formatter(ticker.FuncFormatter(lambda v, _: num(v, 1) if v < 1 else "{:,.0f}".format(v)))
    a.set_minor_formatter(ticker.NullFormatter())


def yerr(medians, cis):
    """Asymmetric error bars from (lo, hi) intervals; missing intervals become zero-length."""
    lo, hi = [], []
    for m, ci in zip(medians, cis):
        if m is None or not ci or ci[0] is None:
            lo.append(0.0)
            hi.append(0.0)
        else:
            lo.append(max(0.0, m - ci[0]))
            hi.append(max(0.0, ci[1] - m))
    return [lo, hi]


def figure(width, height, **kw):
    return plt.subplots(figsize=(width, height), **kw)


def finish(fig, title, footer, legend_right=0.0):
    """Title on top, machine and run in the footer; legend_right reserves a margin (inches)."""
    w, h = fig.get_figwidth(), fig.get_figheight()
    # a narrow figure breaks the footer at its separators rather than cut it off
    # (7 pt text: about 17 characters per inch)
    if "\n" not in footer and len(footer) > 17 * w:
        footer = footer.replace("  ·  ", "\n", 1)
    fig.suptitle(title, fontsize=11, fontweight="bold", x=0.01, y=1 - 0.1 / h, ha="left", va="top")
    fig.text(0.01, 0.05 / h, footer, fontsize=7, color="#555555", ha="left", va="bottom", linespacing=1.4)
    right = 1.0 - legend_right / w if legend_right else 1.0
    # fixed margins in inches: the title and the footer take the same room on every figure
    bottom = (0.15 + 0.14 * (footer.count("\n") + 1)) / h
    fig.tight_layout(rect=(0, bottom, right, 1 - 0.36 / h), pad=0.6)


FORMATS = ["png"]   # what save() writes; scripts/plot --svg adds "svg"


def save(fig, out_dir, stem):
    """Write stem.png (and stem.svg when FORMATS has it) into out_dir; return their paths."""
    paths = []
    for ext in FORMATS:
        p = os.path.join(out_dir, "%s.%s" % (stem, ext))
        fig.savefig(p, metadata={"Date": None} if ext == "svg" else None)
        paths.append(p)
    plt.close(fig)
    return paths


def save_as(fig, path):
    """Write one file; the format comes from its extension (png, svg, pdf)."""
    fig.savefig(path)
    plt.close(fig)
    return path
