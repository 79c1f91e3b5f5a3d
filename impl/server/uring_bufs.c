/*
 * uring_bufs.c — the provided-buffer ring, and the back-pressure stash.
 *
 * A multishot recv (Linux 6.0+) stays armed on the socket and, per
 * completion, the kernel picks a buffer from this ring. We copy the bytes
 * into the connection's in[] and hand the buffer straight back.
 *
 * Back-pressure: bytes that do not fit in in[] (a client pipelining without
 * reading) stay in their ring buffers, queued on the connection (its stash),
 * and the multishot recv is cancelled until they are consumed. The queue is
 * threaded through a per-buffer table, so stashing costs no allocation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "uring.h"

/* liburing 2.3 has no io_uring_setup_buf_ring: map the ring ourselves,
 * page-aligned, with the buffers after it, and register it. */
int sp_uring_bufs_init(struct uring_bufs *b, struct io_uring *ring, unsigned nbuf)
{
    b->nbuf = nbuf;
    size_t ring_bytes = nbuf * sizeof(struct io_uring_buf);
    ring_bytes = (ring_bytes + 4095) & ~(size_t)4095;   /* the buffers start page-aligned */
    b->map_bytes = ring_bytes + (size_t)nbuf * BUF_SIZE;
    b->stash = calloc(nbuf, sizeof *b->stash);
    void *map = mmap(NULL, b->map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!b->stash || map == MAP_FAILED) {
        free(b->stash);
        b->stash = NULL;
        return -ENOMEM;
    }
    b->br = map;
    b->mem = (char *)map + ring_bytes;
    io_uring_buf_ring_init(b->br);
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.ring_addr = (unsigned long)b->br;
    reg.ring_entries = nbuf;
    reg.bgid = BGID;
    int r = io_uring_register_buf_ring(ring, &reg, 0);
    if (r < 0) {
        munmap(map, b->map_bytes);
        free(b->stash);
        b->br = NULL;
        b->stash = NULL;
        return r;
    }
    for (unsigned i = 0; i < nbuf; i++)
        io_uring_buf_ring_add(b->br, sp_uring_buf(b, (int)i), BUF_SIZE, (unsigned short)i,
                              io_uring_buf_ring_mask(nbuf), (int)i);
    io_uring_buf_ring_advance(b->br, (int)nbuf);
    return 0;
}

void sp_uring_bufs_exit(struct uring_bufs *b)
{
    if (b->br)
        munmap(b->br, b->map_bytes);
    free(b->stash);
}

char *sp_uring_buf(const struct uring_bufs *b, int bid)
{
    return b->mem + (size_t)bid * BUF_SIZE;
}

void sp_uring_recycle(struct uring_bufs *b, int bid)
{
    io_uring_buf_ring_add(b->br, sp_uring_buf(b, bid), BUF_SIZE, (unsigned short)bid,
                          io_uring_buf_ring_mask(b->nbuf), 0);
    io_uring_buf_ring_advance(b->br, 1);
}

int sp_uring_deliver(struct uring_bufs *b, struct stash_queue *q, struct sp_conn *c, int bid,
                     unsigned n, const struct sp_config *cfg)
{
    unsigned take = 0;
    if (q->head < 0) {                      /* nothing older waits: straight into in[] */
        unsigned room = (unsigned)sizeof c->in - c->in_len;
        take = n < room ? n : room;
        memcpy(c->in + c->in_len, sp_uring_buf(b, bid), take);
        if (take)
            sp_conn_received(c, take, cfg);
        if (take == n) {
            sp_uring_recycle(b, bid);
            return 0;
        }
    }
    b->stash[bid].len = (unsigned short)n;
    b->stash[bid].off = (unsigned short)take;
    b->stash[bid].next = -1;
    if (q->tail >= 0)
        b->stash[q->tail].next = bid;
    else
        q->head = bid;
    q->tail = bid;
    return 1;
}

void sp_uring_unstash(struct uring_bufs *b, struct stash_queue *q, struct sp_conn *c,
                      const struct sp_config *cfg)
{
    while (q->head >= 0 && c->in_len < sizeof c->in) {
        int bid = q->head;
        unsigned avail = b->stash[bid].len - b->stash[bid].off;
        unsigned room = (unsigned)sizeof c->in - c->in_len;
        unsigned take = avail < room ? avail : room;
        memcpy(c->in + c->in_len, sp_uring_buf(b, bid) + b->stash[bid].off, take);
        sp_conn_received(c, take, cfg);
        b->stash[bid].off = (unsigned short)(b->stash[bid].off + take);
        if (b->stash[bid].off == b->stash[bid].len) {
            q->head = b->stash[bid].next;
            if (q->head < 0)
                q->tail = -1;
            sp_uring_recycle(b, bid);
        }
    }
}

void sp_uring_stash_drop(struct uring_bufs *b, struct stash_queue *q)
{
    while (q->head >= 0) {
        int bid = q->head;
        q->head = b->stash[bid].next;
        sp_uring_recycle(b, bid);
    }
    q->tail = -1;
}
