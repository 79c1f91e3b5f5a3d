/*
 * bench/micro/int80.c — getppid through the legacy 32-bit entry, `int $0x80`,
 * from a 64-bit process. A file of its own because it needs the i386 syscall
 * table, whose numbers differ from the 64-bit table's (getppid is 64 there,
 * 110 in the 64-bit one) and whose macros carry the same names.
 */
#include <asm/unistd_32.h>

#include "paths.h"

/* The kernel takes the i386 number in eax and arguments in ebx, ecx, edx,
 * esi, edi, ebp (getppid has none) and returns in eax, sign-extended to rax
 * (-errno on failure, e.g. -ENOSYS). Current kernels preserve r8-r11 across
 * int $0x80, some older ones zeroed them: they are listed as clobbered so
 * both are safe. A kernel without IA32 emulation (or booted with
 * ia32_emulation=0) answers with a #GP, i.e. SIGSEGV: bench-syscalls probes
 * this in a forked child before it registers the row. */
long sp_bench_int80_getppid(void)
{
    long rax = __NR_getppid;
    __asm__ volatile("int $0x80" : "+a"(rax) : : "r8", "r9", "r10", "r11", "memory", "cc");
    return rax;
}
