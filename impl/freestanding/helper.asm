; =============================================================================
; helper.asm -- the tutorial's helper.s (htons, memset, strlen), fixed, plus
; what the completed server needs beyond them: decimal in and out, a string
; compare for --help, and one-line messages written with a single writev.
;
; Every routine here is a SysV leaf function except sp_fs_streq, which calls
; sp_fs_strlen through ACALL. None touches rbx, rbp, r12-r15; the ones that
; use string instructions rely on DF = 0 at entry, which the SysV ABI
; guarantees at every call and return, and leave it clear.
;
; Names carry sp_fs_ ("syspath freestanding") rather than the tutorial's bare
; htons / h_memset: the ABI test links these into a C program beside glibc,
; whose htons and memset they must not replace.
; =============================================================================
%include "platform.inc"

section .text

global sp_fs_htons
global sp_fs_memset
global sp_fs_strlen
global sp_fs_streq
global sp_fs_utoa
global sp_fs_atou
global sp_fs_say

; -----------------------------------------------------------------------------
; sp_fs_htons -- 16-bit host order to network order (swap the two bytes);
;                also its own inverse, so it serves as ntohs
;  IN:  di = port in host order (upper bits of rdi ignored)
;  OUT: rax = port in network order, zero-extended to 64 bits
;  CLOBBERS: rdx
; -----------------------------------------------------------------------------
sp_fs_htons:
    ; The tutorial's byte swap, unchanged:
    mov dx, di
    mov ax, dx
    shl ax, 8                   ; low byte becomes the high byte
    shr dx, 8                   ; high byte becomes the low byte
    mov al, dl
    ; FIX (tutorial bug): `mov ax, ...` writes only the low 16 bits and leaves
    ; bits 16-63 of rax as whatever was there before. A caller that stores
    ; the result with a wider move (or a C caller reading an unsigned short
    ; return promoted to int by a careless compiler) picks up garbage.
    movzx eax, ax               ; writing eax also zeroes bits 32-63
    ret

; -----------------------------------------------------------------------------
; sp_fs_memset -- fill n bytes at dst with a byte value (the tutorial's
;                 h_memset: `rep stosb`)
;  IN:  rdi = dst, esi = fill byte (low 8 bits used), rdx = n
;  OUT: rax = dst (as C's memset; the tutorial returned the fill value)
;  CLOBBERS: rcx, rdi, r8
;  DF: relies on DF = 0 at entry (SysV), so stosb walks upward.
; -----------------------------------------------------------------------------
sp_fs_memset:
    mov r8, rdi                 ; FIX: keep dst to return it, as memset does
    mov eax, esi                ; stosb stores al
    mov rcx, rdx                ; rep counts down rcx
    rep stosb                   ; [rdi++] = al, rcx times
    mov rax, r8
    ret

; -----------------------------------------------------------------------------
; sp_fs_strlen -- length of a NUL-terminated string (the tutorial's h_strlen:
;                 `repne scasb`)
;  IN:  rdi = string
;  OUT: rax = number of bytes before the NUL
;  CLOBBERS: rcx, rdi
;  DF: relies on DF = 0 at entry (SysV), so scasb walks upward.
; -----------------------------------------------------------------------------
sp_fs_strlen:
    ; The tutorial also pushed and popped rdi and rbx here. rdi is
    ; caller-saved (no need) and rbx was never written (no need either).
    xor eax, eax                ; al = 0: the byte scasb looks for
    mov rcx, -1                 ; "no limit": rcx counts down from 2^64-1
    repne scasb                 ; compare al with [rdi++] until equal
    ; rcx was decremented once per byte scanned, NUL included:
    ; rcx = -1 - (len + 1), so len = ~rcx - 1. (The tutorial's
    ; `sub rax, 2; sub rax, rcx` computes the same thing.)
    not rcx
    lea rax, [rcx - 1]
    ret

; -----------------------------------------------------------------------------
; sp_fs_streq -- are two NUL-terminated strings equal?
;  IN:  rdi = string a, rsi = string b
;  OUT: rax = 1 if equal, 0 if not
;  CLOBBERS: rcx, rsi, rdi
;  Reads a no further than its first difference from b (the compare covers
;  b's NUL, so it stops at a's NUL at the latest): safe on any argv string.
; -----------------------------------------------------------------------------
sp_fs_streq:
    ; At entry rsp % 16 == 8 (the return address). Two pushes and 8 more
    ; bytes make it 0 again at the ACALL, as SysV requires of every call.
    push rdi
    push rsi
    sub rsp, 8
    mov rdi, rsi
    ACALL sp_fs_strlen          ; rax = strlen(b)
    add rsp, 8
    pop rsi
    pop rdi
    lea rcx, [rax + 1]          ; compare b's NUL too
    repe cmpsb                  ; while [rsi++] == [rdi++] and rcx--
    sete al                     ; ZF: the last compared bytes were equal
    movzx eax, al
    ret

; -----------------------------------------------------------------------------
; sp_fs_utoa -- unsigned 64-bit integer to decimal ASCII (no NUL written)
;  IN:  rdi = value, rsi = buffer of at least 20 bytes
;  OUT: rax = number of digits written at buffer[0..rax)
;  CLOBBERS: rcx, rdx, r8, r9
; -----------------------------------------------------------------------------
sp_fs_utoa:
    ; First count the digits, so they can be written from the end backwards
    ; straight into place (division yields the last digit first).
    mov rax, rdi
    mov r8d, 10
    xor r9d, r9d                ; r9 = digit count
.count:
    xor edx, edx
    div r8                      ; rax = rax / 10
    inc r9
    test rax, rax
    jnz .count                  ; 0 still has one digit
    mov rax, rdi
    lea rcx, [rsi + r9]         ; one past the last digit
.emit:
    xor edx, edx
    div r8                      ; rdx = next digit (from the right)
    add dl, '0'
    dec rcx
    mov [rcx], dl
    test rax, rax
    jnz .emit
    mov rax, r9
    ret

; -----------------------------------------------------------------------------
; sp_fs_atou -- parse a whole decimal number, no sign, no spaces
;  IN:  rdi = NUL-terminated string, rsi = largest value accepted
;  OUT: rax = the value (0 <= rax <= rsi), or -EINVAL (empty, or a byte that
;       is not 0-9), or -ERANGE (more than rsi; rsi must be < 2^63)
;  CLOBBERS: rcx, rdx, rdi, r8
; -----------------------------------------------------------------------------
sp_fs_atou:
    xor eax, eax
    movzx ecx, byte [rdi]
    test ecx, ecx
    jz .invalid                 ; "" is not a number
    mov r8d, 10
.digit:
    sub ecx, '0'
    cmp ecx, 9
    ja .invalid                 ; unsigned compare also rejects bytes < '0'
    mul r8                      ; rdx:rax = rax * 10
    test rdx, rdx
    jnz .range                  ; overflowed 64 bits
    add rax, rcx
    jc .range
    cmp rax, rsi
    ja .range                   ; checked per digit: the value never wraps
    inc rdi
    movzx ecx, byte [rdi]
    test ecx, ecx
    jnz .digit
    ret
.invalid:
    mov rax, -EINVAL
    ret
.range:
    ; Keep scanning: "99999x" is garbage (-EINVAL), not out of range.
    inc rdi
    movzx ecx, byte [rdi]
    test ecx, ecx
    jz .too_big
    sub ecx, '0'
    cmp ecx, 9
    ja .invalid
    jmp .range
.too_big:
    mov rax, -ERANGE
    ret

; -----------------------------------------------------------------------------
; sp_fs_say -- write one message line with a single writev: three fixed parts
;              from a descriptor, two variable parts between them
;  IN:  edi = fd, rsi = descriptor: 6 qwords {head, head_len, mid, mid_len,
;       tail, tail_len}, rdx/rcx = part a and its length (between head and
;       mid), r8/r9 = part b and its length (between mid and tail); a part
;       of length 0 is skipped
;  OUT: rax = bytes written, or -errno
;  CLOBBERS: rcx, rdx, rsi, rdi, r11
;  One syscall, so a reader of a pipe never sees half a line, and every
;  length is known: the fixed parts' lengths come from `equ $ - label`.
; -----------------------------------------------------------------------------
sp_fs_say:
    sub rsp, 80                 ; struct iovec iov[5] = {base, len} x 5 (a leaf:
                                ; nothing is called, so alignment does not matter)
    mov rax, [rsi + 0]
    mov [rsp + 0], rax          ; iov[0] = head
    mov rax, [rsi + 8]
    mov [rsp + 8], rax
    mov [rsp + 16], rdx         ; iov[1] = a
    mov [rsp + 24], rcx
    mov rax, [rsi + 16]
    mov [rsp + 32], rax         ; iov[2] = mid
    mov rax, [rsi + 24]
    mov [rsp + 40], rax
    mov [rsp + 48], r8          ; iov[3] = b
    mov [rsp + 56], r9
    mov rax, [rsi + 32]
    mov [rsp + 64], rax         ; iov[4] = tail
    mov rax, [rsi + 40]
    mov [rsp + 72], rax
    mov eax, SYSCALL(SYS_WRITEV)
    movsxd rdi, edi
    mov rsi, rsp
    mov edx, 5
    syscall
    SYSRET_TO_NEG_ERRNO
    add rsp, 80
    ret
