#!/usr/bin/env bash
# test_asm_macho64.sh — every NASM source meant for macOS too still assembles
# for it: `nasm -f macho64 -DPLATFORM_OSX`, with and without -DSP_ABI_CHECK,
# no error and no warning. Nothing here can run Mach-O; this keeps the
# PLATFORM_OSX branches from rotting on a Linux-only CI.
#
# Which files: every .asm in the tree that mentions PLATFORM_OSX or includes
# platform.inc (whose macros branch on PLATFORM_OSX), found with grep, so a
# new file is covered without editing this test. Build dirs and .git skipped.
#
# usage: test_asm_macho64.sh [SOURCE_DIR]   (default: $SYSPATH_SRC)
set -euo pipefail

case ${1:-} in
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
src=${1:-${SYSPATH_SRC:?SYSPATH_SRC is not set (run through ctest, or pass the source dir)}}
[ -d "$src/impl/sys" ] || { echo "not a syspath tree: $src"; exit 2; }
command -v nasm >/dev/null || { echo "SKIP: nasm not installed"; exit 77; }

mapfile -t files < <(cd "$src" && grep -rlE --include='*.asm' \
    --exclude-dir='.git' --exclude-dir='build*' \
    -e 'PLATFORM_OSX' -e '%include[[:space:]]+"platform\.inc"' . | sed 's|^\./||' | sort)
if [ ${#files[@]} -eq 0 ]; then
    echo "FAIL: no .asm file with a PLATFORM_OSX branch found under $src (grep broken?)"
    exit 1
fi

obj=$(mktemp)
log=$(mktemp)
trap 'rm -f "$obj" "$log"' EXIT
failures=0
for f in "${files[@]}"; do
    for extra in "" "-DSP_ABI_CHECK"; do
        # -I: platform.inc and syscalls.inc, then the file's own directory.
        # shellcheck disable=SC2086
        if nasm -f macho64 -DPLATFORM_OSX $extra -w+all -I "$src/impl/sys/" \
                -I "$src/$(dirname "$f")/" -o "$obj" "$src/$f" >"$log" 2>&1 && [ ! -s "$log" ]; then
            echo "ok:   $f ${extra:+($extra)}"
        else
            echo "FAIL: $f ${extra:+($extra)}"
            sed 's/^/      /' "$log"
            failures=$((failures + 1))
        fi
    done
done
echo "${#files[@]} file(s) assembled for macho64, $failures failure(s)"
[ $failures -eq 0 ]
