"""scripts/lib/render_headline.py — the declared comparisons of a load file: which rows stand
for syspath (fixed before any run), each against every peer, the rates against nginx, the path
per model; each comparison judged by verdict.py and corrected within its family."""
import fmt
import runfolder
import stats
import verdict
from fmt import num, order_key
from render_cells import comparison_cell


# The suite's targets for each model's declared row, as ratios to a peer's server CPU
# (and to nginx's rate, judged only where the server, not the client, was saturated).
TARGETS = {
    "accept": {"cpu": {"nginx": 0.4, "nginx-deferred": 0.55}, "rate": 1.2},
    "keepalive": {"cpu": {"nginx": 0.7}},
}
# The same, for files whose server CPU is the server core's busy time (load method 2): the
# kernel's packet work for the server now counts, so every server costs more and the ratios
# close in; `floor`, the 20-line blocking C server, is the reference no model should exceed.
TARGETS_CORE = {
    "accept": {"cpu": {"nginx": 0.55, "floor": 1.0}, "rate": 1.2},
    "keepalive": {"cpu": {"nginx": 0.75}},
}
# A reference row, never a peer: each model is set against it beside the peers.
REFERENCE_ROWS = ("floor",)
# The backend whose row stands for a model against the peers, declared before any run:
# glibc's, the path a reader would build with; every other path the file has is compared with
# it per model (the paths and models are the file's own rows: fmt's orders only sort them).
DECLARED_BACKEND = "libc"
# The families a load file's declared comparisons are corrected in (stats.bh_adjust), and the
# words a lower / higher ratio of each means to a reader.
FAMILIES = (("cpu", "server CPU against the peers and floor", ("cheaper", "costlier")),
            ("rate", "rate against nginx", ("slower", "faster")),
            ("path", "path (asm, raw ÷ libc)", ("cheaper", "costlier")))   # path_title() names the file's paths


class LoadRows:
    """One load file's rows by label: rate (conn/s, req/s) and server CPU per conn/req,
    in the order the tables here and scripts/plot's load plots list them."""

    def __init__(self, run, kind):
        self.kind = kind
        self.rate = {r.meta["label"]: r for r in run.section(kind)}
        self.cpu = {r.meta["label"]: r for r in run.section(kind + "-cpu")}
        self.doc = getattr(run, kind) or {}
        self.per = "connection" if kind == "accept" else "request"
        self.short = "conn" if kind == "accept" else "req"
        self.unit = next(iter(self.rate.values())).unit if self.rate else ("conn/s" if kind == "accept" else "req/s")
        self.cpu_unit = "µs/conn" if kind == "accept" else "µs/req"
        names = list(dict.fromkeys(list(self.rate) + list(self.cpu)))
        names.sort(key=self._key)
        self.names = names
        self.ng_rate, self.ng_cpu = self.rate.get("nginx"), self.cpu.get("nginx")
        self.peers = [n for n in names if self.peer(n)]

    def meta(self, n):
        return (self.rate.get(n) or self.cpu.get(n)).meta

    def _key(self, n):
        m = self.meta(n)
        if self.peer(n):
            return (99, 0 if n == "nginx" else 1 if n.startswith("nginx") else 2, n)
        if m.get("server") == "syspath-asm-server":
            return (98, 0, n)
        return (order_key(fmt.MODEL_ORDER)(m.get("model") or "?")[0],
                order_key(fmt.BACKEND_ORDER)(m.get("backend") or "?")[0], n)

    def peer(self, n):
        return runfolder.is_peer(n, self.meta(n))

    def flagged(self, n):
        return any(r is not None and r.flagged for r in (self.rate.get(n), self.cpu.get(n)))

    def failed(self, n):
        return bool(self.meta(n).get("failed"))

    def models(self):
        """syspath's models in this file, in the suite's order."""
        return sorted({self.meta(n).get("model") for n in self.names
                       if not self.peer(n) and self.meta(n).get("model")}, key=order_key(fmt.MODEL_ORDER))

    def backends(self):
        """syspath's paths (backends) in this file, in the suite's order."""
        return sorted({self.meta(n).get("backend") for n in self.names
                       if not self.peer(n) and self.meta(n).get("server") == "syspath" and self.meta(n).get("backend")},
                      key=order_key(fmt.BACKEND_ORDER))

    def others(self):
        """The paths compared with DECLARED_BACKEND: every one of the file's but it."""
        return [b for b in self.backends() if b != DECLARED_BACKEND]

    def declared(self):
        """The rows declared, before any figure is seen, to stand for syspath against the peers:
        each model's DECLARED_BACKEND row, then the freestanding server. [(title, label)]"""
        out = []
        for model in self.models():
            n = "%s/%s" % (DECLARED_BACKEND, model)
            if n in self.names:
                out.append((model, n))
        out += [("freestanding", n) for n in self.names if self.meta(n).get("server") == "syspath-asm-server"]
        return out


def _target_text(pairs, target, below=True, at=False):
    """Which declared rows meet a target: met only when the whole interval is within it;
    without an interval, 'by the median only'. pairs: [(title, comparison)].
    at: the target is "at or below" a reference (1x: the floor), and "at" is a claim of
    sameness, which needs a margin: a row judged equivalent to the reference within its margin
    (the 90% interval inside it) is at it, whichever side of 1x its median fell on."""
    met, at_ref, median_only, not_met = [], [], [], []
    for title, c in pairs:
        ok_med = c["r"] <= target if below else c["r"] >= target
        if c["word"] == stats.UNTESTED or c["lo"] is None:
            (median_only if ok_med else not_met).append(title)
        elif (c["hi"] <= target) if below else (c["lo"] >= target):
            met.append(title)
        elif at and c["word"] == stats.EQUIVALENT:
            at_ref.append("%s (equivalent within ±%g%%)" % (title, 100 * c["margin"]))
        elif ok_med:
            median_only.append(title)
        else:
            not_met.append(title)
    parts = []
    if met:
        parts.append("met by %s" % ", ".join(met))
    if at_ref:
        parts.append("met as the same by %s" % ", ".join(at_ref))
    if median_only:
        parts.append("met by the median only (no interval within it) by %s" % ", ".join(median_only))
    if not_met:
        parts.append("not met by %s" % ", ".join(not_met))
    return "target %s %.2g×: %s" % ("≤" if below else "≥", target, "; ".join(parts))


def _rate_state(m):
    """How a rate may be read: None when it is the server's throughput (the server's core was
    busy: server_bound, else the older "saturated" side), else the reason it says little about
    the server."""
    bound = runfolder.figure(m, "server_bound")
    if bound is True:
        return None
    if bound is False:
        return "not server-bound (the server's core was not kept busy)"
    sat = m.get("saturated")
    if sat == "server":
        return None
    if sat in ("client", "both"):
        return "client-bound (wrk's core saturated)"
    if sat == "neither":
        return "neither side saturated (latency-bound or shared CPUs)"
    return "saturation unknown"


def comparison(ref, row, section="load"):
    """One comparison of two rows of this run, judged alone: verdict.compare (per-round ratios
    when both rows were measured in the same rounds)."""
    return verdict.compare(ref, row, section)


def declared(run, kind):
    """The declared comparisons of one load file, each family corrected (verdict.correct), made
    once per run: {"ld": LoadRows, "decl": [(title, label)], "cpu": [(peer, [(title, c)])],
    "rate": [(title, c)], "rate_bound": {why: [title]}, "path": [(title, c)]}, or None."""
    cache = run.__dict__.setdefault("_declared", {})
    if kind in cache:
        return cache[kind]
    ld = LoadRows(run, kind)
    decl = [(t, n) for t, n in ld.declared() if n in ld.cpu and not ld.failed(n)]
    out = None
    if (ld.rate or ld.cpu) and decl:
        out = {"ld": ld, "decl": decl, "cpu": [], "rate": [], "rate_bound": {}, "path": []}
        refs = list(ld.peers) + [r for r in REFERENCE_ROWS if r not in ld.peers]
        for p in [p for p in refs if p in ld.cpu and ld.cpu[p].median]:
            pairs = [(t, comparison(ld.cpu[p], ld.cpu[n])) for t, n in decl]
            out["cpu"].append((p, [(t, c) for t, c in pairs if c is not None]))
        ng = ld.rate.get("nginx")
        if ng is not None and ng.median:
            for title, n in decl:
                if n in ld.rate and ld.rate[n].median is not None:
                    out["rate"].append((title, comparison(ng, ld.rate[n])))
                    why = _rate_state(ld.meta(n)) or _rate_state(ng.meta)
                    if why:
                        out["rate_bound"].setdefault(why, []).append(title)
            out["rate"] = [(t, c) for t, c in out["rate"] if c is not None]
        for model in ld.models():
            ref = ld.cpu.get("%s/%s" % (DECLARED_BACKEND, model))
            for b in ld.others():
                c = comparison(ref, ld.cpu.get("%s/%s" % (b, model)))
                if c is not None:
                    out["path"].append(("%s/%s" % (b, model), c))
        verdict.correct([c for _, pairs in out["cpu"] for _, c in pairs])
        verdict.correct([c for _, c in out["rate"]])
        verdict.correct([c for _, c in out["path"]])
    cache[kind] = out
    return out


def family_comparisons(d, key):
    """Every comparison of one family of declared(): a list of judged comparisons."""
    if key == "cpu":
        return [c for _, pairs in d["cpu"] for _, c in pairs]
    return [c for _, c in d[key]]


def tally_rows(run, kinds=("accept", "keepalive")):
    """One table row per declared family: (file, family, comparisons, different, equivalent,
    undetermined, untested, how they were tested)."""
    rows = []
    for kind in kinds:
        d = declared(run, kind)
        if not d:
            continue
        for key, title, _ in FAMILIES:
            cs = family_comparisons(d, key)
            if not cs:
                continue
            if key == "path":
                title = path_title(d["ld"])
            t = verdict.tally(cs)
            rows.append((kind, title, len(cs), t[stats.DIFFERENT], t[stats.EQUIVALENT], t[stats.UNDETERMINED],
                         t[stats.UNTESTED], verdict.tests_used(cs)))
    return rows


def path_title(ld):
    """The path family's name, with the paths the file compares: 'path (asm, raw ÷ libc)'."""
    return "path (%s ÷ %s)" % (", ".join(ld.others()), DECLARED_BACKEND)


TALLY_HEAD = ("file", "family", "comparisons", "different", "equivalent", "undetermined", "untested", "how")


def headline(run, kind):
    """The headline sentences of one load file, from comparisons declared in advance, never
    from the best of the rows: each model's declared row against every peer of the run,
    server CPU per connection/request with interval and test; the rate, shown as client-bound
    when it is; the path comparison (each other path ÷ libc) per model. [] without rows."""
    d = declared(run, kind)
    if not d:
        return []
    ld = d["ld"]
    words = {key: w for key, _, w in FAMILIES}
    out = []
    if not d["cpu"]:
        out.append("No peer server (nginx, h2o, lighttpd, ...) in this %s run, so no ratios to a peer." % kind)
    core = any(ld.meta(n).get("cpu_meter") == "core" for n in ld.names)
    tgt = (TARGETS_CORE if core else TARGETS)[kind]
    for p, pairs in d["cpu"]:
        if not pairs:
            continue
        text = "**Server CPU per %s against `%s`%s** (%s µs): %s" % (
            ld.per, p, " (the 20-line C server: a reference, not a peer)" if p in REFERENCE_ROWS else "",
            num(ld.cpu[p].median),
            "; ".join("%s %s" % (t, comparison_cell(c, words["cpu"])) for t, c in pairs))
        if p in tgt["cpu"]:
            text += "; " + _target_text(pairs, tgt["cpu"][p], at=p in REFERENCE_ROWS)
        out.append(text + ".")
    # rates: a rate that is not the server's throughput says so and is never judged against a target
    pairs, bound = d["rate"], d["rate_bound"]
    if pairs:
        text = "%s against nginx's %s: %s" % (
            ld.unit, num(ld.rate["nginx"].median),
            "; ".join("%s %s" % (t, comparison_cell(c, words["rate"])) for t, c in pairs))
        for why, titles in bound.items():
            text += "; %s for %s: no target judged on it" % (why, ", ".join(titles) if len(titles) < len(pairs)
                                                           else "every row")
        judged = [(t, c) for t, c in pairs if not any(t in v for v in bound.values())]
        if judged and "rate" in tgt:
            text += "; " + _target_text(judged, tgt["rate"], below=False)
        out.append(text + ".")
    # the path: does another path change the server's CPU against libc, model by model?
    if d["path"]:
        out.append("**Path** (server CPU per %s, ÷ %s of the same model): %s." % (
            ld.per, DECLARED_BACKEND, "; ".join("%s %s" % (t, comparison_cell(c, words["path"])) for t, c in d["path"])))
    return out
