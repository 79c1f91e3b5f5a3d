/*
 * uring_valgrind.h — the io_uring model under valgrind (internal to impl/server).
 *
 * valgrind models syscalls, not the ring: what the kernel does on our behalf
 * through io_uring is invisible to it. Two things follow, and both are handled
 * here and nowhere else:
 *
 *   - memcheck cannot see the kernel write a recv's bytes, so every parse of
 *     them would be reported as a use of uninitialised memory: received bytes
 *     are marked defined (uring_mark_received);
 *   - valgrind (3.19) runs io_uring_enter with every signal blocked and never
 *     looks for them after it, so SIGTERM would wait forever: after each
 *     io_uring_enter, a syscall it knows may block (sched_yield) lets them in
 *     (uring_let_signals_in).
 *
 * Outside valgrind both are a few no-op instructions (the client request) and
 * one predictable branch. Without valgrind/memcheck.h at build time they are
 * nothing at all.
 */
#ifndef SYSPATH_SERVER_URING_VALGRIND_H
#define SYSPATH_SERVER_URING_VALGRIND_H

#include <sched.h>
#include <stddef.h>

#ifdef SYSPATH_HAVE_MEMCHECK_H
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(addr, len) ((void)(addr), (void)(len))
#define RUNNING_ON_VALGRIND 0
#endif

static inline void uring_mark_received(const void *addr, size_t len)
{
    VALGRIND_MAKE_MEM_DEFINED(addr, len);
}

static inline void uring_let_signals_in(void)
{
    if (RUNNING_ON_VALGRIND)
        sched_yield();
}
#endif
