"""scripts/lib/fmt.py — how syspath writes a figure, and in which order it lists rows.

One place for both, so summary.md, report.md, the plots and scripts/compare
print 1,234 / 0.123 / 4 KiB / 0.55× [0.53, 0.57] the same way and list models,
backends, ops and variants in the same order. No matplotlib here: the
markdown writers import this without paying for a plotting library.
"""
import math

# -- orders -----------------------------------------------------------------------------------

MODEL_ORDER = ["iterative", "epoll", "uring", "reuseport"]
BACKEND_ORDER = ["asm", "raw", "libc"]
# struct sp_sys's ops in the order bench-syscalls defines them, then the non-kernel ones
OP_ORDER = ["getppid", "close_badfd", "write_devnull", "read_devzero", "accept_eagain", "socket_close",
            "clock_gettime", "nop", "wake_same_cpu", "wake_other_cpu"]
PATH_ORDER = ["asm", "raw", "libc", "libc_syscall", "int80", "vdso", "indirect"]
FAMILY_ORDER = ["memset", "memcpy", "strlen"]
# the tutorial's rep-string first, glibc last (legends, tables)
VARIANT_ORDER = ["rep_stosb", "rep_movsb", "repne_scasb", "tutorial", "loop", "word", "swar", "sse2",
                 "avx2", "avx512", "nt", "auto", "rol", "bswap", "builtin", "libc_erms", "libc"]

FLAG = "⚠"


def order_key(order):
    """Sort key: names in `order` by their place, then any other name alphabetically."""
    return lambda name: (order.index(name) if name in order else len(order), str(name))


# -- numbers ----------------------------------------------------------------------------------

def num(v, digits=3):
    """A figure for a table or a label: `digits` significant digits, thousands grouped; '–' for None."""
    if v is None:
        return "–"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 10 ** digits:
        return "{:,.0f}".format(v)
    decimals = max(0, digits - 1 - int(math.floor(math.log10(a))))
    return "{:.{d}f}".format(v, d=decimals)


def pct(v):
    """'87%' of a percentage, '–' when unknown."""
    return "%.0f%%" % v if isinstance(v, (int, float)) and not isinstance(v, bool) else "–"


def ratio_with_ci(r, lo, hi):
    """'0.55× [0.53, 0.57]': a ratio and its interval (the interval left out when it is a point)."""
    if r is None:
        return "–"
    text = "%.2f×" % r
    if lo is not None and hi is not None and lo != hi:
        text += " [%.2f, %.2f]" % (lo, hi)
    return text


def fmt_bytes(n):
    """1 -> '1 B', 4096 -> '4 KiB', 67108864 -> '64 MiB'; other sizes with 3 digits ('1.5 KiB')."""
    n = int(n)
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return "%d %s" % (n // size, unit)
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return "%.3g %s" % (n / size, unit)
    return "%d B" % n


# -- markdown ---------------------------------------------------------------------------------

def cell(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def table(head, rows, align=None):
    """A markdown table; align maps a column index to its rule (' ---: ' right-aligns)."""
    out = ["| " + " | ".join(cell(h) for h in head) + " |",
           "|" + "|".join((align or {}).get(i, " --- ") for i in range(len(head))) + "|"]
    for r in rows:
        out.append("| " + " | ".join(cell(c) for c in r) + " |")
    return "\n".join(out)


def right(n, start=1):
    """Right-align columns start..n-1 (the figures), for table(align=...)."""
    return {i: " ---: " for i in range(start, n)}
