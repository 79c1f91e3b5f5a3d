#!/usr/bin/env bash
# scripts/bench rejects bad options before doing anything: exit 2, exactly one
# line on stderr that names the problem, nothing on stdout; --help exits 0.
set -euo pipefail
bench=${SYSPATH_SRC:?run through ctest}/scripts/bench
fails=0

expect_bad() {
    local want=$1; shift
    local out err rc=0
    out=$(mktemp) err=$(mktemp)
    timeout 30 "$bench" "$@" >"$out" 2>"$err" || rc=$?
    local lines
    lines=$(wc -l <"$err")
    if [ "$rc" -ne 2 ] || [ "$lines" -ne 1 ] || [ -s "$out" ] || ! grep -q -- "$want" "$err"; then
        echo "FAIL: scripts/bench $*: exit $rc, $lines stderr line(s): $(cat "$err")" \
             "(expected exit 2 and one line mentioning '$want', empty stdout)" >&2
        fails=$((fails + 1))
    else
        echo "ok: scripts/bench $* -> $(cat "$err")"
    fi
    rm -f "$out" "$err"
}

expect_bad "bogus" --only bogus
expect_bad "bogus" --only accept,bogus
expect_bad "abc" --rounds abc
expect_bad "rounds" --rounds
expect_bad "'0'" --rounds 0
expect_bad "1.5" --duration 1.5
expect_bad "frob" --frob
expect_bad "/proc/nope" --out /proc/nope/run
expect_bad "rows" --rows ,
expect_bad "only accept or keepalive" --rows raw/epoll --only helpers
expect_bad "only accept or keepalive" --no-syscall-count --only syscalls
expect_bad "only accept or keepalive" --profile --only helpers
expect_bad "mesh" --topology mesh
expect_bad "topology" --topology
expect_bad "max-minutes" --max-minutes 5
expect_bad "'-1'" --adaptive --max-minutes -1
expect_bad "needs --only accept or keepalive" --adaptive --only helpers
expect_bad "'0'" --runs 0
expect_bad "at most" --runs 1000
if [ -x "${SYSPATH_BIN:-}/syspath-server" ]; then
    # a row this machine does not have: one line naming it, before any work
    expect_bad "raw/bogus" --no-build --build-dir "$(dirname "$SYSPATH_BIN")" --only accept --rows raw/bogus,nginx
fi

if [ -x "${SYSPATH_BIN:-}/syspath-server" ] && command -v wrk >/dev/null && command -v nginx >/dev/null; then
    # --runs 2: two full run folders, their paths the last two lines on stdout (bench_run.py
    # itself: scripts/bench would go on to rewrite the results index)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    rc=0
    timeout 120 /usr/bin/python3 "$SYSPATH_SRC/scripts/lib/bench_run.py" --no-build --no-post \
        --build-dir "$(dirname "$SYSPATH_BIN")" --only accept --rows nginx --rounds 1 --duration 1 \
        --runs 2 --out "$tmp/run" >"$tmp/out" 2>"$tmp/err" || rc=$?
    if [ "$rc" -ne 0 ] || [ "$(tail -n 2 "$tmp/out")" != "$(printf '%s\n%s' "$tmp/run-r1" "$tmp/run-r2")" ] \
        || [ ! -s "$tmp/run-r1/accept.json" ] || [ ! -s "$tmp/run-r2/accept.json" ]; then
        echo "FAIL: --runs 2: exit $rc, stdout $(cat "$tmp/out"), expected two folders run-r1, run-r2" \
             "each with accept.json; stderr: $(tail -n 3 "$tmp/err")" >&2
        fails=$((fails + 1))
    else
        echo "ok: --runs 2 -> $(tail -n 2 "$tmp/out" | tr '\n' ' ')"
    fi
fi

help=$(timeout 30 "$bench" --help) || { echo "FAIL: --help exited non-zero" >&2; exit 1; }
for word in --quick --only --out --duration --rounds --rows --no-syscall-count --profile --topology --build-dir --adaptive --max-minutes --runs; do
    grep -q -- "$word" <<<"$help" || { echo "FAIL: --help does not mention $word" >&2; fails=$((fails + 1)); }
done
exit $((fails > 0))
