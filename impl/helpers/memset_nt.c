/*
 * memset_nt.c — memset with non-temporal (streaming) stores.
 *
 * movntdq writes whole cache lines to memory through the write-combining
 * buffers without reading them into the cache first (no read-for-ownership)
 * and without evicting the data the program is still using. That wins when
 * the buffer is larger than the cache, and loses badly when the data is
 * about to be read again. 16-byte SSE2 stores: once the cost is memory
 * bandwidth, four 16-byte streaming stores fill a line as well as two 32-byte
 * ones, and SSE2 is on every x86-64.
 *
 * Streaming stores are weakly ordered: the sfence at the end makes them
 * globally visible before any later store (e.g. a flag publishing the buffer
 * to another thread), as memset's caller expects of ordinary stores.
 * Below 256 B a streaming store is pointless; those sizes use the SSE2 row.
 */
#include "internal.h"

#include <emmintrin.h>

void *sp_memset_nt(void *dst, int c, size_t n)
{
    if (n < 256)
        return sp_memset_sse2(dst, c, n);
    unsigned char *d = dst, *end = d + n;
    __m128i v = _mm_set1_epi8((char)c);
    /* head: ordinary stores up to the first 64-byte line boundary */
    _mm_storeu_si128((__m128i *)d, v);
    _mm_storeu_si128((__m128i *)(d + 16), v);
    _mm_storeu_si128((__m128i *)(d + 32), v);
    _mm_storeu_si128((__m128i *)(d + 48), v);
    unsigned char *p = (unsigned char *)(((uintptr_t)d + 64) & ~(uintptr_t)63);
    for (; p + 64 <= end; p += 64) {
        _mm_stream_si128((__m128i *)p, v);
        _mm_stream_si128((__m128i *)(p + 16), v);
        _mm_stream_si128((__m128i *)(p + 32), v);
        _mm_stream_si128((__m128i *)(p + 48), v);
    }
    _mm_sfence();
    /* tail: the last partial line, ordinary stores */
    _mm_storeu_si128((__m128i *)(end - 64), v);
    _mm_storeu_si128((__m128i *)(end - 48), v);
    _mm_storeu_si128((__m128i *)(end - 32), v);
    _mm_storeu_si128((__m128i *)(end - 16), v);
    return dst;
}
