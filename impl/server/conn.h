/*
 * conn.h — one HTTP connection, shared by every I/O model (internal to impl/server).
 *
 * The models differ only in how bytes move (blocking reads, epoll readiness,
 * io_uring completions); what the bytes mean is decided here, once:
 * sp_conn_process() turns complete request heads at the front of `in` into
 * responses appended to `out`. The model then writes `out` and reads more.
 *
 * Responses for several pipelined requests are gathered into `out` and sent
 * with one write: that batching is a large part of a server's cost per request.
 */
#ifndef SYSPATH_SERVER_CONN_H
#define SYSPATH_SERVER_CONN_H

#include "syspath/http.h"
#include "syspath/server.h"

#define SP_CONN_OUT_MAX 4096

struct sp_conn {
    int fd;
    unsigned in_len;                /* bytes waiting in in[] */
    unsigned out_off, out_len;      /* out[out_off..out_len) still to be written */
    int closing;                    /* close once out[] is flushed */
    int lingering;                  /* closing after an error: drain input first (see sp_conn_linger) */
    /* Asked before a keep-alive answer; 0 answers with Connection: close
     * instead (iterative, to give a waiting client its turn). NULL: always keep. */
    int (*may_keep_alive)(struct sp_conn *c);
    long deadline_ms;               /* sp_now_ms() after which the connection times out */
    long requests;                  /* answered on this connection */
    struct sp_conn *prev, *next;    /* its pool's open list, or free list (next only) */
    char in[SP_HTTP_HEAD_MAX];
    char out[SP_CONN_OUT_MAX];
};

/* Reset c for a freshly accepted fd; sets the header deadline. */
void sp_conn_init(struct sp_conn *c, int fd, const struct sp_config *cfg);

/* Answer the complete requests at the front of c->in: append each response
 * to c->out, drop each head from c->in, count it in st. Stops at an
 * incomplete head, when out[] has no room for another response, or after a
 * response that closes the connection (c->closing). Returns 1 when it stopped
 * for lack of room (flush, then call again), 0 otherwise. Also moves the
 * deadline: header timeout while a head is partly in, idle timeout when empty. */
int sp_conn_process(struct sp_conn *c, const struct sp_config *cfg, struct sp_stats *st);

/* Bytes just read into in[]: if in[] was empty (an idle keep-alive connection),
 * the header timeout starts now. */
void sp_conn_received(struct sp_conn *c, unsigned n, const struct sp_config *cfg);

/* out[] ends with the connection's last response, and the model closes (or,
 * after an error, shuts down our side) as soon as it is sent. It then goes
 * with MSG_MORE: the kernel holds the data back and the FIN that follows
 * rides in the same segment, one segment and one ACK fewer per connection.
 * Not when bytes after it were received and will never be read: the close
 * would then reset the connection, and a held-back response be lost with it
 * (an error response is safe: its linger path sends the FIN by shutdown
 * before anything is closed). */
int sp_conn_last_response(const struct sp_conn *c);

/* Write out[] once (non-blocking sockets) or until done (blocking); the last
 * response (sp_conn_last_response) with MSG_MORE, so close right after. 
 * Returns 1 when everything was written, 0 when the socket would block, -errno on error.
 * Blocking: -ETIMEDOUT when the client has read nothing by c->deadline_ms (or on stop). */
long sp_conn_flush(const struct sp_sys *sys, struct sp_conn *c, int blocking);

/* Close after an error response: shut down our side and discard what the
 * client still sends (bounded), so the kernel does not answer unread data with
 * a RST that could destroy the response before the client reads it. */
void sp_conn_linger(const struct sp_sys *sys, int fd);

/* The connections of one model's loop: the open ones (for timeouts and
 * shutdown) and the closed ones kept for reuse (no malloc per accept). A model
 * that keeps more per connection puts struct sp_conn first in its own struct
 * and gives the pool that struct's size. */
struct sp_conn_pool {
    struct sp_conn *open, *free;
    long open_count;
    size_t size;
};
void sp_pool_init(struct sp_conn_pool *p, size_t size);
/* A connection for a freshly accepted fd (sp_conn_init'd, on the open list);
 * NULL when there is no memory (the caller closes fd). */
struct sp_conn *sp_pool_open(struct sp_conn_pool *p, int fd, const struct sp_config *cfg);
/* c is closed: off the open list, onto the free list, counted as served. */
void sp_pool_release(struct sp_conn_pool *p, struct sp_conn *c, struct sp_stats *st);
/* c is closed but its memory must stay as it is (the kernel may still write
 * it): off the open list and counted as served, never reused nor freed. */
void sp_pool_abandon(struct sp_conn_pool *p, struct sp_conn *c, struct sp_stats *st);
/* Call expired(loop, c) for each open connection whose deadline is past at
 * now; it may release c. The model decides what a deadline means for it. */
void sp_pool_expire(struct sp_conn_pool *p, long now,
                    void (*expired)(void *loop, struct sp_conn *c), void *loop);
/* Free the free list (the open list must be empty, or abandoned). */
void sp_pool_destroy(struct sp_conn_pool *p);

/* Test-only: CPU nanoseconds to burn per accepted connection (0: none). Set from
 * SYSPATH_TEST_BURN_NS at start-up (sp_test_burn_setup); a test slows one server row
 * by a known amount with it, to check that scripts/compare catches the change. */
extern long sp_test_burn_ns;
/* Read SYSPATH_TEST_BURN_NS=N[:BACKEND] (N ns per connection, only when this server
 * runs BACKEND if one is named); 0 when unset, -1 on a malformed value. */
long sp_test_burn_setup(const char *backend);

/* Monotonic milliseconds (vDSO clock_gettime: no kernel entry, so no path to compare). */
long sp_now_ms(void);

/* EMFILE handling: a spare descriptor held open so that, when accept fails
 * for lack of descriptors, the server can free one, accept the pending
 * connection, close it at once and take the spare back, instead of spinning
 * on a queue it cannot drain. */
struct sp_spare { int fd; };
void sp_spare_take(const struct sp_sys *sys, struct sp_spare *s);
/* Shed one pending connection from lfd using the spare (call after EMFILE/ENFILE). */
void sp_spare_shed(const struct sp_sys *sys, struct sp_spare *s, int lfd);

/* Accept errors that only mean "try again": EINTR, EAGAIN, ECONNABORTED and
 * the network errors accept(2) says to treat like EAGAIN. */
int sp_accept_retryable(long err);
#endif
