; =============================================================================
; serve.asm -- one connection of the completed tutorial server: read the
; request head, answer with a fixed HTTP/1.1 200, leave the close to the
; caller. The tutorial promised this for its part 2.
;
; Two things a one-at-a-time server must get right:
;   - a deadline for the whole head (HEAD_TIMEOUT_MS), not per read: the
;     socket's receive timeout is only a short tick (socket.asm), so a client
;     trickling one byte every few seconds is cut off at the deadline instead
;     of holding the server for as long as it keeps trickling;
;   - the FIN rides with the answer: the answer is sent with MSG_MORE, which
;     holds it back, and the caller's close() sends it and the FIN in one
;     segment (one segment and one ACK fewer per connection). Closing a
;     socket with unread input makes the kernel send a RST instead, which
;     would throw the held-back answer away; so when bytes may be left unread
;     (more than one request, a head that filled the buffer, a partial head)
;     the answer is pushed out by shutdown(SHUT_WR) and the input drained
;     before the close.
; =============================================================================
%include "platform.inc"

; The request head is read into a fixed buffer: a client cannot make the
; server use more memory by sending more. 8 KiB is what most servers allow
; for a head (nginx's default large_client_header_buffers line is 8 KiB).
%define HEAD_MAX 8192

; The whole head must arrive within this, as in syspath-server (its
; --header-timeout default). The clock starts at the first receive tick or
; partial read, so the cut comes at most one tick (200 ms) later.
%define HEAD_TIMEOUT_MS 5000

; Draining input before a close reads at most this many buffers (128 KiB),
; and stops at end of stream or at the first receive tick with nothing new.
%define DRAIN_READS 16

; The body, and its Content-Length computed by the preprocessor from it, so
; the header can never disagree with the body.
%define BODY `Hello, World!\n`
%strlen BODY_LEN BODY
%defstr BODY_LEN_STR BODY_LEN

section .rodata
response:
    db "HTTP/1.1 200 OK", 13, 10
    db "Content-Type: text/plain", 13, 10
    db "Content-Length: ", BODY_LEN_STR, 13, 10
    db "Connection: close", 13, 10      ; this server closes after every answer
    db 13, 10
    db BODY
response_len equ $ - response

section .bss
head: resb HEAD_MAX             ; one connection at a time: one buffer

section .text
global sp_fs_serve

; -----------------------------------------------------------------------------
; now_ms -- a clock in milliseconds, for the head deadline
;  IN:  nothing
;  OUT: rax = milliseconds (Linux: CLOCK_MONOTONIC; macOS: gettimeofday,
;       the wall clock, the only clock its kernel offers by syscall)
;  CLOBBERS: rcx, rdx, rsi, rdi, r11
;  Called on the slow path only (a head that did not come in one read).
; -----------------------------------------------------------------------------
now_ms:
    sub rsp, 24                 ; struct timespec (16), padded to keep rsp 16-aligned
%ifdef PLATFORM_OSX
    ; XNU returns seconds in rax and microseconds in edx (libc's wrapper
    ; stores them into the timeval); the pointer is there for old kernels.
    mov eax, SYSCALL(SYS_GETTIMEOFDAY)
    mov rdi, rsp
    xor esi, esi
    xor edx, edx
    syscall
    imul rcx, rax, 1000         ; seconds in ms
    mov eax, edx
    xor edx, edx
    mov esi, 1000
    div rsi                     ; rax = microseconds / 1000
%else
    mov eax, SYSCALL(SYS_CLOCK_GETTIME)
    mov edi, CLOCK_MONOTONIC
    mov rsi, rsp
    syscall                     ; cannot fail: a valid clock, a valid pointer
    imul rcx, [rsp], 1000       ; tv_sec in ms
    mov rax, [rsp + 8]          ; tv_nsec
    xor edx, edx
    mov esi, 1000000
    div rsi                     ; rax = the milliseconds within the second
%endif
    add rax, rcx
    add rsp, 24
    ret

; -----------------------------------------------------------------------------
; sp_fs_serve -- read a request head from a connection and answer it
;  IN:  edi = connected socket (blocking; its reads wake on the SO_RCVTIMEO tick)
;  OUT: rax > 0: answered, rax = bytes of the head read (at most 8 KiB);
;       rax = 0: the client closed without sending anything (no answer);
;       rax < 0: -errno of the read (nothing arrived: -EAGAIN when the head
;       deadline passed) or of the send (the answer did not go out)
;  CLOBBERS: rcx, rdx, rsi, rdi, r8, r9, r10, r11
;  Reads until the blank line that ends a head (CRLFCRLF), end of stream,
;  an error, a full buffer, or HEAD_TIMEOUT_MS; whatever arrived is
;  answered with the same 200. The answer is held back (MSG_MORE) for the
;  caller's close to send with the FIN; when input may be left unread, it is
;  pushed out with shutdown(SHUT_WR) and the input drained here (see the top
;  of this file). Not reentrant (one static buffer), like the server around it.
; -----------------------------------------------------------------------------
sp_fs_serve:
    push rbx                    ; rbx: the connection fd
    push r12                    ; r12: bytes in the head buffer
    push r13                    ; r13: scan position, later bytes sent, drain count
    push r14                    ; r14: the head deadline in ms (0: not started)
    push r15                    ; r15: 1 when input may be left unread
    ; entry (8) + 5 pushes (40) = 48: rsp % 16 == 0 at the ACALLs below
    mov ebx, edi
    xor r12d, r12d
    xor r14d, r14d
    xor r15d, r15d

.read:
    mov eax, SYSCALL(SYS_READ)
    mov edi, ebx
    lea rsi, [rel head]
    add rsi, r12                ; append after what is there
    mov edx, HEAD_MAX
    sub edx, r12d               ; never more than the room left
    syscall
    SYSRET_TO_NEG_ERRNO
    cmp rax, -EINTR
    je .read                    ; interrupted before any byte arrived: again
    cmp rax, -EAGAIN
    je .deadline                ; a receive tick with nothing new
    test rax, rax
    jle .ended                  ; 0: end of stream; < 0: error

    ; Look for CRLFCRLF in the new bytes, starting 3 bytes back so a
    ; terminator split across two reads is still found.
    lea r13, [r12 - 3]
    test r13, r13
    jns .scan_from
    xor r13d, r13d
.scan_from:
    add r12, rax
    lea rsi, [rel head]
.scan:
    lea rcx, [r13 + 4]
    cmp rcx, r12
    ja .scanned                 ; fewer than 4 bytes left to look at
    cmp dword [rsi + r13], 0x0a0d0a0d   ; "\r\n\r\n" read as a little-endian dword
    je .complete
    inc r13
    jmp .scan
.scanned:
    cmp r12, HEAD_MAX
    jb .deadline                ; room left: the head may still be coming
    mov r15d, 1                 ; full: answer without reading further
    jmp .answer

.deadline:
    ; The head is not complete yet. The first time, start its clock;
    ; after that, give up once the deadline has passed.
    ACALL now_ms
    test r14, r14
    jnz .deadline_check
    lea r14, [rax + HEAD_TIMEOUT_MS]
    jmp .read
.deadline_check:
    cmp rax, r14
    jb .read
    mov rax, -EAGAIN            ; out of time

.ended:
    test r12, r12
    jz .ret                     ; nothing arrived: no one to answer (rax: 0 or -errno)
    ; Part of a head, then end of stream or the deadline: answer what came.
    ; A client that half-closed after sending can still read the answer.
    mov r15d, 1                 ; a slow client may still be sending
    jmp .answer

.complete:
    ; Bytes after the head (a pipelined request), or a head that ends the
    ; full buffer, mean more input may wait unread: drain before the close.
    lea rcx, [r13 + 4]
    cmp rcx, r12
    jb .leftover
    cmp r12, HEAD_MAX
    jb .answer
.leftover:
    mov r15d, 1

.answer:
    xor r13d, r13d              ; r13: bytes of the response sent
.send:
    ; sendto(fd, response + r13, len - r13, MSG_MORE, NULL, 0)
    mov eax, SYSCALL(SYS_SENDTO)
    mov edi, ebx
    lea rsi, [rel response]
    add rsi, r13
    mov edx, response_len
    sub edx, r13d
    mov r10d, MSG_MORE          ; 4th argument in r10: `syscall` overwrites rcx
    xor r8d, r8d                ; no address: the socket is connected
    xor r9d, r9d
    syscall
    SYSRET_TO_NEG_ERRNO
    cmp rax, -EINTR
    je .send
    test rax, rax
    jle .ret                    ; the peer is gone (-EPIPE, -ECONNRESET): give up
    add r13, rax
    cmp r13, response_len
    jb .send                    ; a short send: the rest
    test r15, r15
    jz .answered                ; nothing unread: the caller's close sends answer + FIN

    ; Input may be left unread: send the answer and the FIN now, then read
    ; and discard until the client closes, a tick passes with nothing new,
    ; or DRAIN_READS buffers, so the close finds nothing unread (no RST).
    mov eax, SYSCALL(SYS_SHUTDOWN)
    mov edi, ebx
    mov esi, SHUT_WR
    syscall
    mov r13d, DRAIN_READS
.drain:
    mov eax, SYSCALL(SYS_READ)
    mov edi, ebx
    lea rsi, [rel head]
    mov edx, HEAD_MAX
    syscall
    SYSRET_TO_NEG_ERRNO
    cmp rax, -EINTR
    je .drain
    test rax, rax
    jle .answered               ; end of stream, the tick, or an error: done
    dec r13d
    jnz .drain
.answered:
    mov rax, r12

.ret:
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    ret
