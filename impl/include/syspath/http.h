/*
 * syspath/http.h — the request-head parser and the canned responses.
 *
 * Pure functions: bytes in, a verdict out. No allocation, no I/O, no global
 * state, so they can be unit-tested exhaustively and fuzzed (tests/fuzz_http.c).
 *
 * What the server accepts (a strict subset of RFC 9112):
 *   request-line = method SP target SP "HTTP/1." ("0" | "1") CRLF
 *   header-line  = token ":" OWS value OWS CRLF     (names case-insensitive)
 *   the head ends at the first empty line (CRLFCRLF).
 * GET and HEAD are served (200). Any other well-formed method gets 405; a
 * method longer than 32 bytes is 400 (decided the same way however the bytes
 * are split across reads).
 * A well-formed HTTP/x.y other than 1.0/1.1 gets 505. Everything else that is
 * not this grammar gets 400: a bare LF, a NUL or other control byte, a request
 * line without version, whitespace before a header colon, an HTTP/1.1 request
 * without Host, a request with a body (Content-Length > 0, Transfer-Encoding),
 * conflicting Content-Length. A head that does not end within the buffer gets
 * 431. Every 4xx/5xx response closes the connection.
 *
 * Keep-alive: HTTP/1.1 keeps the connection unless "Connection: close";
 * HTTP/1.0 closes unless "Connection: keep-alive".
 */
#ifndef SYSPATH_HTTP_H
#define SYSPATH_HTTP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The request head must fit in this many bytes, else 431. */
#define SP_HTTP_HEAD_MAX 8192

enum sp_http_verdict {
    SP_HTTP_INCOMPLETE = 0,     /* no CRLFCRLF yet and nothing wrong so far: read more */
    SP_HTTP_OK = 200,
    SP_HTTP_BAD_REQUEST = 400,
    SP_HTTP_METHOD_NOT_ALLOWED = 405,
    SP_HTTP_HEADERS_TOO_LARGE = 431,
    SP_HTTP_VERSION_NOT_SUPPORTED = 505,
};

enum sp_http_method { SP_HTTP_GET, SP_HTTP_HEAD, SP_HTTP_OTHER };

struct sp_http_request {
    size_t head_len;            /* bytes up to and including CRLFCRLF (OK only) */
    enum sp_http_method method;
    int minor_version;          /* 0 or 1 (OK only) */
    int keep_alive;             /* the connection stays open after the response */
};

/* Parse the request head at the start of buf[0..len). `cap` is the most the
 * caller's buffer can hold: when no head end is found in len == cap bytes, the
 * verdict is 431 rather than INCOMPLETE. Errors are reported as soon as the
 * bytes seen so far make the request invalid, even before the head is complete. */
enum sp_http_verdict sp_http_parse(const char *buf, size_t len, size_t cap,
                                   struct sp_http_request *req);

/* The response to send for a verdict (not INCOMPLETE) and request; *len is
 * set to its size. Static storage, never NULL. For OK the body is
 * SP_HTTP_BODY (omitted for HEAD); error responses carry "Connection: close". */
const char *sp_http_response(enum sp_http_verdict verdict, const struct sp_http_request *req,
                             size_t *len);

#define SP_HTTP_BODY "Hello, World!\n"

#ifdef __cplusplus
}
#endif
#endif /* SYSPATH_HTTP_H */
