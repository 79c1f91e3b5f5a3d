#!/usr/bin/env bash
# test_freestanding_static.sh — syspath-hello-asm prints "Hello, World!\n" and
# exits 0; it and syspath-asm-server are static programs with no libc: no
# program interpreter, no dynamic section, no undefined symbols.
#
# usage: test_freestanding_static.sh   (run by ctest; needs SYSPATH_BIN)
set -euo pipefail

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
: "${SYSPATH_BIN:?SYSPATH_BIN is not set (run through ctest)}"
hello=$SYSPATH_BIN/syspath-hello-asm
server=$SYSPATH_BIN/syspath-asm-server
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok:   $*"; }

# Hello world: exact bytes (a NUL after the newline, as the tutorial's data
# had, would show here), exit status 0.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
timeout 10 "$hello" >"$out" || rc=$?
if [ $rc -ne 0 ]; then
    fail "syspath-hello-asm exited $rc, expected 0"
elif ! printf 'Hello, World!\n' | cmp -s - "$out"; then
    fail "syspath-hello-asm printed $(od -c "$out" | head -3), expected 'Hello, World!\n'"
else
    ok "syspath-hello-asm prints exactly 'Hello, World!\n' and exits 0"
fi

rc=0
timeout 10 "$hello" --help >"$out" || rc=$?
{ [ $rc -eq 0 ] && grep -q '^usage: syspath-hello-asm' "$out"; } ||
    fail "syspath-hello-asm --help: exit $rc, expected 0 and a usage line"
rc=0
timeout 10 "$hello" bogus >"$out" 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "syspath-hello-asm bogus: exit $rc, expected 2"
# A stdout that cannot be written is an error, not a silent success.
rc=0
timeout 10 "$hello" >&- 2>/dev/null || rc=$?
[ $rc -eq 1 ] || fail "syspath-hello-asm with stdout closed: exit $rc, expected 1"

for exe in "$hello" "$server"; do
    name=$(basename "$exe")
    if command -v file >/dev/null; then
        desc=$(file -b "$exe")
        case $desc in
            *"statically linked"*) ok "$name: file says: ${desc%%,*}, ... statically linked" ;;
            *) fail "$name: file says '$desc', expected 'statically linked'" ;;
        esac
    fi
    if command -v ldd >/dev/null; then
        ldd_out=$(ldd "$exe" 2>&1 || true)
        case $ldd_out in
            *"not a dynamic executable"*|*"statically linked"*) ok "$name: ldd: $(echo $ldd_out)" ;;
            *) fail "$name: ldd lists libraries: $ldd_out" ;;
        esac
    fi
    # The ELF itself, without relying on file/ldd: no interpreter, no
    # dynamic section, no undefined symbol (nothing from libc or crt*.o).
    if command -v readelf >/dev/null; then
        if readelf -lW "$exe" | grep -qE 'INTERP|DYNAMIC'; then
            fail "$name: has an INTERP or DYNAMIC program header"
        else
            ok "$name: no INTERP, no DYNAMIC program header"
        fi
        undefined=$(nm -u "$exe" 2>/dev/null || true)
        [ -z "$undefined" ] || fail "$name: undefined symbols: $undefined"
        if nm "$exe" 2>/dev/null | grep -qE ' (__libc_start_main|_IO_|malloc)'; then
            fail "$name: contains libc symbols"
        fi
    else
        echo "note: readelf missing (binutils): ELF header checks skipped"
    fi
done

[ $failures -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
