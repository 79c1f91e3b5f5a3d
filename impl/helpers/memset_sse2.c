/*
 * memset_sse2.c — the `sse2` memset row: 16-byte SSE2 stores (baseline
 * x86-64). The body is in memset_sse2.h, shared with memset/auto.
 */
#include "memset_sse2.h"

void *sp_memset_sse2(void *dst, int c, size_t n)
{
    return sp_memset_sse2_body(dst, c, n);
}
