/*
 * fuzz_http.c — libFuzzer target for the request-head parser and the canned
 * responses (impl/server/http.c), with properties checked on every input:
 *
 *  1. The verdict is one of the enum's values; INCOMPLETE only below the cap.
 *  2. OK: head_len <= len, the head ends with its first CRLFCRLF, method is
 *     GET or HEAD, version 1.0/1.1, and the head alone parses to the same result.
 *  3. Prefixes never contradict the whole: a prefix's verdict is INCOMPLETE or
 *     the same verdict (a server must not answer differently depending on how
 *     the bytes were split into reads); a prefix that holds the whole head of
 *     an OK request is OK with the same result.
 *  4. The response for any verdict starts "HTTP/1.1 <code> ", ends its head
 *     with CRLFCRLF, and its Content-Length is the body it carries (HEAD: the
 *     body is omitted, the length is the GET body's); errors close.
 *
 * A broken property calls abort(), which libFuzzer reports as a crash and
 * saves as an artifact. Built two ways (tests/fuzz/CMakeLists.txt):
 *   - clang -fsanitize=fuzzer,address,undefined: the fuzzer (ctest fuzz_http);
 *   - with -DSP_FUZZ_MAIN, any compiler: a driver that runs the target over
 *     files and directories (the seed corpus, saved crashes): ctest fuzz_http_corpus.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syspath/http.h"

#define CAP SP_HTTP_HEAD_MAX

static void fail(const char *what, const uint8_t *data, size_t n)
{
    fprintf(stderr, "fuzz_http: property broken: %s (input of %zu bytes: \"", what, n);
    for (size_t i = 0; i < n && i < 200; i++)
        fprintf(stderr, data[i] >= 0x20 && data[i] < 0x7f && data[i] != '"' ? "%c" : "\\x%02x",
                data[i]);
    fprintf(stderr, "%s\")\n", n > 200 ? "..." : "");
    abort();
}

static int known_verdict(enum sp_http_verdict v)
{
    switch (v) {
    case SP_HTTP_INCOMPLETE: case SP_HTTP_OK: case SP_HTTP_BAD_REQUEST:
    case SP_HTTP_METHOD_NOT_ALLOWED: case SP_HTTP_HEADERS_TOO_LARGE:
    case SP_HTTP_VERSION_NOT_SUPPORTED:
        return 1;
    }
    return 0;
}

static int same_request(const struct sp_http_request *a, const struct sp_http_request *b)
{
    return a->head_len == b->head_len && a->method == b->method &&
           a->minor_version == b->minor_version && a->keep_alive == b->keep_alive;
}

/* Parse a heap copy of exactly n bytes, so AddressSanitizer sees any read past the end. */
static enum sp_http_verdict parse_exact(const uint8_t *data, size_t n, struct sp_http_request *req)
{
    char *copy = malloc(n ? n : 1);
    if (!copy)
        abort();
    memcpy(copy, data, n);
    memset(req, 0, sizeof *req);
    enum sp_http_verdict v = sp_http_parse(copy, n, CAP, req);
    free(copy);
    return v;
}

static void check_response(enum sp_http_verdict v, const struct sp_http_request *req,
                           const uint8_t *data, size_t n)
{
    size_t len = 0;
    const char *resp = sp_http_response(v, req, &len);
    if (!resp || len < 16 || len > 1024)
        fail("response missing or of an odd size", data, n);
    char want[16];
    snprintf(want, sizeof want, "HTTP/1.1 %d ", (int)v);
    if (memcmp(resp, want, strlen(want)) != 0)
        fail("response status line does not match the verdict", data, n);
    if (memchr(resp, '\0', len))
        fail("NUL inside the response", data, n);
    const char *end = NULL;
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp(resp + i, "\r\n\r\n", 4) == 0) {
            end = resp + i + 4;
            break;
        }
    if (!end)
        fail("response head does not end with CRLFCRLF", data, n);
    size_t head = (size_t)(end - resp), body = len - head;
    const char *cl = NULL;
    for (size_t i = 0; i + 18 <= head; i++)
        if (memcmp(resp + i, "\r\nContent-Length: ", 18) == 0) {
            cl = resp + i + 18;
            break;
        }
    if (!cl)
        fail("response without Content-Length", data, n);
    long declared = strtol(cl, NULL, 10);
    int head_request = v == SP_HTTP_OK && req->method == SP_HTTP_HEAD;
    if (head_request ? (body != 0 || declared != (long)sizeof SP_HTTP_BODY - 1)
                     : declared != (long)body)
        fail("Content-Length does not match the body", data, n);
    int closes = strstr(resp, "\r\nConnection: close\r\n") && strstr(resp, "\r\nConnection: close\r\n") < end;
    if (v != SP_HTTP_OK && !closes)
        fail("an error response that does not close", data, n);
    if (v == SP_HTTP_OK && closes == req->keep_alive)
        fail("Connection: close disagrees with keep_alive", data, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = size > CAP ? CAP : size;
    struct sp_http_request req;
    enum sp_http_verdict v = parse_exact(data, n, &req);

    if (!known_verdict(v))
        fail("verdict outside the enum", data, n);
    if (v == SP_HTTP_INCOMPLETE && n >= CAP)
        fail("INCOMPLETE with a full buffer (want 431)", data, n);
    if (v == SP_HTTP_HEADERS_TOO_LARGE && n < CAP)
        fail("431 before the buffer is full", data, n);
    if (v == SP_HTTP_OK) {
        if (req.head_len < 4 || req.head_len > n || memcmp(data + req.head_len - 4, "\r\n\r\n", 4))
            fail("OK head_len does not end a CRLFCRLF inside the input", data, n);
        for (size_t i = 0; i + 4 < req.head_len; i++)
            if (memcmp(data + i, "\r\n\r\n", 4) == 0)
                fail("OK head_len is not the first CRLFCRLF", data, n);
        if ((req.method != SP_HTTP_GET && req.method != SP_HTTP_HEAD) ||
            (req.minor_version != 0 && req.minor_version != 1) ||
            (req.keep_alive != 0 && req.keep_alive != 1))
            fail("OK with an odd method, version or keep_alive", data, n);
        struct sp_http_request again;
        if (parse_exact(data, req.head_len, &again) != SP_HTTP_OK || !same_request(&req, &again))
            fail("the head alone parses differently", data, n);
    }
    if (v != SP_HTTP_INCOMPLETE)
        check_response(v, &req, data, n);

    /* Prefixes: every one for short inputs, a spread of cut points for long ones. */
    size_t step = n <= 512 ? 1 : n / 256;
    for (size_t p = 0; p < n; p += step) {
        struct sp_http_request preq;
        enum sp_http_verdict pv = parse_exact(data, p, &preq);
        if (pv == SP_HTTP_INCOMPLETE)
            continue;
        if (v == SP_HTTP_OK && p < req.head_len)
            fail("a prefix shorter than an OK head is not INCOMPLETE", data, p);
        if (pv != v)
            fail("a prefix's verdict contradicts the whole input's", data, n);
        if (v == SP_HTTP_OK && !same_request(&preq, &req))
            fail("a prefix holding the whole head parses differently", data, n);
    }
    return 0;
}

#ifdef SP_FUZZ_MAIN
/* The regression driver: run the target over every file named, or every file
 * in every directory named. Exit 0 when all pass (a broken property aborts). */
#include <dirent.h>
#include <sys/stat.h>

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz_http: cannot open %s\n", path);
        return -1;
    }
    static uint8_t buf[4 * CAP];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, errors = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "fuzz_http: no such file or directory: %s\n", argv[i]);
            return 2;
        }
        if (!S_ISDIR(st.st_mode)) {
            errors += run_file(argv[i]) < 0;
            files++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            errors += run_file(path) < 0;
            files++;
        }
        if (d)
            closedir(d);
    }
    printf("%d input(s), every property held\n", files - errors);
    if (files == 0) {
        fprintf(stderr, "fuzz_http: no inputs found\n");
        return 2;
    }
    return errors ? 1 : 0;
}
#endif
