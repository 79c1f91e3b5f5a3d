"""scripts/lib/runfolder_views.py — what readers derive from a loaded Run: the errored rows,
helper series and crossovers, a row's ratio to nginx, the folder's schema and calibration."""
import json
import os

import stats
import verdict
from runfolder_core import MIN_ROUNDS, as_dict, is_num as _is_num


def errored(run):
    """Every measurement that went wrong, one line each: a benchmark row whose setup or
    result check failed, a load row with failed rounds. Flagged load rows (wrk socket
    errors) are marked in their tables instead: they were measured."""
    out = ["%s: %s%s" % (e["name"], e["why"], " (repetitions before the error are kept)" if e["partial"] else "")
           for e in run.errors]
    for kind in ("accept", "keepalive"):
        seen = set()
        for r in run.section(kind) + run.section(kind + "-cpu"):
            m, name = r.meta, r.meta.get("label")
            if name in seen:
                continue
            seen.add(name)
            if m.get("failed"):
                out.append("%s/%s: every round failed%s" % (kind, name, ": " + m["note"] if m.get("note") else ""))
            elif m.get("failed_rounds"):
                out.append("%s/%s: %d round%s failed%s" % (kind, name, m["failed_rounds"],
                                                         "" if m["failed_rounds"] == 1 else "s",
                                                         ": " + m["note"] if m.get("note") else ""))
    return out


# -- derived views the plots and the report share ---------------------------------------------

def helper_series(run, family):
    """{(variant, misaligned): {bytes: Row}} for one helper family."""
    by = {}
    for r in run.section("helpers"):
        if r.meta.get("family") == family:
            by.setdefault((r.meta["variant"], r.meta["misaligned"]), {})[r.meta["bytes"]] = r
    return by


_RATIO_CACHE = {}


def ratio_to(ref_row, row):
    """stats.ratio_ci(ref, row) for two rows, cached: (ratio, lo, hi) or (None,)*3."""
    key = (id(ref_row), id(row))
    if key not in _RATIO_CACHE:
        if len(ref_row.values) >= MIN_ROUNDS and len(row.values) >= MIN_ROUNDS:
            out = stats.ratio_ci(ref_row.values, row.values)
        elif ref_row.median and row.median is not None:
            out = (row.median / ref_row.median, None, None)
        else:
            out = (None, None, None)
        # the rows are kept with their ratio: while they live their ids cannot name other rows
        _RATIO_CACHE[key] = (ref_row, row, out)
    return _RATIO_CACHE[key][2]


def is_peer(label, meta):
    """Whether a load row's server is not syspath's (nginx, nginx-deferred, h2o, lighttpd, ...).
    The reference row floor (syspath-floor, "reference": true) never is."""
    if label == "floor" or meta.get("reference"):
        return False
    server = meta.get("server")
    return label.startswith("nginx") or (isinstance(server, str) and not server.startswith("syspath"))


def cpu_x_nginx(run, kind, row):
    """Server row's median CPU ("accept" per connection, "keepalive" per request) over
    nginx's in the same run: a plain ratio of medians, or None when either is missing."""
    mine, ref = run.get("%s-cpu/%s" % (kind, row)), run.get("%s-cpu/nginx" % kind)
    if mine and ref and mine.median is not None and ref.median:
        return mine.median / ref.median
    return None


def crossover(series, ref):
    """Where a variant catches up with the reference, over sizes both have.

    series, ref: {bytes: Row} (GB/s, higher is better). Returns a dict:
      catch: smallest size from which the variant is never significantly slower (verdict.compare:
             not "different" and lower, and tested, at that size and every larger one), or None;
      win:   smallest size from which it is significantly faster at every larger size, or None;
      best:  (ratio, size) of its best median ratio;
      sizes: how many sizes were compared.
    """
    sizes = sorted(s for s in series if s in ref)
    out = {"catch": None, "win": None, "best": None, "sizes": len(sizes)}
    if not sizes:
        return out
    status = []
    for s in sizes:
        c = verdict.compare(ref[s], series[s], "helpers", paired=False)
        status.append("untested" if c is None or c["word"] == stats.UNTESTED else
                      "faster" if c["word"] == stats.DIFFERENT and c["direction"] == stats.HIGHER else
                      "slower" if c["word"] == stats.DIFFERENT else "not slower")
        r = ratio_to(ref[s], series[s])[0]
        if r is not None and (out["best"] is None or r > out["best"][0]):
            out["best"] = (r, s)
    for key, ok in (("catch", ("faster", "not slower")), ("win", ("faster",))):
        i = len(sizes)
        while i > 0 and status[i - 1] in ok:
            i -= 1
        if i < len(sizes):
            out[key] = sizes[i]
    return out


# -- the folder's schema and its calibration (read by scripts/index and scripts/compare) ------

SCHEMA_KNOWN = 1   # machine.json's "schema" this reader was written for


def schema_check(run):
    """Whether this reader can trust a folder's layout: (ok, message).

    No "schema" (folders older than the field) and any whole number up to
    SCHEMA_KNOWN are read as they are. A newer whole number is read as far as
    the rows go: (True, a note naming the versions), also added to run.notes.
    Anything else — a string, a fraction, a number below 1 — is a file this
    reader does not understand: (False, one line saying why).
    """
    if "schema" not in run.machine:
        return True, None
    s = run.machine.get("schema")
    if not isinstance(s, int) or isinstance(s, bool) or s < 1:
        return False, "%s: machine.json has schema %r, not a version this reader knows (1..%d)" % (
            run.path, s, SCHEMA_KNOWN)
    if s > SCHEMA_KNOWN:
        if not run.rows:
            return False, "%s: machine.json schema %d is newer than this reader (%d) and no row was recognised" % (
                run.path, s, SCHEMA_KNOWN)
        note = "machine.json schema %d is newer than this reader (%d): read what it recognises" % (s, SCHEMA_KNOWN)
        if note not in run.notes:
            run.notes.append(note)
        return True, note
    return True, None


CALIBRATE = "calibrate.json"


def calibration(run):
    """syspath-calibrate's windows: {family: {"rep": bytes|None, "nt": bytes|None,
    "rep2": bytes|None, "rep_end", "nt_end", "rep2_end": bytes|None, "max": bytes|None}}
    (rep2: rep's second window).

    A family with a threshold of null means "no size helps up to the largest
    measured"; an end of null, that the window stays open above its start (and
    runs written before windows had ends record none); a family or file that is missing is left out (the caller shows
    n/a). A calibrate.json that does not parse is a note, not an error: it is
    only read for the headline figures.
    """
    full = os.path.join(run.path, CALIBRATE)
    if not os.path.exists(full):
        return {}
    try:
        with open(full, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError, UnicodeDecodeError) as e:
        run.notes.append("%s: unreadable, thresholds left out (%s)" % (CALIBRATE, str(e).splitlines()[0]))
        return {}
    out = {}
    for fam, v in as_dict(doc).items():
        v = as_dict(v)
        if "rep_threshold" in v or "nt_threshold" in v:
            out[fam] = {k: (v.get(k + "_threshold") if _is_num(v.get(k + "_threshold")) else None)
                        for k in ("rep", "nt", "rep2")}
            out[fam].update({k + "_end": (v.get(k + "_end") if _is_num(v.get(k + "_end")) else None)
                             for k in ("rep", "nt", "rep2")})
            c = out[fam]
            if c["rep2"] is not None and c["rep"] is not None and c["rep2"] < c["rep"]:
                # rep's windows in size order, so "rep" is where rep starts (calibrate
                # writes them so; one early run wrote its best window first)
                c["rep"], c["rep_end"], c["rep2"], c["rep2_end"] = c["rep2"], c["rep2_end"], c["rep"], c["rep_end"]
            out[fam]["max"] = doc.get("max_size") if _is_num(doc.get("max_size")) else None
    return out
