"""scripts/lib/render_mix.py — the helper rows that are not one size at a time: calls whose
sizes are drawn from a production distribution (`<family>/<variant>/mix/<dist>`) and memcpy's
alignment sweep (`memcpy/<variant>/align/<bytes>/<placement>`), each against glibc."""
import re

import fmt
import verdict
from fmt import num, order_key, right, table
from render_cells import comparison_cell, with_ci


def _by(rows, *keys):
    out = {}
    for r in rows:
        out[tuple(r.meta[k] for k in keys)] = r
    return out


def _cell(libc, row):
    """A variant against glibc on one distribution (verdict.compare: from the ratios the row
    measured against glibc in one loop where it has them, else from the two rows' separate
    repetitions, as older runs have)."""
    return verdict.compare(libc, row, section="helpers") if libc and row else None


def mix_section(run):
    """Per family: ns per call on each distribution, every variant against glibc, judged as one
    family (Benjamini-Hochberg over the table)."""
    rows = run.section("helpers-mix")
    if not rows:
        return []
    out = ["### Production size mixes", "",
           "Each call copies or fills a size drawn from a published distribution of one "
           "production workload (bench/micro/distributions/ names each source), at a random "
           "offset in buffers larger than L1; the draw is fixed per run. Time per call ÷ glibc's: "
           "below 1× is faster." + (" Each variant ran in one loop with glibc, pass for pass on the same draw; "
                                    "its ratio is the median over repetitions of its time over glibc's in "
                                    "that loop, with the Wilcoxon test of those ratios, so drift and "
                                    "neighbours land on both sides of it."
                                    if any(r.meta.get("vs_libc") for r in rows) else ""), ""]
    for fam in sorted({r.meta["family"] for r in rows}, key=order_key(fmt.FAMILY_ORDER)):
        by = _by([r for r in rows if r.meta["family"] == fam], "variant", "dist")
        dists = sorted({d for _, d in by})
        variants = [v for v in sorted({v for v, _ in by}, key=order_key(fmt.VARIANT_ORDER)) if v != "libc"]
        cells = {(v, d): _cell(by.get(("libc", d)), by.get((v, d))) for v in variants for d in dists}
        verdict.correct(list(cells.values()))
        body = [["`%s`" % d, with_ci(by.get(("libc", d)))] +
                [comparison_cell(cells[(v, d)], ("faster", "slower")) for v in variants] for d in dists]
        out += ["#### %s" % fam, "",
                table(["distribution", "libc ns/call"] + ["%s time ×" % v for v in variants], body,
                      right(2 + len(variants))), ""]
    return out


def _placement_key(p):
    """dist0, dist16, ... then dst1, dst15, ...: by kind, then by its number."""
    m = re.match(r"^([a-z]+)(\d+)$", p)
    return (m.group(1), int(m.group(2))) if m else (p, 0)


def align_section(run):
    """memcpy at a few sizes over (dst - src) & 0xFFF and dst's misalignment: each variant's
    GB/s ÷ glibc's at the same placement, and its worst placement against its own best."""
    rows = run.section("helpers-align")
    if not rows:
        return []
    by = _by(rows, "variant", "bytes", "placement")
    variants = [v for v in sorted({k[0] for k in by}, key=order_key(fmt.VARIANT_ORDER)) if v != "libc"]
    body = []
    for size in sorted({k[1] for k in by}):
        for place in sorted({k[2] for k in by if k[1] == size}, key=_placement_key):
            ref = by.get(("libc", size, place))
            line = [fmt.fmt_bytes(size), place, num(ref.median) if ref else "–"]
            for v in variants:
                r = by.get((v, size, place))
                line.append("%.2f×" % (r.median / ref.median) if r and ref and ref.median and r.median else "–")
            body.append(line)
    worst = []
    for v in variants + ["libc"]:
        mine = [r for k, r in by.items() if k[0] == v and r.median]
        if mine:
            lo = min(mine, key=lambda r: r.median / max(x.median for x in mine if x.meta["bytes"] == r.meta["bytes"]))
            best = max(x.median for x in mine if x.meta["bytes"] == lo.meta["bytes"])
            worst.append("`%s` %.2f× of its best at %s, %s" % (v, lo.median / best, fmt.fmt_bytes(lo.meta["bytes"]),
                                                              lo.meta["placement"]))
    return ["### memcpy's alignment sweep", "",
            "`dist<d>`: the source d bytes below the destination in page offset ((dst − src) & 0xFFF = d); "
            "`dst<k>`: the destination k bytes past a 64-byte boundary. GB/s ÷ glibc's at the same "
            "placement (medians; above 1× is faster).", "",
            table(["size", "placement", "libc GB/s"] + ["%s ×" % v for v in variants], body,
                  right(3 + len(variants))), "",
            "Each variant's worst placement against its best at that size: " + "; ".join(worst) + ".", ""]
