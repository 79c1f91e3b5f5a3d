#!/usr/bin/python3
"""scripts/lib/bench_summary.py — summary.md of one run folder, from its JSON alone.

Written by scripts/bench at the end of a run (and after an interruption);
`/usr/bin/python3 scripts/lib/bench_summary.py RUN_DIR` rebuilds it.

What it says, in order: the machine in one line; the run's options and method
versions; the headline (declared comparisons: each model's libc row against every
peer, asm and raw against libc per model, server CPU per connection / request with
per-round ratio, interval, test and verdict, rates beside it marked where they are
not the server's throughput; then how many comparisons of each family ended
different, equivalent, undetermined or untested); errored rows; every server row
with median, 95% interval, ratios to nginx, server and wrk CPU % and which
side was saturated or server-bound; the server's core where the run recorded it;
flagged rows; the syscall paths against libc; the helpers
against glibc; the hyperfine process runs; instruction counts; the run's notes
and what was skipped. The sections are scripts/lib/render.py's, the same ones
scripts/report's report.md is made of (there with the plots).

Ratios are always to a baseline measured in the same run. Missing files are
skipped; unknown keys are ignored (old run folders keep working).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import render  # noqa: E402
import runfolder  # noqa: E402


def write(run_dir):
    """Write RUN_DIR/summary.md; return its path. Raises runfolder.RunFolderError on unreadable JSON."""
    path = os.path.join(run_dir, "summary.md")
    try:
        text = render.summary(runfolder.load(run_dir))
    except runfolder.RunFolderError:
        if any(f.endswith(".json") for f in os.listdir(run_dir)):
            raise
        # interrupted before the first file was written: say so rather than leave no summary
        text = "# syspath run %s\n\nNo results in this folder yet (the run stopped before its first " \
               "measurement).\n" % os.path.basename(os.path.abspath(run_dir))
    return render.write(path, text)


def errored(run_dir):
    """The run folder's errored rows, one line each ([] when there are none or no readable
    JSON yet): scripts/bench exits 1 when there are any."""
    try:
        return runfolder.errored(runfolder.load(run_dir))
    except runfolder.RunFolderError:
        return []


def main(argv):
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        sys.stdout.write("usage: bench_summary.py RUN_DIR\n\nRewrites RUN_DIR/summary.md from "
                         "the run folder's JSON.\n")
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    if not os.path.isdir(argv[0]):
        sys.stderr.write("bench_summary: %s is not a run folder\n" % argv[0])
        return 2
    try:
        print(write(argv[0]))
    except runfolder.RunFolderError as e:
        sys.stderr.write("bench_summary: %s\n" % e)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
