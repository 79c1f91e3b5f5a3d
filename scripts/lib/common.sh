# scripts/lib/common.sh — shared by scripts/test, scripts/bench and friends (sourced, not run).
#
# sp_need PKG...      install the Debian packages that are missing (apt-get update once per
#                     run, then apt-get install -y). Needs root; without it, names what is
#                     missing and exits 2 — one line, nothing half-done.
# sp_configure DIR [cmake args...]   configure DIR if needed and build it (Release by default).
# sp_log / sp_die     messages on stderr, prefixed by the script's name.

SP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SP_NAME=$(basename "$0")

sp_log() { printf '%s: %s\n' "$SP_NAME" "$*" >&2; }
sp_die() { printf '%s: %s\n' "$SP_NAME" "$*" >&2; exit 2; }

sp_apt_updated=0
sp_need() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        sp_die "missing packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})"
    fi
    sp_log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if [ $sp_apt_updated -eq 0 ]; then
        apt-get update -qq >/dev/null || sp_die "apt-get update failed"
        sp_apt_updated=1
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        sp_die "apt-get install ${missing[*]} failed"
}

# Packages every build needs: compilers, NASM, CMake, the libraries the targets link.
SP_BUILD_PACKAGES=(cmake make gcc g++ nasm libbenchmark-dev liburing-dev pkg-config valgrind)  # valgrind: callgrind.h is checked at configure time (--count)

sp_configure() {
    local dir=$1; shift
    if [ ! -f "$dir/CMakeCache.txt" ]; then
        cmake -S "$SP_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null ||
            sp_die "cmake configure failed in $dir"
    elif [ $# -gt 0 ]; then
        cmake "$dir" "$@" >/dev/null || sp_die "cmake reconfigure failed in $dir"
    fi
    cmake --build "$dir" -j "$(nproc)" >"$dir/build.log" 2>&1 || {
        tail -40 "$dir/build.log" >&2
        sp_die "build failed in $dir (full log: $dir/build.log)"
    }
}
