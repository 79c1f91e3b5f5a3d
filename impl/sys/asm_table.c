/*
 * asm_table.c — the "asm" backend's table: the NASM routines in asm.asm.
 * Their prototypes match struct sp_sys exactly, so no C glue sits between the
 * indirect call and the `syscall` instruction.
 */
#include "syspath/sys.h"

#include "asm.h"     /* impl/sys: the routines' prototypes */

const struct sp_sys sp_sys_asm = {
    .name = "asm",
    .socket = sp_asm_socket,
    .setsockopt = sp_asm_setsockopt,
    .bind = sp_asm_bind,
    .listen = sp_asm_listen,
    .accept4 = sp_asm_accept4,
    .read = sp_asm_read,
    .write = sp_asm_write,
    .close = sp_asm_close,
    .getsockname = sp_asm_getsockname,
    .shutdown = sp_asm_shutdown,
    .send = sp_asm_send,
    .io_uring_enter = sp_asm_io_uring_enter,
    .epoll_create1 = sp_asm_epoll_create1,
    .epoll_ctl = sp_asm_epoll_ctl,
    .epoll_wait = sp_asm_epoll_wait,
    .getppid = sp_asm_getppid,
};
