"""scripts/lib/run_budget.py — keep a run folder lean enough to commit one per machine.

The budget: BUDGET_STORED (2 MiB) per run folder as the repository stores it,
every file zlib-compressed the way git keeps its objects. Text and JSON shrink
several-fold that way; the PNG plots do not, so they are most of what a folder costs.

What keeps a folder within it (keep(), called by bench_run.py at the end of a run):
- microbench.json loses google-benchmark's mean, stddev and cv aggregate rows.
  Every reader works from the per-repetition rows, which are all kept (compare's
  tests need them), and the median aggregate stays for readers of files that
  kept nothing else. That is a quarter of the file, and the name is unchanged,
  so old folders and old readers keep working.
- Past that, nothing is deleted: the run says which files are the largest, and
  scripts/index shows every folder's size against the budget.

  /usr/bin/python3 scripts/lib/run_budget.py FOLDER...   apply keep() and print the sizes
"""
import json
import os
import sys
import zlib

BUDGET_STORED = 2 << 20
MICROBENCH = "microbench.json"
DROPPED_AGGREGATES = ("mean", "stddev", "cv")


def sizes(folder):
    """(bytes on disk, bytes as stored compressed) over every file under folder."""
    disk = stored = 0
    for d, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(d, f)
            try:
                with open(p, "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            disk += len(data)
            stored += len(zlib.compress(data, 6))
    return disk, stored


def largest(folder, n=3):
    out = []
    for d, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(d, f)
            try:
                out.append((os.path.getsize(p), os.path.relpath(p, folder)))
            except OSError:
                pass
    return sorted(out, reverse=True)[:n]


def prune_microbench(folder):
    """Drop the mean/stddev/cv aggregate rows of microbench.json; return the bytes saved (0 if none)."""
    path = os.path.join(folder, MICROBENCH)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        doc = json.loads(text)
    except (OSError, ValueError, UnicodeDecodeError):
        return 0                     # missing or unreadable: the readers say so, not this
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        return 0
    kept = [b for b in doc["benchmarks"] if not (isinstance(b, dict) and b.get("run_type") == "aggregate"
                                                 and b.get("aggregate_name") in DROPPED_AGGREGATES)]
    if len(kept) == len(doc["benchmarks"]):
        return 0
    doc["benchmarks"] = kept
    new = json.dumps(doc, separators=(",", ":"))   # as bench_micro.py writes it: no indentation
    tmp = path + ".tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(new)
        os.replace(tmp, path)
    except OSError:
        return 0                     # a read-only folder stays as it is
    return len(text.encode()) - len(new.encode())


def keep(folder, log=lambda msg: print(msg, file=sys.stderr)):
    """Apply the pruning above; warn (one line) when the folder is still over the budget.
    Returns (disk bytes, stored bytes, over budget)."""
    prune_microbench(folder)
    disk, stored = sizes(folder)
    over = stored > BUDGET_STORED
    if over:
        log("warning: %s is %.1f MiB as stored, over the %d MiB budget per run folder (largest: %s)" % (
            folder, stored / 2 ** 20, BUDGET_STORED >> 20,
            ", ".join("%s %.1f MiB" % (name, b / 2 ** 20) for b, name in largest(folder))))
    return disk, stored, over


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0 if len(sys.argv) > 1 else 2)
    for folder in sys.argv[1:]:
        if not os.path.isdir(folder):
            print("run_budget: %s: not a directory" % folder, file=sys.stderr)
            sys.exit(2)
        disk, stored, over = keep(folder)
        print("%s: %.2f MiB on disk, %.2f MiB stored%s" % (folder, disk / 2 ** 20, stored / 2 ** 20,
                                                           " (over budget)" if over else ""))
