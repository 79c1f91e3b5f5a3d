; =============================================================================
; socket.asm -- the tutorial's socket.s: socket_listen, completed and fixed
;
; socket -> setsockopt(SO_REUSEADDR) -> setsockopt(SO_RCVTIMEO tick) -> bind
; 127.0.0.1:port -> listen, with the sockaddr zeroed by the tutorial's memset
; and the port converted by its htons, each called with rsp 16-byte aligned.
; =============================================================================
%include "platform.inc"

; Reads on a connection (and accept) wake at least this often, so the server
; can check the deadline of a request head (serve.asm) and a silent or
; trickling client cannot hold the one-at-a-time server (see SO_RCVTIMEO below).
%define RCV_TICK_US 200000

extern sp_fs_memset
extern sp_fs_htons

section .text
global sp_fs_socket_listen

; -----------------------------------------------------------------------------
; sp_fs_socket_listen -- a TCP socket listening on 127.0.0.1:port
;  IN:  edi = port (host order; 0 = the kernel picks one), esi = backlog
;  OUT: rax = listening fd, or -errno of the step that failed (the socket is
;       closed again then); -EADDRINUSE when the port is taken
;  CLOBBERS: rcx, rdx, rsi, rdi, r8, r10, r11
; -----------------------------------------------------------------------------
sp_fs_socket_listen:
    push rbp
    mov rbp, rsp
    push rbx                    ; rbx: the socket fd
    push r12                    ; r12: port, later the -errno being returned
    push r13                    ; r13: backlog
    ; FIX (tutorial bug): the tutorial did `push rbx` then `sub rsp, 0x10`,
    ; which leaves rsp % 16 == 8 at its calls. Count: entry 8 (the return
    ; address) + 4 pushes = 40, + 40 below = 80, a multiple of 16, so every
    ; ACALL from here is aligned. The 40 bytes hold the locals:
    ;   [rsp+0]  struct sockaddr_in (16)   [rsp+16] struct timeval (16)
    ;   [rsp+32] int one (4)
    sub rsp, 40
    mov r12d, edi
    mov r13d, esi

    ; socket(AF_INET, SOCK_STREAM, 0)
    mov eax, SYSCALL(SYS_SOCKET)
    mov edi, AF_INET
    mov esi, SOCK_STREAM
    mov edx, IPPROTO_TCP
    syscall
    SYSRET_TO_NEG_ERRNO
    test rax, rax
    js .ret                     ; nothing to close yet
    mov rbx, rax                ; the tutorial's point: rbx survives the calls

    ; setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, 4): a restarted server
    ; can bind again while old connections sit in TIME_WAIT.
    mov dword [rsp + 32], 1
    mov eax, SYSCALL(SYS_SETSOCKOPT)
    mov edi, ebx
    mov esi, SOL_SOCKET
    mov edx, SO_REUSEADDR
    lea r10, [rsp + 32]         ; 4th argument in r10: `syscall` overwrites rcx
    mov r8d, 4
    syscall
    SYSRET_TO_NEG_ERRNO
    test rax, rax
    js .fail

    ; setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, {0, 200 ms}, 16). Set on the
    ; listener because accepted sockets inherit it (Linux and BSD copy the
    ; option to the new socket): every read of a request then returns
    ; -EAGAIN after a tick with nothing new, and sp_fs_serve checks the
    ; head's deadline. accept itself also wakes every tick with EAGAIN when
    ; idle; the loop retries.
    mov qword [rsp + 16], 0
    mov qword [rsp + 24], RCV_TICK_US   ; microseconds (and, on macOS, the padding)
    mov eax, SYSCALL(SYS_SETSOCKOPT)
    mov edi, ebx
    mov esi, SOL_SOCKET
    mov edx, SO_RCVTIMEO
    lea r10, [rsp + 16]
    mov r8d, TIMEVAL_SIZE
    syscall
    SYSRET_TO_NEG_ERRNO
    test rax, rax
    js .fail

    ; The tutorial's improvement #2: zero the whole sockaddr_in with memset
    ; (sin_zero included), then fill in the fields.
    mov rdi, rsp
    xor esi, esi
    mov edx, SOCKADDR_IN_SIZE
    ACALL sp_fs_memset
%ifdef PLATFORM_OSX
    mov byte [rsp + 0], SOCKADDR_IN_SIZE    ; sin_len: BSD's extra byte
    mov byte [rsp + 1], AF_INET             ; sin_family is 1 byte there
%else
    mov word [rsp + 0], AF_INET             ; sin_family is 2 bytes on Linux
%endif
    ; FIX (tutorial: port 4444 typed in network order as 23569): the port
    ; comes from the caller, converted by htons.
    mov edi, r12d
    ACALL sp_fs_htons
    mov [rsp + 2], ax                       ; sin_port
    ; FIX (tutorial: INADDR_ANY, every interface): 127.0.0.1 only. The
    ; constant is in host order; bswap gives network order.
    mov eax, INADDR_LOOPBACK
    bswap eax
    mov [rsp + 4], eax                      ; sin_addr

    ; bind(fd, &addr, 16)
    mov eax, SYSCALL(SYS_BIND)
    mov edi, ebx
    mov rsi, rsp
    mov edx, SOCKADDR_IN_SIZE
    syscall
    SYSRET_TO_NEG_ERRNO
    test rax, rax
    js .fail

    ; FIX (tutorial: backlog 5): listen(fd, backlog). Under a load generator
    ; hundreds of connections arrive while one is being served; with 5 slots
    ; the kernel drops SYNs and clients stall for a 1 s retransmit, which
    ; would measure the backlog, not the server. The kernel caps the value at
    ; net.core.somaxconn.
    mov eax, SYSCALL(SYS_LISTEN)
    mov edi, ebx
    mov esi, r13d
    syscall
    SYSRET_TO_NEG_ERRNO
    test rax, rax
    js .fail

    mov rax, rbx
    jmp .ret

.fail:
    mov r12, rax                ; keep -errno across close
    mov eax, SYSCALL(SYS_CLOSE)
    mov edi, ebx
    syscall
    mov rax, r12
.ret:
    lea rsp, [rbp - 24]         ; back to the three saved registers
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret
