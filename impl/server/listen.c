/*
 * listen.c — the listening socket, the same for every model and backend.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "syspath/server.h"

long sp_parse_addr(const char *addr, int port, struct sockaddr_storage *out, unsigned *len)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((unsigned short)port);
        *len = sizeof *in4;
    } else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((unsigned short)port);
        *len = sizeof *in6;
    } else {
        return -EINVAL;
    }
    return 0;
}

int sp_defer_accept_s(const struct sp_config *cfg)
{
    const struct sp_model *model = sp_model_find(cfg->model);
    if (cfg->defer_accept_s >= 0)
        return cfg->defer_accept_s;
    return model && (model->listen_flags & SP_LISTEN_DEFER) ? 1 : 0;
}

int sp_quickack(const struct sp_config *cfg)
{
    const struct sp_model *model = sp_model_find(cfg->model);
    if (cfg->quickack >= 0)
        return cfg->quickack;
    return model && (model->listen_flags & SP_LISTEN_DELACK) ? 0 : 1;
}

long sp_listen(const struct sp_sys *sys, const struct sp_config *cfg, struct sp_listener *out)
{
    const struct sp_model *model = sp_model_find(cfg->model);
    if (!model)
        return -ENOENT;
    if (cfg->port < 0 || cfg->port > 65535 || cfg->backlog <= 0)
        return -EINVAL;

    struct sockaddr_storage ss;
    unsigned len;
    long r = sp_parse_addr(cfg->addr, cfg->port, &ss, &len);
    if (r < 0)
        return r;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

    int type = SOCK_STREAM | SOCK_CLOEXEC;
    if (model->listen_flags & SP_LISTEN_NONBLOCK)
        type |= SOCK_NONBLOCK;
    long fd = sys->socket(ss.ss_family, type, 0);
    if (fd < 0)
        return fd;
    int one = 1;
    r = sys->setsockopt((int)fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (r == 0 && (model->listen_flags & SP_LISTEN_REUSEPORT))
        r = sys->setsockopt((int)fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    int defer = sp_defer_accept_s(cfg);
    if (r == 0 && defer > 0)
        r = sys->setsockopt((int)fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof defer);
    struct timeval tick = { .tv_sec = 0, .tv_usec = SP_STOP_POLL_MS * 1000 };
    if (r == 0 && (model->listen_flags & SP_LISTEN_TICK))
        r = sys->setsockopt((int)fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
    if (r == 0 && (model->listen_flags & SP_LISTEN_TICK))
        r = sys->setsockopt((int)fd, SOL_SOCKET, SO_SNDTIMEO, &tick, sizeof tick);
    if (r == 0)
        r = sys->bind((int)fd, &ss, len);
    if (r == 0)
        r = sys->listen((int)fd, cfg->backlog);
    /* after listen(), which resets the socket's ACK state (the kernel's
     * inet_csk_listen_start clears it): set before, it is lost */
    int zero = 0;
    if (r == 0 && sp_quickack(cfg) == 0)
        r = sys->setsockopt((int)fd, IPPROTO_TCP, TCP_QUICKACK, &zero, sizeof zero);
    unsigned slen = sizeof ss;
    if (r == 0)
        r = sys->getsockname((int)fd, &ss, &slen);
    if (r < 0) {
        sys->close((int)fd);
        return r;
    }
    out->fd = (int)fd;
    out->family = ss.ss_family;
    out->port = ntohs(ss.ss_family == AF_INET ? in4->sin_port : in6->sin6_port);
    return 0;
}
