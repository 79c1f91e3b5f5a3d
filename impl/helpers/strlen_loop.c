/*
 * strlen_loop.c — strlen as a byte loop (built like memset_loop.c, so gcc
 * cannot turn it back into a call to libc strlen).
 */
#include "internal.h"

size_t sp_strlen_loop(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}
