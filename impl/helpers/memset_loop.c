/*
 * memset_loop.c — memset as the byte loop a beginner writes.
 *
 * Built with -fno-builtin -fno-tree-loop-distribute-patterns (else gcc
 * recognises the loop and emits a call to libc memset) and without the
 * auto-vectoriser (else it becomes the sse2 row again): this row measures a
 * plain byte loop. tests/helpers/test_helpers_loops.sh checks the disassembly.
 */
#include "internal.h"

void *sp_memset_loop(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    for (size_t i = 0; i < n; i++)
        d[i] = (unsigned char)c;
    return dst;
}
