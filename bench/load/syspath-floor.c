/*
 * syspath-floor.c — syspath-floor ADDR PORT: the least an HTTP server can do,
 * the load bench's reference row `floor` (never a peer, never a model).
 *
 * Blocking, one process, libc, one connection at a time: accept, then read
 * and answer until the client's EOF, or until a request that says
 * `Connection: close` (as wrk and syspath-client spell it): that answer goes
 * with MSG_MORE, so the close right after sends it and the FIN in one
 * segment. So with Connection: close it is accept, read, send, close; kept
 * alive it is read, send per request. One read is taken for one request (a
 * client sends one and waits for its answer); nothing else is parsed.
 * Prints `listening on ADDR:PORT` (PORT 0: the one the kernel chose); bad
 * usage or a port in use is one line on stderr and exit 2.
 */
#define _GNU_SOURCE             /* memmem */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ANSWER(conn) "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n" conn "\r\nHello, World!\n"
static const char close_answer[] = ANSWER("Connection: close\r\n");
static const char keep_answer[] = ANSWER("");

int main(int argc, char **argv)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof sa;
    char buf[4096], *end = NULL;
    long port = argc == 3 ? strtol(argv[2], &end, 10) : -1;
    int one = 1, s, c;
    ssize_t n;

    if (argc != 3 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 || *end ||
        port < 0 || port > 65535) {
        fprintf(stderr, "usage: syspath-floor IPV4-ADDR PORT (0..65535)\n");
        return 2;
    }
    sa.sin_port = htons((unsigned short)port);
    s = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 4096) < 0 ||
        getsockname(s, (struct sockaddr *)&sa, &len) < 0) {
        fprintf(stderr, "syspath-floor: %s:%s: %m\n", argv[1], argv[2]);
        return 2;
    }
    printf("listening on %s:%d\n", argv[1], ntohs(sa.sin_port));
    fflush(stdout);
    for (;;) {
        if ((c = accept(s, NULL, NULL)) < 0)
            continue;
        while ((n = read(c, buf, sizeof buf)) > 0) {
            if (memmem(buf, (size_t)n, "Connection: close", 17)) {
                send(c, close_answer, sizeof close_answer - 1, MSG_MORE | MSG_NOSIGNAL);
                break;
            }
            if (send(c, keep_answer, sizeof keep_answer - 1, MSG_NOSIGNAL) < 0)
                break;
        }
        close(c);
    }
}
