#!/bin/bash
# test_cpu_mask.sh — SYSPATH_CPU_MASK really keeps variants from running.
#
# Runs every helper correctness binary (--quick) with SYSPATH_CPU_MASK=0 and
# checks from its ok/SKIP lines that every SIMD variant (and libc_erms) was
# reported as skipped and that only the variants needing no optional feature
# ran. Then SYSPATH_CPU_MASK=0x3 (sse2 + sse4.2: "a CPU without AVX2"): the
# avx2/avx512 rows must be skipped and the sse2 row must run.
set -euo pipefail

if [ "${1:-}" = "--help" ]; then
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
bin=${SYSPATH_BIN:?SYSPATH_BIN not set (run through ctest)}

# The variants that need no optional CPU feature (the scalar, rep-string
# and libc rows). Every other row must be skipped under SYSPATH_CPU_MASK=0.
no_features="memset/rep_stosb memset/loop memset/word memset/libc
strlen/repne_scasb strlen/loop strlen/swar strlen/libc
memcpy/rep_movsb memcpy/loop memcpy/libc
htons/tutorial htons/rol htons/bswap htons/builtin htons/libc"
must_skip="memset/sse2 memset/avx2 memset/avx512 memset/nt memset/auto memset/libc_erms
strlen/sse2 strlen/avx2 strlen/avx512 memcpy/avx2 memcpy/avx512 memcpy/auto"

fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

run() {   # run MASK: all binaries' output into $out
    : >"$out"
    for t in memset_lengths memset_page_edges memcpy_lengths memcpy_page_edges \
             strlen_lengths strlen_page_edges htons_all; do
        SYSPATH_CPU_MASK=$1 "$bin/test_$t" --quick >>"$out" 2>&1 || {
            echo "FAIL: test_$t --quick under SYSPATH_CPU_MASK=$1 exited $?"; fail=1; }
    done
}

run 0
for v in $(grep -o '^ok [a-z0-9_]*/[a-z0-9_]*' "$out" | cut -d' ' -f2 | sort -u); do
    if ! grep -qx "$v" <<<"$(tr ' ' '\n' <<<"$no_features")"; then
        echo "FAIL: $v ran under SYSPATH_CPU_MASK=0 (it should need a CPU feature)"; fail=1
    fi
done
for v in $must_skip; do
    grep -q "^SKIP $v:" "$out" || { echo "FAIL: $v not reported as skipped under SYSPATH_CPU_MASK=0"; fail=1; }
    if grep -q "^ok $v " "$out"; then echo "FAIL: $v ran under SYSPATH_CPU_MASK=0"; fail=1; fi
done
for v in $no_features; do
    grep -q "^ok $v " "$out" || { echo "FAIL: $v did not run under SYSPATH_CPU_MASK=0"; fail=1; }
done

run 0x3
for v in memset/avx2 memset/avx512 strlen/avx2 strlen/avx512 memcpy/avx2 memcpy/avx512; do
    grep -q "^SKIP $v:" "$out" || { echo "FAIL: $v not skipped under SYSPATH_CPU_MASK=0x3"; fail=1; }
done
for v in memset/sse2 strlen/sse2 memset/auto memcpy/auto; do
    grep -q "^ok $v " "$out" || { echo "FAIL: $v did not run under SYSPATH_CPU_MASK=0x3"; fail=1; }
done

[ $fail -eq 0 ] && echo "ok: SYSPATH_CPU_MASK=0 skips every SIMD variant; 0x3 skips AVX2/AVX-512 only"
exit $fail
