; =============================================================================
; hello.asm -- syspath-hello-asm: the tutorial's first program, hello world
; through `write` and `exit`, as a static binary with no libc.
;
; The tutorial's listing loads rax/rdi/rsi/rdx for write and for exit but
; never executes `syscall`, so as printed it runs off the end of its code.
; It also typed the length (14) and wrote the NUL it stored after the
; newline; here the assembler computes the length of exactly the bytes that
; should appear. `--help` / `-h` print a usage line (every syspath CLI has
; one); any other argument is an error (exit 2).
; =============================================================================
%include "platform.inc"

section .rodata
hello:      db "Hello, World!", 10  ; no NUL: write takes a length, not a C string
hello_len   equ $ - hello
usage:      db "usage: syspath-hello-asm", 10
            db "Prints 'Hello, World!' with one write syscall and exits 0 (pure NASM, no libc).", 10
usage_len   equ $ - usage
bad_arg:    db "syspath-hello-asm: takes no arguments (see --help)", 10
bad_arg_len equ $ - bad_arg
opt_help:   db "--help", 0
opt_help_size equ $ - opt_help
opt_h:      db "-h", 0
opt_h_size  equ $ - opt_h

section .text

; -----------------------------------------------------------------------------
; The entry point (not a function: nothing to return to).
;  IN (Linux _start): [rsp] = argc, [rsp+8] = argv[0], [rsp+16] = argv[1] ...
;  IN (macOS main): rdi = argc, rsi = argv
;  OUT: exit status 0 after the line is written; 1 if write failed (stdout
;       closed); 2 for an unexpected argument
; -----------------------------------------------------------------------------
%ifdef PLATFORM_OSX
global main
main:
    mov rbx, rsi                ; argv
    mov rcx, rdi                ; argc
%else
global _start
_start:
    lea rbx, [rsp + 8]          ; argv
    mov rcx, [rsp]              ; argc
%endif
    cmp rcx, 1
    ja .argument

    ; write(STDOUT, hello, hello_len)
    mov eax, SYSCALL(SYS_WRITE)
    mov edi, STDOUT
    lea rsi, [rel hello]
    mov edx, hello_len          ; FIX: the assembler's count, not a typed 14
    syscall                     ; FIX: the tutorial forgot this instruction
    SYSRET_TO_NEG_ERRNO
    xor edi, edi                ; exit status 0 ...
    cmp rax, hello_len
    setne dil                   ; ... or 1 if the line did not go out whole
    jmp exit

.argument:
    ; argv[1] == "--help" or "-h"? repe cmpsb over the option's bytes,
    ; NUL included, stops at the first difference, so it never reads past
    ; the end of argv[1].
    mov r12, [rbx + 8]
    mov rsi, r12
    lea rdi, [rel opt_help]
    mov ecx, opt_help_size
    repe cmpsb
    je .usage
    mov rsi, r12
    lea rdi, [rel opt_h]
    mov ecx, opt_h_size
    repe cmpsb
    je .usage
    mov eax, SYSCALL(SYS_WRITE)
    mov edi, STDERR
    lea rsi, [rel bad_arg]
    mov edx, bad_arg_len
    syscall
    mov edi, 2
    jmp exit
.usage:
    mov eax, SYSCALL(SYS_WRITE)
    mov edi, STDOUT
    lea rsi, [rel usage]
    mov edx, usage_len
    syscall
    xor edi, edi

exit:
    ; exit(status)
    mov eax, SYSCALL(SYS_EXIT)
    syscall                     ; FIX: the tutorial forgot this one too
