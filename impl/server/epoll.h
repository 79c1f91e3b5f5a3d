/*
 * epoll.h — the epoll event loop, shared by the epoll model and by every
 * worker of the reuseport model (internal to impl/server).
 */
#ifndef SYSPATH_SERVER_EPOLL_H
#define SYSPATH_SERVER_EPOLL_H

#include "syspath/server.h"

/* Serve on the non-blocking listener lfd until sp_stop_requested, or until
 * *accepted (shared between the workers of one server) reaches
 * cfg->max_conns and every connection has closed. */
long sp_epoll_loop(const struct sp_sys *sys, const struct sp_config *cfg, int lfd,
                   long *accepted, struct sp_stats *st);
#endif
