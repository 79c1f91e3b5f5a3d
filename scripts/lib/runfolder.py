"""scripts/lib/runfolder.py — read one results/<machine>/<run>/ folder, tolerantly.

A run folder is data that outlives the code that wrote it: scripts/plot,
scripts/report and scripts/compare must read folders written by older (and
newer) versions of scripts/bench. So this module reads what it needs and
ignores the rest:

- a missing file is a note ("no accept.json"), never an error;
- a missing key is None (or the row is left out, with a note);
- an unknown key is ignored.

Only an input that cannot be read at all is an error (RunFolderError, one
line naming the file): the folder does not exist, a file cannot be opened,
or a JSON file does not parse.

Every measurement becomes a Row with one name that is stable across runs and
machines, so two folders can be matched row by row:

  memset/rep_stosb/256            GB/s     (microbench.json, per repetition)
  memset/rep_stosb/256/misaligned GB/s
  htons/bswap                     ns/value
  syscall/getppid/asm             ns/call
  uring/nop/batch8                ns/op
  accept/raw/epoll                conn/s   (accept.json, per round)
  accept-cpu/raw/epoll            µs/conn  (server CPU per connection)
  keepalive/raw/epoll             req/s
  keepalive-cpu/raw/epoll         µs/req
  accept-segments/raw/epoll       segments/conn (likewise ctx_switches, syscalls,
                                  total_cpu_us, pair_cpu_us; keepalive-*: per req)
  instr/syscall/getppid/asm       instr/call (counts.json: exact, one value)
  hyperfine-hello/syspath-hello-asm  ms    (hyperfine --export-json, per run)

Medians and intervals come from scripts/lib/stats.py, nothing else.

The module is a facade over four files, one concern each: runfolder_core.py (Row, Run,
the tolerant accessors), runfolder_micro.py (microbench, counts, hyperfine rows),
runfolder_load.py (accept and keep-alive rows, and the figures later benches add),
runfolder_views.py (errored rows, crossovers, ratios, schema, calibration). Readers
import runfolder alone; the names below are its public ones.
"""

import os

import stats
from runfolder_core import (ACCEPT, COUNTS, HYPERFINE_GLOB, KEEPALIVE, KNOWN, MACHINE,  # noqa: F401
                            MICROBENCH, MIN_ROUNDS, RUN_INFO, Row, Run, RunFolderError, as_dict,
                            as_list, is_num, read_json)
from runfolder_load import (COUNTER_UNITS, COUNTERS, FIGURES, figure, load_row_name,  # noqa: F401
                            load_rows, method, method_identity, same_method, topology)
from runfolder_micro import (SIZED_FAMILIES, canonical_name, hyperfine_command_name,  # noqa: F401
                             infer_methods, load_counts, load_hyperfine, load_microbench,
                             parse_bench_name)
from runfolder_views import (CALIBRATE, SCHEMA_KNOWN, calibration, cpu_x_nginx,  # noqa: F401
                             crossover, errored, helper_series, is_peer, ratio_to, schema_check)

assert MIN_ROUNDS == stats.MIN_ROUNDS


def load(path):
    """Read a run folder. Raises RunFolderError for an unreadable input."""
    if not os.path.exists(path):
        raise RunFolderError("%s: no such run folder" % path)
    if not os.path.isdir(path):
        raise RunFolderError("%s: not a directory (expected a run folder)" % path)
    try:
        entries = sorted(os.listdir(path))
    except OSError as e:
        raise RunFolderError("%s: cannot list the folder (%s)" % (path, e.strerror or e))

    run = Run(path)
    hyperfine_files = [f for f in entries if HYPERFINE_GLOB.match(f)]
    if not any(f in entries for f in KNOWN) and not hyperfine_files:
        raise RunFolderError("%s: not a run folder (none of %s, hyperfine-*.json)" % (path, ", ".join(KNOWN)))

    machine = read_json(path, MACHINE, run)
    run.machine = machine if isinstance(machine, dict) else {}
    if machine is not None and not isinstance(machine, dict):
        run.notes.append("machine.json: not an object, ignored")

    if os.path.exists(os.path.join(path, RUN_INFO)):
        run.info = as_dict(read_json(path, RUN_INFO, run))

    mb = read_json(path, MICROBENCH, run)
    if mb is not None:
        load_microbench(run, mb)
    counts = read_json(path, COUNTS, run)
    if counts is not None:
        load_counts(run, counts)
    for fname, kind in ((ACCEPT, "accept"), (KEEPALIVE, "keepalive")):
        doc = read_json(path, fname, run)
        if doc is not None:
            load_rows(run, doc, kind)
    for f in hyperfine_files:
        doc = read_json(path, f, run)
        if doc is not None:
            load_hyperfine(run, doc, HYPERFINE_GLOB.match(f).group(1))
    infer_methods(run)
    return run
