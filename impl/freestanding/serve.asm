; =============================================================================
; serve.asm -- one connection of the completed tutorial server: read the
; request head, answer with a fixed HTTP/1.1 200, leave the close to the
; caller. The tutorial promised this for its part 2.
; =============================================================================
%include "platform.inc"

; The request head is read into a fixed buffer: a client cannot make the
; server use more memory by sending more. 8 KiB is what most servers allow
; for a head (nginx's default large_client_header_buffers line is 8 KiB).
%define HEAD_MAX 8192

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
; sp_fs_serve -- read a request head from a connection and answer it
;  IN:  edi = connected socket (blocking; reads bounded by its SO_RCVTIMEO)
;  OUT: rax > 0: answered, rax = bytes of the head read (at most 8 KiB);
;       rax = 0: the client closed without sending anything (no answer);
;       rax < 0: -errno of the read (nothing arrived, e.g. -EAGAIN when the
;       receive timeout expired) or of the write (the answer did not go out)
;  CLOBBERS: rcx, rdx, rsi, rdi, r11
;  Reads until the blank line that ends a head (CRLFCRLF), end of stream,
;  an error, or a full buffer; whatever arrived is answered with the same
;  200. A longer request (64 KiB of junk) is answered after its first 8 KiB
;  and the rest is discarded by the caller's close. Not reentrant (one
;  static buffer), like the server around it.
; -----------------------------------------------------------------------------
sp_fs_serve:
    push rbx                    ; rbx: the connection fd
    push r12                    ; r12: bytes in the head buffer
    push r13                    ; r13: scan position, later bytes written
    mov ebx, edi
    xor r12d, r12d

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
    test rax, rax
    jle .ended                  ; 0: end of stream; < 0: error or timeout

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
    je .answer
    inc r13
    jmp .scan
.scanned:
    cmp r12, HEAD_MAX
    jb .read                    ; room left: the head may still be coming
    jmp .answer                 ; full: answer without reading further

.ended:
    test r12, r12
    jz .ret                     ; nothing arrived: no one to answer (rax: 0 or -errno)
    ; Part of a head, then end of stream or timeout: answer what came. A
    ; client that half-closed after sending can still read the answer.

.answer:
    xor r13d, r13d              ; r13: bytes of the response written
.write:
    mov eax, SYSCALL(SYS_WRITE)
    mov edi, ebx
    lea rsi, [rel response]
    add rsi, r13
    mov edx, response_len
    sub edx, r13d
    syscall
    SYSRET_TO_NEG_ERRNO
    cmp rax, -EINTR
    je .write
    test rax, rax
    jle .ret                    ; the peer is gone (-EPIPE, -ECONNRESET): give up
    add r13, rax
    cmp r13, response_len
    jb .write                   ; a short write: send the rest
    mov rax, r12

.ret:
    pop r13
    pop r12
    pop rbx
    ret
