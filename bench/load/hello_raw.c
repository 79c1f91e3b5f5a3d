/*
 * hello_raw.c — the tutorial's hello world as a static C program with no libc:
 * its own _start, write and exit_group issued with inline `syscall`.
 *
 * One of the four processes hyperfine times (scripts/bench, hyperfine-hello.json):
 * beside syspath-hello-asm (pure NASM) it shows whether C itself costs anything
 * at process start when nothing of libc is linked in; beside the glibc builds it
 * shows what libc's start-up (dynamic loader, TLS, stdio, IRELATIVE relocs) costs.
 *
 * Built with -nostdlib -static -ffreestanding: no crt1.o, no libc.a.
 */
#include "raw_syscall.h"   /* impl/sys: the nolibc register-constraint pattern */

static const char msg[] = "Hello, World!\n";

__attribute__((noreturn, used)) void sp_hello_main(void)
{
    /* sizeof - 1: the length comes from the string itself, never typed */
    long n = sys3(SYS_write, 1, (long)msg, sizeof msg - 1);
    sys1(SYS_exit_group, n == (long)(sizeof msg - 1) ? 0 : 1);
    __builtin_unreachable();
}

/* The kernel enters _start with rsp 16-byte aligned and no return address;
 * a C function expects rsp = 8 mod 16 at its first instruction, so _start
 * is three instructions of asm that `call` into C the way the ABI wants.
 * rbp = 0 marks the outermost frame for debuggers. */
__asm__(".text\n"
        ".global _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "    xor  %ebp, %ebp\n"
        "    and  $-16, %rsp\n"
        "    call sp_hello_main\n"
        "    ud2\n");
