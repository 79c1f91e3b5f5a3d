/*
 * http.c — the request-head parser and the canned responses (see http.h for
 * the grammar accepted). Pure: no allocation, no I/O, no globals written.
 *
 * The parser walks the bytes once, line by line. It reports an error as soon
 * as the bytes seen so far cannot become a valid head, so a client that sends
 * garbage gets its 400 at once instead of after a timeout; it reports
 * INCOMPLETE only while every line so far is valid.
 */
#include <string.h>

#include "syspath/http.h"

/* The longest method accepted as well-formed (405); a longer one is a 400
 * whether or not the rest of the request line has arrived yet. */
#define SP_HTTP_METHOD_MAX 32

/* RFC 9110 tchar: the characters of a method or a header name. */
static int is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Field-value bytes: visible ASCII, obs-text (0x80-0xFF), space and tab. */
static int is_field_byte(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

static int lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static int name_is(const char *name, size_t len, const char *want)
{
    if (strlen(want) != len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (lower((unsigned char)name[i]) != want[i])
            return 0;
    return 1;
}

/* Does the comma-separated token list in value[0..len) contain `token`
 * (case-insensitive)? "Connection: keep-alive, Upgrade" contains keep-alive. */
static int list_has(const char *value, size_t len, const char *token)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && (value[i] == ' ' || value[i] == '\t' || value[i] == ','))
            i++;
        size_t start = i;
        while (i < len && value[i] != ',')
            i++;
        size_t end = i;
        while (end > start && (value[end - 1] == ' ' || value[end - 1] == '\t'))
            end--;
        if (end > start && name_is(value + start, end - start, token))
            return 1;
    }
    return 0;
}

/* Parse a Content-Length value: 1*DIGIT, no sign, no overflow. -1 if invalid. */
static long parse_length(const char *v, size_t len)
{
    if (len == 0 || len > 18)
        return -1;
    long n = 0;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        n = n * 10 + (v[i] - '0');
    }
    return n;
}

/* The request line: method SP target SP HTTP/d.d (without the CRLF). */
static enum sp_http_verdict parse_request_line(const char *p, size_t n, struct sp_http_request *req)
{
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)p[i]))
        i++;
    size_t method_len = i;
    if (method_len == 0 || i >= n || p[i] != ' ')
        return SP_HTTP_BAD_REQUEST;
    if (method_len > SP_HTTP_METHOD_MAX)
        return SP_HTTP_BAD_REQUEST;     /* as for a prefix: the verdict must not depend on how reads split */
    if (method_len == 3 && memcmp(p, "GET", 3) == 0)
        req->method = SP_HTTP_GET;
    else if (method_len == 4 && memcmp(p, "HEAD", 4) == 0)
        req->method = SP_HTTP_HEAD;
    else
        req->method = SP_HTTP_OTHER;
    i++;
    size_t target = i;
    while (i < n && p[i] > 0x20 && p[i] != 0x7f)
        i++;
    if (i == target || i >= n || p[i] != ' ')
        return SP_HTTP_BAD_REQUEST;     /* no target, or no version after it */
    i++;
    /* HTTP-version = "HTTP/" DIGIT "." DIGIT, and nothing after it */
    if (n - i != 8 || memcmp(p + i, "HTTP/", 5) != 0 || p[i + 5] < '0' || p[i + 5] > '9' ||
        p[i + 6] != '.' || p[i + 7] < '0' || p[i + 7] > '9')
        return SP_HTTP_BAD_REQUEST;
    if (p[i + 5] != '1' || (p[i + 7] != '0' && p[i + 7] != '1'))
        return SP_HTTP_VERSION_NOT_SUPPORTED;
    req->minor_version = p[i + 7] - '0';
    return SP_HTTP_OK;
}

enum sp_http_verdict sp_http_parse(const char *buf, size_t len, size_t cap,
                                   struct sp_http_request *req)
{
    struct sp_http_request r = { .method = SP_HTTP_OTHER };
    int have_host = 0, conn_close = 0, conn_keep = 0, have_te = 0;
    long content_length = -1;
    size_t line = 0;                    /* start of the current line */
    int line_no = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\n')
            return SP_HTTP_BAD_REQUEST;         /* bare LF: a CRLF is handled below */
        if (c != '\r') {
            if (c == 0 || (!is_field_byte(c)))
                return SP_HTTP_BAD_REQUEST;     /* NUL and other control bytes */
            continue;
        }
        /* CR: it must be followed by LF */
        if (i + 1 == len)
            break;                              /* the LF may be in the next read */
        if (buf[i + 1] != '\n')
            return SP_HTTP_BAD_REQUEST;
        const char *p = buf + line;
        size_t n = i - line;
        i++;                                    /* consume the LF */
        if (line_no == 0) {
            enum sp_http_verdict v = parse_request_line(p, n, &r);
            if (v != SP_HTTP_OK)
                return v;
        } else if (n == 0) {
            /* the empty line: the head is complete */
            if (r.method == SP_HTTP_OTHER)
                return SP_HTTP_METHOD_NOT_ALLOWED;
            if (r.minor_version == 1 && !have_host)
                return SP_HTTP_BAD_REQUEST;     /* RFC 9112 3.2: Host is required in 1.1 */
            if (have_te || content_length > 0)
                return SP_HTTP_BAD_REQUEST;     /* GET/HEAD with a body: not served */
            r.head_len = i + 1;
            r.keep_alive = r.minor_version == 1 ? !conn_close : (conn_keep && !conn_close);
            *req = r;
            return SP_HTTP_OK;
        } else {
            size_t k = 0;
            while (k < n && is_tchar((unsigned char)p[k]))
                k++;
            if (k == 0 || k >= n || p[k] != ':')
                return SP_HTTP_BAD_REQUEST;     /* no name, or space before the colon */
            size_t v = k + 1, e = n;
            while (v < e && (p[v] == ' ' || p[v] == '\t'))
                v++;
            while (e > v && (p[e - 1] == ' ' || p[e - 1] == '\t'))
                e--;
            if (name_is(p, k, "host")) {
                if (have_host)
                    return SP_HTTP_BAD_REQUEST; /* two Host lines */
                have_host = 1;
            } else if (name_is(p, k, "connection")) {
                conn_close |= list_has(p + v, e - v, "close");
                conn_keep |= list_has(p + v, e - v, "keep-alive");
            } else if (name_is(p, k, "content-length")) {
                long cl = parse_length(p + v, e - v);
                if (cl < 0 || (content_length >= 0 && cl != content_length))
                    return SP_HTTP_BAD_REQUEST;
                content_length = cl;
            } else if (name_is(p, k, "transfer-encoding")) {
                have_te = 1;
            }
        }
        line_no++;
        line = i + 1;
    }
    /* no complete head yet: is what we have a valid prefix? */
    if (line_no == 0) {
        /* The request line is still arriving: reject early what can never be a
         * method (a non-token byte before the first space). */
        size_t k = 0;
        while (k < len && is_tchar((unsigned char)buf[k]))
            k++;
        if (k < len && buf[k] != ' ')
            return SP_HTTP_BAD_REQUEST;
        if (k > SP_HTTP_METHOD_MAX)
            return SP_HTTP_BAD_REQUEST;         /* no method is that long */
    }
    return len >= cap ? SP_HTTP_HEADERS_TOO_LARGE : SP_HTTP_INCOMPLETE;
}

/* ---- canned responses ------------------------------------------------------ */

#define OK_HEAD(conn) "HTTP/1.1 200 OK\r\nServer: syspath\r\nContent-Type: text/plain\r\n" \
    conn "Content-Length: 14\r\n\r\n"
_Static_assert(sizeof SP_HTTP_BODY - 1 == 14, "update Content-Length in OK_HEAD");

static const char ok_keep[] = OK_HEAD("") SP_HTTP_BODY;
static const char ok_keep10[] = OK_HEAD("Connection: keep-alive\r\n") SP_HTTP_BODY;
static const char ok_close[] = OK_HEAD("Connection: close\r\n") SP_HTTP_BODY;

/* An error response: "Connection: close", a one-line text body. The body
 * length is written out so the whole response stays one string literal; the
 * static assertions below keep each figure honest. */
#define ERROR_RESPONSE(status, extra, len, body) "HTTP/1.1 " status "\r\nServer: syspath\r\n" \
    "Content-Type: text/plain\r\n" extra "Connection: close\r\nContent-Length: " len "\r\n\r\n" body
#define BODY_400 "bad request\n"
#define BODY_405 "method not allowed\n"
#define BODY_431 "request head too big\n"
#define BODY_505 "HTTP version not supported\n"
_Static_assert(sizeof BODY_400 - 1 == 12 && sizeof BODY_405 - 1 == 19 &&
               sizeof BODY_431 - 1 == 21 && sizeof BODY_505 - 1 == 27, "fix a Content-Length");
static const char bad_request[] = ERROR_RESPONSE("400 Bad Request", "", "12", BODY_400);
static const char not_allowed[] = ERROR_RESPONSE("405 Method Not Allowed", "Allow: GET, HEAD\r\n",
                                                  "19", BODY_405);
static const char too_large[] = ERROR_RESPONSE("431 Request Header Fields Too Large", "", "21",
                                                BODY_431);
static const char bad_version[] = ERROR_RESPONSE("505 HTTP Version Not Supported", "", "27",
                                                  BODY_505);

const char *sp_http_response(enum sp_http_verdict verdict, const struct sp_http_request *req,
                             size_t *len)
{
    const char *r;
    size_t n;
    switch (verdict) {
    case SP_HTTP_OK: {
        if (!req->keep_alive) {
            r = ok_close, n = sizeof ok_close - 1;
        } else if (req->minor_version == 0) {
            r = ok_keep10, n = sizeof ok_keep10 - 1;
        } else {
            r = ok_keep, n = sizeof ok_keep - 1;
        }
        if (req->method == SP_HTTP_HEAD)
            n -= sizeof SP_HTTP_BODY - 1;       /* same headers, no body */
        *len = n;
        return r;
    }
    case SP_HTTP_METHOD_NOT_ALLOWED: r = not_allowed, n = sizeof not_allowed - 1; break;
    case SP_HTTP_HEADERS_TOO_LARGE: r = too_large, n = sizeof too_large - 1; break;
    case SP_HTTP_VERSION_NOT_SUPPORTED: r = bad_version, n = sizeof bad_version - 1; break;
    default: r = bad_request, n = sizeof bad_request - 1; break;
    }
    *len = n;
    return r;
}
