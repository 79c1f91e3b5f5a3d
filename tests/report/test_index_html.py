#!/usr/bin/python3
"""scripts/index writes results/index.html, and the page works in a real browser.

Three machines from tests/report/mkrun.py: zen3 with 3 runs, Sapphire Rapids with 1,
and an old zen3 folder (--old: no mitigations, software or virtualisation in its
machine.json) under its own slug, with calibrate.json files written here. The page is
opened in Debian's headless Chromium and checked as a reader would use it:
no console errors; one systems row per run, "unknown" where the old folder lacks a
field; the figures judged (the Sapphire Rapids null syscall, 95 against 140 ns, is
coloured better than zen3's); thresholds "moved" or "same", never better or worse,
and "none up to 256 MiB" where no size helped; choosing another reference (the
selector, a column header, a run's button) changes the ratios; the charts are drawn.
A screenshot goes to the test's output folder. Skipped (77) without Chromium.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from common import PY, check, mkrun, need, run, script, tmpdir  # noqa: E402
import index_browser  # noqa: E402

need("numpy", "scipy")
driver = index_browser.open_browser()   # first: without Chromium, skip before making anything

R = tmpdir()
ZEN, SPR, OLD = "amd-epyc-7b13-zen3-2c-linux6.1", "intel-xeon-sapphirerapids-2c-linux6.18", "old-zen3-box"
MiB = 1 << 20


def calibrate(folder, rep_set, nt_set, rep_cpy, nt_cpy):
    doc = {"memset": {"rep_threshold": rep_set, "nt_threshold": nt_set, "vector": "avx2", "rows": []},
           "memcpy": {"rep_threshold": rep_cpy, "nt_threshold": nt_cpy, "vector": "avx2", "rows": []},
           "max_size": 256 * MiB, "rounds": 9}
    with open(os.path.join(folder, "calibrate.json"), "w") as f:
        json.dump(doc, f)


zen_runs = []
for i in range(3):
    d = mkrun(os.path.join(R, ZEN, "2026-01-0%dT000000Z" % (i + 1)), "--seed", str(i + 1), "--reps", "3",
              "--rounds", "5", "--hyperfine-runs", "10")
    calibrate(d, 2048, None, 2048, None)
    zen_runs.append(d)
spr = mkrun(os.path.join(R, SPR, "2026-01-05T000000Z"), "--machine", "spr", "--seed", "7", "--reps", "3",
            "--rounds", "5", "--hyperfine-runs", "10")
calibrate(spr, 2048, 64 * MiB, 4096, 16 * MiB)   # memset's rep threshold the same, the others moved
old = mkrun(os.path.join(R, OLD, "2026-01-06T000000Z"), "--old", "--seed", "9", "--reps", "3", "--rounds", "5",
            "--hyperfine-runs", "10", "--drop", "counts.json")
with open(os.path.join(old, "machine.json")) as f:
    m = json.load(f)
m["slug"] = OLD
with open(os.path.join(old, "machine.json"), "w") as f:
    json.dump(m, f)

PAGE = os.path.join(R, "index.html")
run([PY, script("index"), "--results", R, "--readme", "none"], expect_rc=0)
check(os.path.exists(PAGE), "scripts/index: expected %s, found none" % PAGE)
with open(PAGE, encoding="utf-8") as f:
    text = f.read()
check(not re.search(r"""(src|href)=["']?(https?:)?//""", text),
      "the page must need no network: found an external src/href")
mtime = os.stat(PAGE).st_mtime_ns
_, _, err = run([PY, script("index"), "--results", R, "--readme", "none"], expect_rc=0)
check(os.stat(PAGE).st_mtime_ns == mtime and "index.html" not in err,
      "second scripts/index run: expected index.html untouched, got %r" % err)

driver.get("file://" + PAGE)
check(driver.execute_script("return document.body.getAttribute('data-ready')") == "1",
      "the page's script did not finish drawing (data-ready not set)")
errors = index_browser.severe(driver)
check(not errors, "expected no console errors, got %s" % errors)


def js(code):
    return driver.execute_script(code)


# one systems row per run; what an old folder lacks reads "unknown"
rows = js("return Array.from(document.querySelectorAll('#systems tbody tr')).map(function (r) {"
          " return Array.from(r.cells).map(function (c) { return c.textContent.trim(); }); })")
check(len(rows) == 5, "systems table: expected 5 rows (one per run), got %d" % len(rows))
heads = js("return Array.from(document.querySelectorAll('#systems thead th')).map(function (c) { return c.textContent; })")
old_row = [r for r in rows if r[0].startswith(OLD)]
check(len(old_row) == 1, "systems table: expected one row for %s, got %s" % (OLD, [r[0] for r in rows]))
old_cells = dict(zip(heads, old_row[0]))
for col in ("microarch", "mitigations", "virtualisation", "glibc"):
    check(old_cells.get(col) == "unknown", "old folder's %s: expected 'unknown', got %r" % (col, old_cells.get(col)))
# its method versions are only what its own files show, each marked as read off them
versions = old_cells.get("method versions", "")
check(versions and all(v.endswith("(inferred)") for v in versions.split(", ")),
      "old folder's method versions: expected each marked (inferred), got %r" % versions)
zen_cells = dict(zip(heads, [r for r in rows if r[0].startswith(ZEN)][0]))
check(zen_cells["microarch"] == "zen3" and zen_cells["glibc"] == "2.36" and "meltdown" in zen_cells["mitigations"],
      "zen3's systems row: expected microarch, glibc and mitigations from machine.json, got %s" % zen_cells)
links = js("return Array.from(document.querySelectorAll('#systems a')).map(function (a) { return a.getAttribute('href'); })")
check(any(h.endswith("/accept.json") for h in links) and all(not h.startswith("/") for h in links),
      "systems table: expected relative links to each run's JSON, got %s" % links[:5])
for h in links:
    check(os.path.exists(os.path.join(R, h)), "link %s: no such file next to the page" % h)


def matrix():
    """{fig key: [(value text, ratio text, class) per machine column]} as the page shows it."""
    return js("""var out = {};
      document.querySelectorAll('#matrix tbody tr').forEach(function (tr) {
        out[tr.getAttribute('data-fig')] = Array.from(tr.querySelectorAll('td')).slice(1).map(function (td) {
          var v = td.querySelector('.val'), r = td.querySelector('.ratio');
          return [v ? v.textContent : '', r ? r.textContent : '', td.className]; }); });
      return out;""")


machines = js("return Array.from(document.querySelectorAll('#matrix th.mach')).map(function (t) {"
              " return t.getAttribute('data-ref'); })")
check(machines == ["m:" + ZEN, "m:" + SPR, "m:" + OLD], "matrix columns: expected the 3 machines, got %s" % machines)
ZI, SI, OI = 0, 1, 2
by_zen = matrix()   # the default reference: the first machine
check("v-ref" in by_zen["getppid/asm"][ZI][2] and by_zen["getppid/asm"][ZI][1] == "reference",
      "default reference: expected zen3's column marked 'reference', got %s" % (by_zen["getppid/asm"][ZI],))


def num(s):
    return float(s.replace(",", "").replace("×", "").split()[0])


val_s, ratio_s, cls = by_zen["getppid/asm"][SI]
want = num(val_s) / num(by_zen["getppid/asm"][ZI][0])
check(abs(num(ratio_s) - want) < 0.02 * want, "spr/zen3 getppid ratio: expected about %.2f×, got %r" % (want, ratio_s))
check("v-better" in cls and "better" in ratio_s,
      "spr's null syscall (95 against 140 ns, 3 v 9 repetitions): expected judged better, got %r %r" % (ratio_s, cls))
title = js("return document.querySelectorAll('#matrix tr[data-fig=\"getppid/asm\"] td')[%d].title" % (SI + 1))
check(title.startswith("better: different, 95% CI of the ratio [") and " q = " in title,
      "spr's judged cell: expected a tooltip with the verdict, interval and q, got %r" % title)
# thresholds: moved or same, never better or worse; "none up to", never n/a
for key in ("memset_rep", "memset_nt", "memcpy_rep", "memcpy_nt"):
    for text, ratio, cls in by_zen[key]:
        check("v-better" not in cls and "v-worse" not in cls, "%s: a threshold was judged (%r)" % (key, cls))
        check("n/a" not in text, "%s: expected no n/a, got %r" % (key, text))
check(by_zen["memset_rep"][SI][1] == "same" and by_zen["memset_nt"][SI][1] == "moved"
      and "v-moved" in by_zen["memset_nt"][SI][2],
      "spr's thresholds against zen3: expected memset rep 'same', nt 'moved', got %s / %s"
      % (by_zen["memset_rep"][SI], by_zen["memset_nt"][SI]))
check(by_zen["memset_nt"][ZI][0] == "none up to 256 MiB", "zen3's memset nt: expected 'none up to 256 MiB', got %r"
      % by_zen["memset_nt"][ZI][0])
check(by_zen["memset_nt"][OI][0] == "unknown", "the old folder has no calibrate.json: expected 'unknown', got %r"
      % by_zen["memset_nt"][OI][0])

# choose Sapphire Rapids through the selector: the ratios follow
from selenium.webdriver.support.ui import Select  # noqa: E402
Select(driver.find_element("id", "ref")).select_by_value("m:" + SPR)
by_spr = matrix()
check(by_spr["getppid/asm"][SI][1] == "reference" and by_spr["getppid/asm"][ZI][1] != by_zen["getppid/asm"][ZI][1],
      "spr as reference: expected its column the reference and zen3's ratio changed, got %s"
      % (by_spr["getppid/asm"],))
check("v-worse" in by_spr["getppid/asm"][ZI][2], "zen3 against spr: expected worse, got %s" % (by_spr["getppid/asm"][ZI],))
check(abs(num(by_spr["getppid/asm"][ZI][1]) * num(ratio_s) - 1) < 0.03,
      "the two ratios should be each other's inverse: %r and %r" % (by_spr["getppid/asm"][ZI][1], ratio_s))

# a column header sets the reference too
driver.find_element("css selector", "#matrix th.mach[data-ref='m:%s']" % ZEN).click()
check(matrix() == by_zen, "zen3 again (column click): expected the first matrix back")

# a run of a machine with several runs as the reference: an extra column with that run's figures
label = "%s/2026-01-02T000000Z" % ZEN
driver.find_element("css selector", "#systems button[data-ref='r:%s']" % label).click()
head = js("return document.querySelector('#matrix thead th.refcol').textContent")
check(label in head, "run as reference: expected a reference-run column naming %s, got %r" % (label, head))
check(js("return document.getElementById('ref').value") == "r:" + label, "the selector does not show the chosen run")
check(len(js("return document.querySelectorAll('#systems tr.refrow')")) == 1,
      "run as reference: expected exactly its systems row highlighted")

# the charts: syscalls per path, server CPU against nginx, helper GB/s per variant
n_dots = js("return document.querySelectorAll('#chart-syscalls circle.dot').length")
check(n_dots >= 3 * 3, "syscall chart: expected a dot per machine and path, got %d" % n_dots)
for kind in ("accept", "keepalive"):
    check(js("return document.querySelectorAll('#chart-%s circle.dot').length" % kind) > 0,
          "%s chart: no dots drawn" % kind)
check(js("return document.querySelectorAll('#chart-helpers polyline.line').length") == 3,
      "helper chart: expected one line per machine")
Select(driver.find_element("id", "variant")).select_by_value("memset/avx512")
check(js("return document.querySelectorAll('#chart-helpers polyline.line').length") == 1,
      "memset/avx512 (only Sapphire Rapids has AVX-512): expected one line")
errors = index_browser.severe(driver)
check(not errors, "expected no console errors after the clicks, got %s" % errors)

out_dir = os.path.join(os.environ.get("SYSPATH_BUILD") or R, "test-output", "report_index_html")
os.makedirs(out_dir, exist_ok=True)
shot = index_browser.screenshot(driver, os.path.join(out_dir, "index.png"))
with open(shot, "rb") as f:
    check(f.read(8) == b"\x89PNG\r\n\x1a\n", "screenshot: %s is not a PNG" % shot)
print("ok: index.html written and unchanged on re-run; in Chromium no console error, 5 systems rows, unknown "
      "fields, judged colours, thresholds moved/same, the reference switched three ways, charts drawn; "
      "screenshot %s" % shot)
