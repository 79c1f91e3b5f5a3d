/*
 * test_http_parse.c — the request-head parser, case by case: complete,
 * partial (every prefix), pipelined, oversize, garbage, NUL bytes, bare LF,
 * lower-case header names, keep-alive rules, and the canned responses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "syspath/http.h"

#define CAP SP_HTTP_HEAD_MAX

static enum sp_http_verdict parse(const char *s, struct sp_http_request *r)
{
    return sp_http_parse(s, strlen(s), CAP, r);
}

static void expect(const char *what, const char *req, enum sp_http_verdict want)
{
    struct sp_http_request r;
    enum sp_http_verdict got = parse(req, &r);
    if (got != want)
        FAIL("%s: expected %d, got %d", what, want, got);
}

static void expect_keep(const char *what, const char *req, int keep, int minor)
{
    struct sp_http_request r;
    enum sp_http_verdict got = parse(req, &r);
    if (got != SP_HTTP_OK || r.keep_alive != keep || r.minor_version != minor ||
        r.head_len != strlen(req))
        FAIL("%s: expected OK keep_alive=%d minor=%d head_len=%zu, got %d %d %d %zu",
             what, keep, minor, strlen(req), got, r.keep_alive, r.minor_version, r.head_len);
}

int main(void)
{
    const char *get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    /* complete requests and the keep-alive rules */
    expect_keep("GET 1.1", get, 1, 1);
    expect_keep("GET 1.1 close", "GET /x?y HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 0, 1);
    expect_keep("GET 1.1 Close, token list", "GET / HTTP/1.1\r\nHost: a\r\nconnection: Upgrade, CLOSE\r\n\r\n", 0, 1);
    expect_keep("GET 1.0", "GET / HTTP/1.0\r\n\r\n", 0, 0);
    expect_keep("GET 1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 1, 0);
    expect_keep("HEAD", "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", 1, 1);
    expect_keep("lower-case names, OWS", "GET / HTTP/1.1\r\nhOsT:   a  \r\nx-y:\r\n\r\n", 1, 1);
    expect_keep("obs-text in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n", 1, 1);
    expect_keep("Content-Length: 0", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 1, 1);

    /* partial: every proper prefix of a valid head is INCOMPLETE, never an error */
    for (size_t n = 0; n < strlen(get); n++) {
        struct sp_http_request r;
        enum sp_http_verdict v = sp_http_parse(get, n, CAP, &r);
        if (v != SP_HTTP_INCOMPLETE)
            FAIL("prefix of %zu bytes: expected INCOMPLETE, got %d", n, v);
    }

    /* pipelined: the first head is reported with its length; the rest follows */
    {
        const char *two = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
        struct sp_http_request r;
        enum sp_http_verdict v = parse(two, &r);
        size_t first = strlen("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n");
        if (v != SP_HTTP_OK || r.head_len != first)
            FAIL("pipelined first: expected OK/%zu, got %d/%zu", first, v, r.head_len);
        v = parse(two + r.head_len, &r);
        if (v != SP_HTTP_OK || r.head_len != first)
            FAIL("pipelined second: expected OK/%zu, got %d/%zu", first, v, r.head_len);
    }

    /* oversize: a head that does not end within the buffer is 431 */
    {
        static char big[CAP + 64];
        strcpy(big, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
        size_t n = strlen(big);
        memset(big + n, 'a', sizeof big - n);
        struct sp_http_request r;
        enum sp_http_verdict v = sp_http_parse(big, CAP, CAP, &r);
        if (v != SP_HTTP_HEADERS_TOO_LARGE)
            FAIL("oversize: expected 431, got %d", v);
        v = sp_http_parse(big, CAP - 1, CAP, &r);
        if (v != SP_HTTP_INCOMPLETE)
            FAIL("almost full: expected INCOMPLETE, got %d", v);
    }

    /* methods and versions */
    expect("POST", "POST / HTTP/1.1\r\nHost: a\r\n\r\n", SP_HTTP_METHOD_NOT_ALLOWED);
    expect("lower-case get is another method", "get / HTTP/1.1\r\nHost: a\r\n\r\n", SP_HTTP_METHOD_NOT_ALLOWED);
    expect("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", SP_HTTP_VERSION_NOT_SUPPORTED);
    expect("HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", SP_HTTP_VERSION_NOT_SUPPORTED);

    /* garbage and malformed heads: 400, as early as the bytes allow */
    expect("no version", "GET /\r\n\r\n", SP_HTTP_BAD_REQUEST);
    expect("no target", "GET  HTTP/1.1\r\nHost: a\r\n\r\n", SP_HTTP_BAD_REQUEST);
    expect("bare LF", "GET / HTTP/1.1\nHost: a\n\n", SP_HTTP_BAD_REQUEST);
    expect("bare LF, early", "GET / HTTP/1.1\n", SP_HTTP_BAD_REQUEST);
    expect("CR without LF", "GET / HTTP/1.1\rHost: a\r\n\r\n", SP_HTTP_BAD_REQUEST);
    expect("garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", SP_HTTP_BAD_REQUEST);
    expect("not a token, early", "{\"json\": 1}", SP_HTTP_BAD_REQUEST);
    expect("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", SP_HTTP_BAD_REQUEST);
    expect("no colon", "GET / HTTP/1.1\r\nHost a\r\n\r\n", SP_HTTP_BAD_REQUEST);
    expect("1.1 without Host", "GET / HTTP/1.1\r\n\r\n", SP_HTTP_BAD_REQUEST);
    expect("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", SP_HTTP_BAD_REQUEST);
    expect("a body", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", SP_HTTP_BAD_REQUEST);
    expect("chunked", "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", SP_HTTP_BAD_REQUEST);
    expect("bad length", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", SP_HTTP_BAD_REQUEST);
    expect("control byte", "GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", SP_HTTP_BAD_REQUEST);
    expect("leading empty line", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", SP_HTTP_BAD_REQUEST);
    {
        /* NUL bytes: strlen cannot be used, so give lengths */
        const char nul[] = "GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n";
        struct sp_http_request r;
        enum sp_http_verdict v = sp_http_parse(nul, sizeof nul - 1, CAP, &r);
        if (v != SP_HTTP_BAD_REQUEST)
            FAIL("NUL in target: expected 400, got %d", v);
        v = sp_http_parse("\0\0\0\0", 4, CAP, &r);
        if (v != SP_HTTP_BAD_REQUEST)
            FAIL("NUL bytes: expected 400, got %d", v);
    }

    /* the canned responses: status lines, lengths, HEAD without the body */
    {
        struct sp_http_request r;
        size_t n;
        parse(get, &r);
        const char *resp = sp_http_response(SP_HTTP_OK, &r, &n);
        if (strncmp(resp, "HTTP/1.1 200 OK\r\n", 17) || n < 14 ||
            memcmp(resp + n - 14, SP_HTTP_BODY, 14) || strstr(resp, "Connection:"))
            FAIL("200 keep-alive response: %.*s", (int)n, resp);
        parse("HEAD / HTTP/1.0\r\n\r\n", &r);
        resp = sp_http_response(SP_HTTP_OK, &r, &n);
        if (memcmp(resp + n - 4, "\r\n\r\n", 4) || !strstr(resp, "Connection: close"))
            FAIL("HEAD 1.0 response: %.*s", (int)n, resp);
        const int codes[] = { 400, 405, 431, 505 };
        for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
            resp = sp_http_response((enum sp_http_verdict)codes[i], &r, &n);
            char want[16];
            snprintf(want, sizeof want, "HTTP/1.1 %d ", codes[i]);
            const char *body = strstr(resp, "\r\n\r\n");
            const char *cl = strstr(resp, "Content-Length: ");
            long len = cl ? atol(cl + 16) : -1;
            if (strncmp(resp, want, strlen(want)) || !strstr(resp, "Connection: close\r\n") ||
                !body || (long)(resp + n - body - 4) != len)
                FAIL("%d response (Content-Length %ld): %.*s", codes[i], len, (int)n, resp);
        }
    }

    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("PASS\n");
    return 0;
}
