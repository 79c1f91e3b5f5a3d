#!/bin/bash
# test_libc_erms.sh — the libc_erms row's contract (impl/include/syspath/helpers.h):
#  1. this glibc accepts SP_LIBC_ERMS_TUNABLES (ld.so --list-tunables shows the
#     threshold at the value we set; an out-of-range value is silently ignored,
#     which is why it is 1 and not 0);
#  2. the row is skipped in a normal process and runs (correctly) in a process
#     started with GLIBC_TUNABLES=SP_LIBC_ERMS_TUNABLES.
set -euo pipefail

if [ "${1:-}" = "--help" ]; then
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
bin=${SYSPATH_BIN:?SYSPATH_BIN not set (run through ctest)}
src=${SYSPATH_SRC:?SYSPATH_SRC not set (run through ctest)}

tun=$(sed -n 's/^#define SP_LIBC_ERMS_TUNABLES "\(.*\)"$/\1/p' "$src/impl/include/syspath/helpers.h")
[ -n "$tun" ] || { echo "FAIL: SP_LIBC_ERMS_TUNABLES not found in helpers.h"; exit 1; }
grep -qw erms /proc/cpuinfo || { echo "SKIP: this CPU has no ERMS, so glibc has no rep stosb memset"; exit 77; }

ldso=$(ldd "$bin/test_memset_lengths" | awk '/ld-linux/ {print $1; exit}')
if [ -n "$ldso" ] && "$ldso" --list-tunables >/dev/null 2>&1; then
    want=$(printf '0x%x' "${tun##*=}")
    got=$(GLIBC_TUNABLES=$tun "$ldso" --list-tunables | awk -v k="${tun%%=*}:" '$1 == k {print $2}')
    if [ "$got" != "$want" ]; then
        echo "FAIL: GLIBC_TUNABLES=$tun: ld.so reports ${tun%%=*} = '$got', expected $want"; exit 1
    fi
    echo "ok: $ldso accepts $tun ($got)"
else
    echo "note: $ldso has no --list-tunables (glibc < 2.33); tunable value not cross-checked"
fi

normal=$("$bin/test_memset_lengths" --quick --only libc_erms || true)
grep -q '^SKIP memset/libc_erms: runs only in a process started with GLIBC_TUNABLES=' <<<"$normal" ||
    { echo "FAIL: libc_erms not skipped in a normal process:"; echo "$normal"; exit 1; }
erms=$(GLIBC_TUNABLES=$tun "$bin/test_memset_lengths" --only libc_erms)
grep -q '^ok memset/libc_erms ' <<<"$erms" ||
    { echo "FAIL: libc_erms did not run (or failed) under GLIBC_TUNABLES=$tun:"; echo "$erms"; exit 1; }
echo "ok: libc_erms skipped normally, runs and passes under GLIBC_TUNABLES=$tun"
