/*
 * syspath-floor.c — syspath-floor: the least an HTTP server can do, the load
 * bench's reference row `floor` (never a peer, never a model).
 *
 *   syspath-floor ADDR PORT              accept, read, send, close: one
 *                                        connection after another
 *   syspath-floor --keepalive ADDR PORT  answer every read until EOF, then close
 *
 * Blocking, one process, libc. One read is taken for one request (wrk sends
 * one and waits for its answer); nothing is parsed. With Connection: close
 * the answer goes with MSG_MORE: the close that follows sends it and the FIN
 * in one segment. Prints `listening on ADDR:PORT` (PORT 0: the one the kernel
 * chose); a bad address or a port in use is one line on stderr and exit 2.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char close_answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n"
                                   "Connection: close\r\n\r\nHello, World!\n";
static const char keep_answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nHello, World!\n";

int main(int argc, char **argv)
{
    int keep = argc == 4 && strcmp(argv[1], "--keepalive") == 0;
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof sa;
    char buf[4096];
    int one = 1, s, c;

    char *end = NULL;
    long port = argc == 3 + keep ? strtol(argv[2 + keep], &end, 10) : -1;

    if (argc != 3 + keep || inet_pton(AF_INET, argv[1 + keep], &sa.sin_addr) != 1 ||
        *end || port < 0 || port > 65535) {
        fprintf(stderr, "usage: syspath-floor [--keepalive] IPV4-ADDR PORT (0..65535)\n");
        return 2;
    }
    sa.sin_port = htons((unsigned short)port);
    s = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 4096) < 0 ||
        getsockname(s, (struct sockaddr *)&sa, &len) < 0) {
        fprintf(stderr, "syspath-floor: %s:%s: %m\n", argv[1 + keep], argv[2 + keep]);
        return 2;
    }
    printf("listening on %s:%d\n", argv[1 + keep], ntohs(sa.sin_port));
    fflush(stdout);
    for (;;) {
        if ((c = accept(s, NULL, NULL)) < 0)
            continue;
        if (!keep) {
            if (read(c, buf, sizeof buf) > 0)
                send(c, close_answer, sizeof close_answer - 1, MSG_MORE | MSG_NOSIGNAL);
        } else {
            while (read(c, buf, sizeof buf) > 0 &&
                   send(c, keep_answer, sizeof keep_answer - 1, MSG_NOSIGNAL) > 0)
                ;
        }
        close(c);
    }
}
