#!/usr/bin/python3
"""Startup errors for every model and backend: each is one line on stderr,
nothing on stdout, exit 2, and nothing is left listening. Extends
test_server_cli.py (which covers unknown names and bad values with the
default model) with:
  - port in use for every model x backend, held by a plain socket and by a
    running syspath-server of the same model (reuseport included: SO_REUSEPORT
    would otherwise let the second one share the port silently);
  - address not local, IPv4 and IPv6, for every model;
  - more invalid values: ports, timeouts, workers, backlog;
  - io_uring unavailable for --model uring, for real: the server runs under a
    seccomp filter that makes io_uring_setup fail with ENOSYS (as container
    runtimes do), so available() meets a genuine kernel refusal, not a test hook.
"""
import ctypes
import os
import platform
import socket
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib"))
from sptest import backends, check, get, run, server_path, syspath_server, Server

def cli(*args, preexec_fn=None):
    p = subprocess.run([server_path(), *args], capture_output=True, text=True, timeout=10,
                       preexec_fn=preexec_fn)
    return p.returncode, p.stdout, p.stderr


def expect_error(args, fragment, preexec_fn=None):
    rc, out, err = cli(*args, preexec_fn=preexec_fn)
    what = " ".join(args)
    check(rc == 2, f"exit status of {what}", 2, (rc, err.strip()))
    lines = err.strip().splitlines()
    check(len(lines) == 1, f"one-line message for {what}", 1, err)
    check(fragment in lines[0], f"message for {what}", f"...{fragment}...", lines[0])
    check(out == "", f"nothing on stdout for {what}", "", out)
    return 1


def listed_models():
    out = subprocess.run([server_path(), "--list"], capture_output=True, text=True, timeout=10).stdout
    lines = out.splitlines()
    check(len(lines) >= 2 and lines[1].startswith("models:"), "--list models line", "models: ...", lines[:2])
    models = lines[1].split()[1:]
    unavailable = {l.split()[1] for l in lines if l.startswith("unavailable: ")}
    return models, unavailable


# ---- a seccomp filter that refuses io_uring_setup with ENOSYS ----

NR_IO_URING_SETUP = 425                 # the same on every architecture that has it
AUDIT_ARCH_X86_64 = 0xC000003E


def deny_io_uring():
    """preexec_fn: install the filter in the child, before exec."""
    libc = ctypes.CDLL(None, use_errno=True)
    # struct sock_filter { u16 code; u8 jt, jf; u32 k; }
    ins = [
        (0x20, 0, 0, 4),                        # ld  [4]            arch
        (0x15, 0, 3, AUDIT_ARCH_X86_64),        # jeq x86_64 ? next : allow
        (0x20, 0, 0, 0),                        # ld  [0]            syscall number
        (0x15, 0, 1, NR_IO_URING_SETUP),        # jeq io_uring_setup ? next : allow
        (0x06, 0, 0, 0x00050000 | 38),          # ret SECCOMP_RET_ERRNO | ENOSYS
        (0x06, 0, 0, 0x7FFF0000),               # ret SECCOMP_RET_ALLOW
    ]
    buf = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in ins))

    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    prog = Prog(len(ins), ctypes.cast(buf, ctypes.c_void_p))
    PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
            libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        os._exit(99)                            # the test notices: exit 99, not 2


def uring_refused():
    count = 0
    if platform.machine() != "x86_64":
        print("io_uring refusal: skipped (the seccomp filter here is written for x86_64)")
        return 0
    rc, out, err = cli("--list", preexec_fn=deny_io_uring)
    check(rc == 0, "--list under a seccomp filter refusing io_uring", 0, (rc, err))
    lines = [l for l in out.splitlines() if l.startswith("unavailable: uring (")]
    check(len(lines) == 1, "--list says why uring is unavailable when io_uring_setup is refused",
          "unavailable: uring (...)", out)
    print(f"under seccomp: {lines[0]}")
    for backend in backends():
        count += expect_error(["--backend", backend, "--model", "uring", "--port", "0"],
                              "model uring is unavailable here: ", preexec_fn=deny_io_uring)
    # the other models do not need io_uring
    srv = Server([server_path(), "--model", "epoll", "--port", "0", "--max-conns", "1"],
                 preexec_fn=deny_io_uring)
    status, _, _ = get(srv.port, "/", {"Connection": "close"})
    check(status == 200 and srv.wait() == 0, "epoll under the same filter", 200, status)
    return count


def main():
    models, unavailable = listed_models()
    errors = 0
    for model in models:
        if model in unavailable:
            errors += expect_error(["--model", model, "--port", "0"], f"model {model} is unavailable here")
            continue
        holder = socket.socket()
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        for backend in backends():
            errors += expect_error(["--backend", backend, "--model", model, "--port", str(port)],
                                   f"port {port} in use")
        holder.close()
        # a running server of the same model holds the port
        first = syspath_server("libc", model)
        for backend in backends():
            errors += expect_error(["--backend", backend, "--model", model, "--port", str(first.port)],
                                   f"port {first.port} in use")
        status, _, _ = get(first.port, "/", {"Connection": "close"})
        check(status == 200, f"{model}: the first server still serves its port", 200, status)
        check(first.stop() == 0, f"{model}: first server exit status")
        errors += expect_error(["--model", model, "--addr", "192.0.2.1", "--port", "0"],
                               "address 192.0.2.1 is not local")
        errors += expect_error(["--model", model, "--addr", "2001:db8::1", "--port", "0"],
                               "address 2001:db8::1 is not local")
        print(f"{model}: port in use (plain socket and a running {model} server) and "
              f"non-local addresses refused, exit 2, one line")

    for value in ("-1", "65536", "", "80x", "0x50", "99999999999999999999"):
        errors += expect_error(["--port", value], f"invalid port '{value}'")
    for opt in ("--header-timeout", "--idle-timeout"):
        for value in ("-1", "nan", "inf", "1e9", "abc", ""):
            errors += expect_error([opt, value], f"invalid {opt[2:]} '{value}'")
    errors += expect_error(["--workers", "257"], "invalid workers '257'")
    errors += expect_error(["--backlog", "0"], "invalid backlog '0'")
    errors += expect_error(["--model", ""], "unknown model ''")
    errors += expect_error(["--backend", ""], "unknown backend ''")
    errors += expect_error(["--addr", "127.0.0.1:80", "--port", "0"], "invalid address '127.0.0.1:80'")
    errors += expect_error(["--addr", "", "--port", "0"], "invalid address ''")
    if "uring" in models:
        errors += uring_refused()
    print(f"{errors} startup errors checked: each one line, exit 2")


run(main)
