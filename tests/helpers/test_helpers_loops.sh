#!/bin/bash
# test_helpers_loops.sh — the C "loop"/"word"/"swar" rows are what their names
# say, in the library as built: no call (gcc turns a byte loop into a call to
# memset/memcpy/strlen unless told not to) and no xmm/ymm/zmm register (the
# auto-vectoriser would make them the sse2 row again); and the auto builds'
# fast path has no prologue.
# Usage: test_helpers_loops.sh LIBRARY.a   (ctest passes libsyspath_helpers.a)
set -euo pipefail

if [ "${1:-}" = "--help" ] || [ $# -ne 1 ]; then
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    [ "${1:-}" = "--help" ] && exit 0 || exit 2
fi
lib=$1
command -v objdump >/dev/null || { echo "SKIP: objdump not installed"; exit 77; }
[ -f "$lib" ] || { echo "FAIL: no library at $lib"; exit 1; }

# -r: a call or tail-call to memset in a relocatable object only shows as a
# relocation (R_X86_64_PLT32 memset-0x4) under the instruction.
dis=$(objdump -dr --no-show-raw-insn "$lib")
fail=0
for fn in sp_memset_loop sp_memset_word sp_memcpy_loop sp_strlen_loop sp_strlen_swar; do
    bad=0
    body=$(awk -v f="<$fn>:" '$2 == f {p=1; next} /^$/ {p=0} p' <<<"$dis")
    if [ -z "$body" ]; then
        echo "FAIL: $fn not found in $lib"; fail=1; continue
    fi
    # calls the sanitizers insert (SYSPATH_SANITIZE builds) are not libc
    calls=$(grep -E 'R_X86_64_(PLT32|PC32|GOTPCREL)' <<<"$body" |
            grep -Ev '__(asan|ubsan|sanitizer)_|\.data|\.rodata|\.bss' || true)
    if [ -n "$calls" ]; then
        echo "FAIL: $fn calls out:"; echo "$calls"; bad=1
    fi
    if grep -Eq '%[xyz]mm' <<<"$body"; then
        echo "FAIL: $fn uses vector registers:"; grep -E '%[xyz]mm' <<<"$body" | head -5; bad=1
    fi
    if [ $bad -eq 0 ]; then
        echo "ok $fn: $(grep -c '^ *[0-9a-f]*:' <<<"$body") instructions, no call, no vector register"
    fi
    fail=$((fail | bad))
done

# The auto builds' fast path (below the first window) starts with the size
# compare: no register saved, no stack touched before it. Work before every
# call, small ones included, is what glibc's memset does not do; a call
# inlined into a build once put a prologue there (push, stack realignment)
# and memset/auto fell to 0.9x glibc at 1-32 B. Not in sanitizer builds,
# whose instrumentation comes first.
if ! grep -q '__asan_' <<<"$dis"; then
    for fn in sp_memset_auto_avx512 sp_memset_auto_avx2 sp_memcpy_auto_avx512 \
              sp_memcpy_auto_avx2; do
        body=$(awk -v f="<$fn>:" '$2 == f {p=1; next} /^$/ {p=0} p' <<<"$dis")
        [ -n "$body" ] || { echo "FAIL: $fn not found in $lib"; fail=1; continue; }
        # awk, not grep | head: head's early exit would SIGPIPE grep, and
        # pipefail would end the script there
        head=$(awk '/^ *[0-9a-f]+:/ && n++ < 4' <<<"$body")
        if grep -Eq 'push|%rsp|%rbp' <<<"$head"; then
            echo "FAIL: $fn saves registers or touches the stack before its size compare:"
            echo "$head"; fail=1
        else
            echo "ok $fn: no prologue before the size compare"
        fi
    done
fi
exit $fail
