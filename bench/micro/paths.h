/*
 * bench/micro/paths.h — the extra paths bench-syscalls measures beside the
 * three struct sp_sys backends (paths.c, int80.c). Each returns >= 0 or
 * -errno, like a backend op.
 */
#ifndef SYSPATH_BENCH_PATHS_H
#define SYSPATH_BENCH_PATHS_H

#include "syspath/sys.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A struct sp_sys-shaped table whose getppid enters no kernel (returns 0). */
extern const struct sp_sys sp_bench_nop_sys;
/* getppid via glibc's generic syscall(SYS_getppid). */
long sp_bench_libc_syscall_getppid(void);
/* getppid via `int $0x80` and the i386 table; may kill the process (SIGSEGV)
 * on a kernel without IA32 emulation: probe in a child first. */
long sp_bench_int80_getppid(void);
/* clock_gettime(clock, (struct timespec *)ts) through glibc (the vDSO). */
long sp_bench_vdso_clock_gettime(int clock, void *ts);
/* clock_gettime(clock, ts) as a real `syscall` instruction. */
long sp_bench_raw_clock_gettime(int clock, void *ts);

#ifdef __cplusplus
}
#endif
#endif /* SYSPATH_BENCH_PATHS_H */
