/*
 * htons_builtin.c — htons as the compiler's byte-swap builtin: the compiler
 * picks the instruction (gcc emits `rol $8, %ax` plus a zero-extension).
 */
#include "internal.h"

uint16_t sp_htons_builtin(uint16_t host)
{
    return __builtin_bswap16(host);
}
