; =============================================================================
; main.asm -- syspath-asm-server: the tutorial's TCP server, completed.
;
;   syspath-asm-server [PORT [N]]
;
; Pure NASM, no libc, its own entry point. Listens on 127.0.0.1:PORT (default
; 8080; 0 = the kernel picks), prints `listening on 127.0.0.1:PORT`, then the
; loop the tutorial promised for its part 2: accept, read the request head
; (within a 5 s deadline), answer HTTP 200 "Hello, World!", close, repeat. After N connections (if N
; is given and not 0) it exits 0. Bad arguments or a port it cannot listen
; on: one line on stderr, exit 2.
;
; The tutorial's bugs, each fixed where the code is (grep FIX): rsp aligned
; to 16 at every call (ACALL, which traps when assembled with -DSP_ABI_CHECK);
; messages written with their real lengths (`equ $ - label`), not 20; htons
; zero-extends; backlog 4096, not 5; port from argv, not hard-coded;
; 127.0.0.1, not every interface. The hello world's missing `syscall`s are
; in hello.asm.
;
; State lives in callee-saved registers, so every routine called keeps it:
;   rbx = listening fd, rbp = connection fd, r12 = argc (later -errno),
;   r13 = argv, r14 = port, r15 = connections left (0 = no limit)
; =============================================================================
%include "platform.inc"

%define DEFAULT_PORT 8080
%define BACKLOG 4096            ; see the listen() comment in socket.asm
%define EXIT_USAGE 2            ; bad arguments, cannot listen: exit status 2

extern sp_fs_socket_listen
extern sp_fs_serve
extern sp_fs_htons
extern sp_fs_strlen
extern sp_fs_streq
extern sp_fs_utoa
extern sp_fs_atou
extern sp_fs_say

; MESSAGE name, head [, mid [, tail]] -- a line for sp_fs_say: three fixed
; parts with two variable slots between them (head [a] mid [b] tail); mid and
; tail may be left out or empty. Each part's length is computed by the
; assembler.
; FIX (tutorial bug): its .err_msg wrote every message with length 20.
%macro MESSAGE 2-4 {}, {}
section .rodata
%%head:
%ifnempty %2
    db %2
%endif
%%head_len equ $ - %%head
%%mid:
%ifnempty %3
    db %3
%endif
%%mid_len equ $ - %%mid
%%tail:
%ifnempty %4
    db %4
%endif
%%tail_len equ $ - %%tail
section .data
%1: dq %%head, %%head_len, %%mid, %%mid_len, %%tail, %%tail_len
%endmacro

%define ME "syspath-asm-server: "

MESSAGE msg_listening, "listening on 127.0.0.1:", , 10
MESSAGE msg_usage, {"usage: syspath-asm-server [PORT [N]]", 10, \
    "  PORT  TCP port on 127.0.0.1 (default 8080; 0 = the kernel picks one)", 10, \
    "  N     serve N connections, then exit 0 (default 0 = no limit)", 10, \
    "Pure NASM, no libc. Prints 'listening on 127.0.0.1:PORT' once listening,", 10, \
    "answers every request with HTTP/1.1 200 'Hello, World!' and closes.", 10}
MESSAGE msg_too_many, {ME, "too many arguments (usage: syspath-asm-server [PORT [N]])", 10}
MESSAGE msg_bad_port, {ME, "bad port '"}, , {"' (want a whole number 0-65535)", 10}
MESSAGE msg_bad_count, {ME, "bad connection count '"}, , \
    {"' (want a whole number; 0 = no limit)", 10}
MESSAGE msg_in_use, {ME, "port "}, , {" in use", 10}
MESSAGE msg_no_listen, {ME, "cannot listen on 127.0.0.1:"}, {": errno "}, 10
MESSAGE msg_no_accept, {ME, "accept failed: errno "}, , 10
MESSAGE msg_no_sigpipe, {ME, "cannot ignore SIGPIPE: errno "}, , 10

section .rodata
opt_help: db "--help", 0
opt_h:    db "-h", 0

section .bss
digits_a: resb 24               ; sp_fs_utoa output: 20 digits at most
digits_b: resb 24

section .text

; -----------------------------------------------------------------------------
; The entry point. Not a function: nothing called it, it never returns.
;  IN (Linux _start): [rsp] = argc, [rsp+8...] = argv, NULL-terminated;
;     rsp is 16-byte aligned (the ELF x86_64 ABI)
;  IN (macOS main): rdi = argc, rsi = argv; dyld calls it like a function
;  OUT: exit status 0 (N connections served, or --help), 2 (bad arguments,
;       cannot listen, accept failed for good)
; -----------------------------------------------------------------------------
%ifdef PLATFORM_OSX
global main
main:
    mov r12, rdi
    mov r13, rsi
%else
global _start
_start:
    mov r12, [rsp]
    lea r13, [rsp + 8]
%endif
    ; FIX (tutorial bug): its main called socket_listen with whatever rsp it
    ; had; on macOS main is entered with rsp % 16 == 8. Align once here, and
    ; every ACALL below is made with nothing else pushed (or a multiple of
    ; 16 bytes reserved), so rsp % 16 == 0 at each one.
    and rsp, -16

    mov r14d, DEFAULT_PORT
    xor r15d, r15d
    cmp r12, 2
    jb .args_done

    mov rdi, [r13 + 8]
    lea rsi, [rel opt_help]
    ACALL sp_fs_streq
    test eax, eax
    jnz .usage
    mov rdi, [r13 + 8]
    lea rsi, [rel opt_h]
    ACALL sp_fs_streq
    test eax, eax
    jnz .usage
    cmp r12, 3
    ja .too_many

    ; FIX (tutorial: port 4444 fixed in the code): PORT from argv[1].
    mov rdi, [r13 + 8]
    mov esi, 65535
    ACALL sp_fs_atou
    test rax, rax
    js .bad_port
    mov r14, rax
    cmp r12, 3
    jb .args_done
    mov rdi, [r13 + 16]
    mov rsi, 0x7fffffffffffffff
    ACALL sp_fs_atou
    test rax, rax
    js .bad_count
    mov r15, rax
.args_done:

    ; A client that closes before reading the answer makes write raise
    ; SIGPIPE, whose default action kills the process. Ignore it once here,
    ; process-wide, rather than using send(MSG_NOSIGNAL) per write: one
    ; syscall at start, and the loop keeps the tutorial's plain `write`
    ; (macOS has no MSG_NOSIGNAL anyway). A write to a gone client then
    ; returns -EPIPE, which sp_fs_serve handles.
    sub rsp, 32                 ; the action struct; 32 keeps rsp aligned
    mov qword [rsp + 0], SIG_IGN
    mov qword [rsp + 8], 0
    mov qword [rsp + 16], 0
    mov qword [rsp + 24], 0
    mov edi, SIGPIPE
    mov rsi, rsp
    xor edx, edx                ; no old action wanted
%ifdef PLATFORM_OSX
    ; sigaction(SIGPIPE, &{handler, tramp, mask, flags}, NULL)
    mov eax, SYSCALL(SYS_SIGACTION)
%else
    ; rt_sigaction(SIGPIPE, &{handler, flags, restorer, mask}, NULL, 8):
    ; the kernel's struct, not glibc's; no restorer is needed for SIG_IGN.
    mov r10d, 8                 ; sizeof the kernel's sigset_t
    mov eax, SYSCALL(SYS_RT_SIGACTION)
%endif
    syscall
    SYSRET_TO_NEG_ERRNO
    add rsp, 32
    test rax, rax
    js .no_sigpipe

    mov edi, r14d
    mov esi, BACKLOG
    ACALL sp_fs_socket_listen
    test rax, rax
    js .no_listen
    mov rbx, rax

    test r14, r14
    jnz .print
    ; Port 0: the kernel picked one; getsockname says which.
    sub rsp, 32                 ; sockaddr_in (16) + socklen_t (4), aligned
    mov dword [rsp + 16], SOCKADDR_IN_SIZE
    mov eax, SYSCALL(SYS_GETSOCKNAME)
    mov edi, ebx
    mov rsi, rsp
    lea rdx, [rsp + 16]
    syscall
    SYSRET_TO_NEG_ERRNO
    movzx edi, word [rsp + 2]   ; sin_port, network order
    add rsp, 32
    test rax, rax
    js .no_listen
    ACALL sp_fs_htons           ; a byte swap is its own inverse: ntohs
    mov r14, rax

.print:
    ; `listening on 127.0.0.1:PORT`, one writev, so a reader of the pipe gets
    ; the whole line at once. Its result is ignored: a closed stdout must not
    ; stop a server that is otherwise fine.
    mov rdi, r14
    lea rsi, [rel digits_a]
    ACALL sp_fs_utoa
    mov edi, STDOUT
    lea rsi, [rel msg_listening]
    lea rdx, [rel digits_a]
    mov rcx, rax
    xor r8d, r8d
    xor r9d, r9d
    ACALL sp_fs_say

.accept:
    ; accept(fd, NULL, NULL): the tutorial's ACCEPT; the peer's address is
    ; not needed.
    mov eax, SYSCALL(SYS_ACCEPT)
    mov edi, ebx
    xor esi, esi
    xor edx, edx
    syscall
    SYSRET_TO_NEG_ERRNO
    test rax, rax
    js .accept_error
    mov rbp, rax
    mov edi, ebp
    ACALL sp_fs_serve           ; whatever happened, the connection is done
    ; close: sends the answer sp_fs_serve held back (MSG_MORE) with the FIN
    mov eax, SYSCALL(SYS_CLOSE)
    mov edi, ebp
    syscall
    test r15, r15
    jz .accept                  ; no limit
    dec r15
    jnz .accept
    xor edi, edi                ; N connections served: exit 0
    jmp .exit

.accept_error:
    ; Errors that describe the listener itself will not go away: stop.
    ; Everything else is about one connection (ECONNABORTED: reset before
    ; accept; EPROTO, ENETDOWN ... which accept(2) says to treat like EAGAIN),
    ; a signal (EINTR), or the SO_RCVTIMEO tick expiring on an idle listener
    ; (EAGAIN): accept again.
    cmp rax, -EBADF
    je .no_accept
    cmp rax, -EFAULT
    je .no_accept
    cmp rax, -EINVAL
    je .no_accept
    cmp rax, -ENOTSOCK
    je .no_accept
    cmp rax, -EMFILE            ; only the listener is open: a descriptor limit
    je .no_accept               ; this low will not rise by waiting
    cmp rax, -ENFILE
    je .no_accept
    jmp .accept

; ---- messages and exits -----------------------------------------------------
.usage:
    mov edi, STDOUT
    lea rsi, [rel msg_usage]
    xor edx, edx
    xor ecx, ecx
    xor r8d, r8d
    xor r9d, r9d
    ACALL sp_fs_say
    xor edi, edi
    jmp .exit

.too_many:
    mov edi, STDERR
    lea rsi, [rel msg_too_many]
    xor edx, edx
    xor ecx, ecx
    jmp .say_and_fail

.bad_port:
    lea r12, [rel msg_bad_port]
    mov r14, [r13 + 8]
    jmp .say_argument
.bad_count:
    lea r12, [rel msg_bad_count]
    mov r14, [r13 + 16]
.say_argument:                  ; r12 = message, r14 = the argument quoted
    mov rdi, r14
    ACALL sp_fs_strlen
    mov edi, STDERR
    mov rsi, r12
    mov rdx, r14
    mov rcx, rax
    jmp .say_and_fail

.no_listen:
    mov r12, rax                ; -errno
    mov rdi, r14
    lea rsi, [rel digits_a]
    ACALL sp_fs_utoa
    cmp r12, -EADDRINUSE
    jne .no_listen_errno
    mov edi, STDERR             ; "port 8080 in use": the common case, said plainly
    lea rsi, [rel msg_in_use]
    lea rdx, [rel digits_a]
    mov rcx, rax
    jmp .say_and_fail
.no_listen_errno:
    mov r14, rax                ; digits of the port
    mov rdi, r12
    neg rdi
    lea rsi, [rel digits_b]
    ACALL sp_fs_utoa
    mov edi, STDERR
    lea rsi, [rel msg_no_listen]
    lea rdx, [rel digits_a]
    mov rcx, r14
    lea r8, [rel digits_b]
    mov r9, rax
    ACALL sp_fs_say
    mov edi, EXIT_USAGE
    jmp .exit

.no_accept:
    lea r12, [rel msg_no_accept]
    jmp .say_errno
.no_sigpipe:
    lea r12, [rel msg_no_sigpipe]
.say_errno:                     ; r12 = message, rax = -errno
    mov rdi, rax
    neg rdi
    lea rsi, [rel digits_a]
    ACALL sp_fs_utoa
    mov edi, STDERR
    mov rsi, r12
    lea rdx, [rel digits_a]
    mov rcx, rax
.say_and_fail:                  ; edi, rsi, rdx, rcx set: one slot used
    xor r8d, r8d
    xor r9d, r9d
    ACALL sp_fs_say
    mov edi, EXIT_USAGE
.exit:
    mov eax, SYSCALL(SYS_EXIT)
    syscall
