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
expect_bad "mesh" --topology mesh
expect_bad "topology" --topology
if [ -x "${SYSPATH_BIN:-}/syspath-server" ]; then
    # a row this machine does not have: one line naming it, before any work
    expect_bad "raw/bogus" --no-build --build-dir "$(dirname "$SYSPATH_BIN")" --only accept --rows raw/bogus,nginx
fi

help=$(timeout 30 "$bench" --help) || { echo "FAIL: --help exited non-zero" >&2; exit 1; }
for word in --quick --only --out --duration --rounds --rows --topology --build-dir; do
    grep -q -- "$word" <<<"$help" || { echo "FAIL: --help does not mention $word" >&2; fails=$((fails + 1)); }
done
exit $((fails > 0))
