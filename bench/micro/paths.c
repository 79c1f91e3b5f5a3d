/*
 * bench/micro/paths.c — the extra paths bench-syscalls measures beside the
 * three struct sp_sys backends. C, in a file of their own, so each is a real
 * out-of-line call like a backend's op (the benchmark cannot inline them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "syspath/sys.h"
#include "paths.h"

/* A struct sp_sys whose getppid enters no kernel: calling it through the
 * table costs exactly what the interface itself costs (load the pointer,
 * indirect call, return). It is not `static`, and bench-syscalls hides the
 * table's address from the optimiser, so the call stays indirect. */
static long nop_getppid(void) { return 0; }

const struct sp_sys sp_bench_nop_sys = {
    .name = "nop",
    .getppid = nop_getppid,
};

/* glibc's generic syscall(): a variadic function that shuffles its arguments
 * into the syscall registers and sets errno on failure. */
long sp_bench_libc_syscall_getppid(void) { return syscall(SYS_getppid); }

/* clock_gettime through glibc: the vDSO, no kernel entry (unless the
 * clocksource cannot be read from user space, then glibc falls back to the
 * syscall: bench-syscalls records the clocksource in the JSON context). */
long sp_bench_vdso_clock_gettime(int clock, void *ts)
{
    return clock_gettime(clock, ts) == 0 ? 0 : -errno;
}

/* clock_gettime as a real kernel entry: the raw path's inline `syscall`
 * (see impl/sys/raw.c for the register-constraint pattern). */
long sp_bench_raw_clock_gettime(int clock, void *ts)
{
    register long rax __asm__("rax") = SYS_clock_gettime;
    register long rdi __asm__("rdi") = clock;
    register long rsi __asm__("rsi") = (long)ts;
    __asm__ volatile("syscall" : "+a"(rax) : "r"(rdi), "r"(rsi) : "rcx", "r11", "memory", "cc");
    return rax;
}
