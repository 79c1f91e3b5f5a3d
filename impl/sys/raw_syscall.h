/*
 * raw_syscall.h — raw Linux x86_64 syscalls as inline functions, no libc.
 *
 * The pattern is Linux's tools/include/nolibc, explained once here:
 *   - the syscall number goes in rax, arguments in rdi, rsi, rdx, r10, r8, r9.
 *     The 4th is r10, not rcx as in a function call, because the `syscall`
 *     instruction itself overwrites rcx (with the return rip) and r11 (with
 *     rflags);
 *   - each argument is a `register long ... __asm__("reg")` variable, so the
 *     compiler places it in exactly that register and nowhere else;
 *   - rax is both input (the number) and output ("+a" / "=a"): the kernel
 *     returns the result there, -errno on failure;
 *   - clobbers: "rcx" and "r11" (trashed by `syscall`), "memory" (the kernel
 *     reads and writes through our pointers, so the compiler must not cache
 *     memory across the call), "cc" (flags).
 * Nothing touches errno: the -errno return is the result.
 *
 * Used by the "raw" path (raw.c) and by anything that must run without libc
 * (bench/load/hello_raw.c).
 */
#ifndef SYSPATH_RAW_SYSCALL_H
#define SYSPATH_RAW_SYSCALL_H

#include <sys/syscall.h>

static inline long sys0(long n)
{
    register long rax __asm__("rax") = n;
    __asm__ volatile("syscall" : "+a"(rax) : : "rcx", "r11", "memory", "cc");
    return rax;
}

static inline long sys1(long n, long a1)
{
    register long rax __asm__("rax") = n;
    register long rdi __asm__("rdi") = a1;
    __asm__ volatile("syscall" : "+a"(rax) : "r"(rdi) : "rcx", "r11", "memory", "cc");
    return rax;
}

static inline long sys2(long n, long a1, long a2)
{
    register long rax __asm__("rax") = n;
    register long rdi __asm__("rdi") = a1;
    register long rsi __asm__("rsi") = a2;
    __asm__ volatile("syscall" : "+a"(rax) : "r"(rdi), "r"(rsi) : "rcx", "r11", "memory", "cc");
    return rax;
}

static inline long sys3(long n, long a1, long a2, long a3)
{
    register long rax __asm__("rax") = n;
    register long rdi __asm__("rdi") = a1;
    register long rsi __asm__("rsi") = a2;
    register long rdx __asm__("rdx") = a3;
    __asm__ volatile("syscall" : "+a"(rax) : "r"(rdi), "r"(rsi), "r"(rdx)
                     : "rcx", "r11", "memory", "cc");
    return rax;
}

static inline long sys4(long n, long a1, long a2, long a3, long a4)
{
    register long rax __asm__("rax") = n;
    register long rdi __asm__("rdi") = a1;
    register long rsi __asm__("rsi") = a2;
    register long rdx __asm__("rdx") = a3;
    register long r10 __asm__("r10") = a4;
    __asm__ volatile("syscall" : "+a"(rax) : "r"(rdi), "r"(rsi), "r"(rdx), "r"(r10)
                     : "rcx", "r11", "memory", "cc");
    return rax;
}

static inline long sys5(long n, long a1, long a2, long a3, long a4, long a5)
{
    register long rax __asm__("rax") = n;
    register long rdi __asm__("rdi") = a1;
    register long rsi __asm__("rsi") = a2;
    register long rdx __asm__("rdx") = a3;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    __asm__ volatile("syscall" : "+a"(rax) : "r"(rdi), "r"(rsi), "r"(rdx), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory", "cc");
    return rax;
}

static inline long sys6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
    register long rax __asm__("rax") = n;
    register long rdi __asm__("rdi") = a1;
    register long rsi __asm__("rsi") = a2;
    register long rdx __asm__("rdx") = a3;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    __asm__ volatile("syscall" : "+a"(rax)
                     : "r"(rdi), "r"(rsi), "r"(rdx), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory", "cc");
    return rax;
}

#endif /* SYSPATH_RAW_SYSCALL_H */
