; =============================================================================
; asm.asm -- the "asm" syscall path: one NASM routine per struct sp_sys op
;
; Each routine is a complete SysV function: arguments arrive in rdi, rsi, rdx,
; rcx, r8, r9; the result leaves in rax, >= 0 or -errno (the kernel's own
; convention on Linux; macOS's carry flag is folded into it by
; SYSRET_TO_NEG_ERRNO). None of them touches the stack, so rsp keeps the
; caller's alignment and nothing here calls out; none of them touches rbx,
; rbp, r12-r15 or the direction flag.
;
; Two details every routine shares, explained once:
;   - C passes `int` arguments in the low 32 bits of a register and leaves the
;     upper half undefined. `movsxd` sign-extends them to 64 bits, so the
;     kernel sees exactly what glibc's wrappers pass (close(-1) arrives as -1).
;   - A 4th argument arrives in rcx, but `syscall` overwrites rcx with the
;     return address (and r11 with rflags), so the kernel takes it from r10.
; CLOBBERS (all routines): rax, rcx, r11, and the argument registers they
; sign-extend (rdi/rsi/rdx/r10 as noted) -- all caller-saved under SysV.
; =============================================================================
%include "platform.inc"

section .text

global sp_asm_socket
global sp_asm_setsockopt
global sp_asm_bind
global sp_asm_listen
global sp_asm_accept4
global sp_asm_read
global sp_asm_write
global sp_asm_close
global sp_asm_getsockname
global sp_asm_shutdown
global sp_asm_send
global sp_asm_io_uring_enter
global sp_asm_epoll_create1
global sp_asm_epoll_ctl
global sp_asm_epoll_wait
global sp_asm_getppid

; -----------------------------------------------------------------------------
; sp_asm_socket -- create an endpoint
;  IN:  edi = domain, esi = type, edx = protocol
;  OUT: rax = fd, or -errno
;  CLOBBERS: rcx, r11, rdi, rsi, rdx
; -----------------------------------------------------------------------------
sp_asm_socket:
    movsxd rdi, edi
    movsxd rsi, esi
    movsxd rdx, edx
    mov eax, SYSCALL(SYS_SOCKET)
    syscall
    SYSRET_TO_NEG_ERRNO
    ret

; -----------------------------------------------------------------------------
; sp_asm_setsockopt -- set a socket option
;  IN:  edi = fd, esi = level, edx = optname, rcx = optval *, r8d = optlen
;  OUT: rax = 0, or -errno
;  CLOBBERS: rcx, r10, r11, rdi, rsi, rdx, r8
; -----------------------------------------------------------------------------
sp_asm_setsockopt:
    movsxd rdi, edi
    movsxd rsi, esi
    movsxd rdx, edx
    mov r10, rcx                ; 4th argument: rcx is lost to `syscall`
    mov r8d, r8d                ; optlen is unsigned: zero-extend
    mov eax, SYSCALL(SYS_SETSOCKOPT)
    syscall
    SYSRET_TO_NEG_ERRNO
    ret

; -----------------------------------------------------------------------------
; sp_asm_bind -- give a socket its local address
;  IN:  edi = fd, rsi = sockaddr *, edx = addrlen
;  OUT: rax = 0, or -errno
;  CLOBBERS: rcx, r11, rdi, rdx
; -----------------------------------------------------------------------------
sp_asm_bind:
    movsxd rdi, edi
    mov edx, edx                ; addrlen is unsigned: zero-extend
    mov eax, SYSCALL(SYS_BIND)
    syscall
    SYSRET_TO_NEG_ERRNO
    ret

; -----------------------------------------------------------------------------
; sp_asm_listen -- mark a socket as accepting connections
;  IN:  edi = fd, esi = backlog
;  OUT: rax = 0, or -errno
;  CLOBBERS: rcx, r11, rdi, rsi
; -----------------------------------------------------------------------------
sp_asm_listen:
    movsxd rdi, edi
    movsxd rsi, esi
    mov eax, SYSCALL(SYS_LISTEN)
    syscall
    SYSRET_TO_NEG_ERRNO
    ret

; -----------------------------------------------------------------------------
; sp_asm_accept4 -- take the next connection off a listening socket
;  IN:  edi = listening fd, rsi = sockaddr * (may be 0), rdx = socklen_t *
;       (may be 0), ecx = flags (SOCK_NONBLOCK, SOCK_CLOEXEC)
;  OUT: rax = new fd, or -errno
;  CLOBBERS: rcx, r10, r11, rdi
;  macOS has no accept4: plain accept, and the flags are ignored there.
; -----------------------------------------------------------------------------
sp_asm_accept4:
    movsxd rdi, edi
%ifdef PLATFORM_OSX
    mov eax, SYSCALL(SYS_ACCEPT)
%else
    movsxd r10, ecx             ; 4th argument goes in r10, not rcx
    mov eax, SYSCALL(SYS_ACCEPT4)
%endif
    syscall
    SYSRET_TO_NEG_ERRNO
    ret

; -----------------------------------------------------------------------------
; sp_asm_read -- read up to count bytes
;  IN:  edi = fd, rsi = buf, rdx = count
;  OUT: rax = bytes read (0 at end of stream), or -errno
;  CLOBBERS: rcx, r11, rdi
; -----------------------------------------------------------------------------
sp_asm_read:
    movsxd rdi, edi
    mov eax, SYSCALL(SYS_READ)
    syscall
    SYSRET_TO_NEG_ERRNO
    ret

; -----------------------------------------------------------------------------
; sp_asm_write -- write up to count bytes
;  IN:  edi = fd, rsi = buf, rdx = count
;  OUT: rax = bytes written, or -errno
;  CLOBBERS: rcx, r11, rdi
; -----------------------------------------------------------------------------
sp_asm_write:
    movsxd rdi, edi
    mov eax, SYSCALL(SYS_WRITE)
    syscall
    SYSRET_TO_NEG_ERRNO
    ret

; -----------------------------------------------------------------------------
; sp_asm_close -- release a descriptor
;  IN:  edi = fd
;  OUT: rax = 0, or -errno (close(-1) is -EBADF)
;  CLOBBERS: rcx, r11, rdi
; -----------------------------------------------------------------------------
sp_asm_close:
    movsxd rdi, edi
    mov eax, SYSCALL(SYS_CLOSE)
    syscall
    SYSRET_TO_NEG_ERRNO
    ret

; -----------------------------------------------------------------------------
; sp_asm_getsockname -- the local address a socket is bound to
;  IN:  edi = fd, rsi = sockaddr *, rdx = socklen_t * (in: size, out: length)
;  OUT: rax = 0, or -errno
;  CLOBBERS: rcx, r11, rdi
; -----------------------------------------------------------------------------
sp_asm_getsockname:
    movsxd rdi, edi
    mov eax, SYSCALL(SYS_GETSOCKNAME)
    syscall
    SYSRET_TO_NEG_ERRNO
    ret

; -----------------------------------------------------------------------------
; sp_asm_shutdown -- shut down part of a full-duplex connection
;  IN:  edi = fd, esi = how (SHUT_RD, SHUT_WR, SHUT_RDWR)
;  OUT: rax = 0, or -errno
;  CLOBBERS: rcx, r11, rdi, rsi
; -----------------------------------------------------------------------------
sp_asm_shutdown:
    movsxd rdi, edi
    movsxd rsi, esi
    mov eax, SYSCALL(SYS_SHUTDOWN)
    syscall
    SYSRET_TO_NEG_ERRNO
    ret

; -----------------------------------------------------------------------------
; sp_asm_send -- send bytes on a connected socket, with flags (MSG_MORE...)
;  IN:  edi = fd, rsi = buf, rdx = len, ecx = flags
;  OUT: rax = bytes sent, or -errno
;  CLOBBERS: rcx, r8, r9, r10, r11, rdi
;  Neither kernel has a send syscall: this is sendto with no address (r8 = 0,
;  r9 = 0), which is what glibc's send issues too.
; -----------------------------------------------------------------------------
sp_asm_send:
    movsxd rdi, edi
    movsxd r10, ecx             ; 4th argument: rcx is lost to `syscall`
    xor r8d, r8d                ; dest_addr = NULL
    xor r9d, r9d                ; addrlen = 0
    mov eax, SYSCALL(SYS_SENDTO)
    syscall
    SYSRET_TO_NEG_ERRNO
    ret

%ifdef PLATFORM_OSX
; macOS has no epoll (kqueue is its equivalent, and a different model) and no
; io_uring: those ops answer -ENOSYS so the models fail cleanly.
sp_asm_epoll_create1:
sp_asm_epoll_ctl:
sp_asm_epoll_wait:
sp_asm_io_uring_enter:
    mov rax, -ENOSYS
    ret
%else
; -----------------------------------------------------------------------------
; sp_asm_io_uring_enter -- submit prepared SQEs and/or wait for completions
;  IN:  edi = ring fd (or registered index), esi = to_submit, edx = min_complete,
;       ecx = flags (IORING_ENTER_*), r8 = arg (sigset * or getevents_arg *),
;       r9 = argsz
;  OUT: rax = SQEs submitted, or -errno (-ETIME: the wait timed out)
;  CLOBBERS: rcx, r10, r11, rdi, rsi, rdx
; -----------------------------------------------------------------------------
sp_asm_io_uring_enter:
    movsxd rdi, edi
    mov esi, esi                ; the counts and flags are unsigned: zero-extend
    mov edx, edx
    mov r10d, ecx               ; 4th argument: rcx is lost to `syscall` (zero-extends)
    mov eax, SYSCALL(SYS_IO_URING_ENTER)
    syscall
    ret

; -----------------------------------------------------------------------------
; sp_asm_epoll_create1 -- create an epoll instance
;  IN:  edi = flags (EPOLL_CLOEXEC)
;  OUT: rax = epoll fd, or -errno
;  CLOBBERS: rcx, r11, rdi
; -----------------------------------------------------------------------------
sp_asm_epoll_create1:
    movsxd rdi, edi
    mov eax, SYSCALL(SYS_EPOLL_CREATE1)
    syscall
    ret

; -----------------------------------------------------------------------------
; sp_asm_epoll_ctl -- add, modify or remove a descriptor in an epoll set
;  IN:  edi = epoll fd, esi = op, edx = fd, rcx = struct epoll_event *
;  OUT: rax = 0, or -errno
;  CLOBBERS: rcx, r10, r11, rdi, rsi, rdx
; -----------------------------------------------------------------------------
sp_asm_epoll_ctl:
    movsxd rdi, edi
    movsxd rsi, esi
    movsxd rdx, edx
    mov r10, rcx                ; 4th argument: rcx is lost to `syscall`
    mov eax, SYSCALL(SYS_EPOLL_CTL)
    syscall
    ret

; -----------------------------------------------------------------------------
; sp_asm_epoll_wait -- wait for events on an epoll set
;  IN:  edi = epoll fd, rsi = struct epoll_event *, edx = maxevents,
;       ecx = timeout in ms (-1: forever)
;  OUT: rax = number of ready events, or -errno
;  CLOBBERS: rcx, r10, r11, rdi, rdx
; -----------------------------------------------------------------------------
sp_asm_epoll_wait:
    movsxd rdi, edi
    movsxd rdx, edx
    movsxd r10, ecx             ; 4th argument: rcx is lost to `syscall`
    mov eax, SYSCALL(SYS_EPOLL_WAIT)
    syscall
    ret
%endif

; -----------------------------------------------------------------------------
; sp_asm_getppid -- the parent's pid: the null syscall (cannot fail, does
;                   almost no work in the kernel), for the microbenchmarks
;  IN:  nothing
;  OUT: rax = parent pid
;  CLOBBERS: rcx, r11
; -----------------------------------------------------------------------------
sp_asm_getppid:
    mov eax, SYSCALL(SYS_GETPPID)
    syscall
    SYSRET_TO_NEG_ERRNO
    ret
