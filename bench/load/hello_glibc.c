/*
 * hello_glibc.c — the tutorial's hello world through glibc, built twice:
 * syspath-hello-glibc (dynamic, the everyday case) and
 * syspath-hello-glibc-static (-static, libc.a: no dynamic loader).
 *
 * Timed by hyperfine beside syspath-hello-asm and syspath-hello-raw
 * (scripts/bench, hyperfine-hello.json). write(2), not printf: the
 * difference measured is libc's start-up and exit, not stdio buffering.
 */
#include <string.h>
#include <unistd.h>

int main(void)
{
    static const char msg[] = "Hello, World!\n";
    return write(1, msg, sizeof msg - 1) == (ssize_t)(sizeof msg - 1) ? 0 : 1;
}
