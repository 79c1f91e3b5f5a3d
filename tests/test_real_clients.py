#!/usr/bin/python3
"""Widely used HTTP benchmarking clients, not only wrk and curl, get every
answer: ApacheBench (ab) and h2load (HTTP/1.1), 8 connections at once, with
keep-alive on and off, 2000 requests each. Every request must succeed (the
clients' own counts: no failure, no timeout, no non-2xx), and the server's
--stats must count every request and no error. A client that is not
installed is reported as SKIP (scripts/test installs both).

usage: test_real_clients.py BACKEND MODEL
       test_real_clients.py syspath-asm-server
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from sptest import (backend_and_model, check, load_json, run, server_path, skip,
                    syspath_server, Server)

REQUESTS = 2000
CONCURRENCY = 8
CLIENT_TIMEOUT = 30         # a hung run fails instead of hanging ctest


def ab(url, keepalive):
    argv = ["ab", "-q", "-n", str(REQUESTS), "-c", str(CONCURRENCY), "-s", "5"]
    out = client(argv + (["-k"] if keepalive else []) + [url])
    def field(name):
        m = re.search(rf"^{name}:\s+(\d+)", out, re.M)
        check(m, f"ab reports '{name}'", name, out[-300:])
        return int(m.group(1))
    done, failed = field("Complete requests"), field("Failed requests")
    non2xx = re.search(r"^Non-2xx responses:\s+(\d+)", out, re.M)
    check(done == REQUESTS and failed == 0 and not non2xx,
          f"ab {'-k ' if keepalive else ''}complete / failed / non-2xx",
          f"{REQUESTS} / 0 / none", f"{done} / {failed} / {non2xx.group(1) if non2xx else 'none'}")


def h2load(url, keepalive):
    argv = ["h2load", "--h1", "-n", str(REQUESTS), "-c", str(CONCURRENCY), "-T", "5"]
    if not keepalive:
        argv += ["-H", "Connection: close"]
    out = client(argv + [url])
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                  r"(\d+) failed, (\d+) errored, (\d+) timeout", out)
    check(m, "h2load reports its requests line", "requests: ...", out[-300:])
    total, _, done, ok, failed, errored, timeout = map(int, m.groups())
    check(done == ok == REQUESTS and failed == errored == timeout == 0,
          f"h2load{'' if keepalive else ' (Connection: close)'} done / succeeded / failed / errored / timeout",
          f"{REQUESTS} / {REQUESTS} / 0 / 0 / 0", f"{done} / {ok} / {failed} / {errored} / {timeout}")
    s = re.search(r"status codes: (\d+) 2xx", out)
    check(s and int(s.group(1)) == REQUESTS, "h2load 2xx answers", REQUESTS, s and s.group(1))


def client(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=CLIENT_TIMEOUT)
    except subprocess.TimeoutExpired:
        check(False, f"{argv[0]} finishes within {CLIENT_TIMEOUT} s", "finished", "still running")
    check(p.returncode == 0, f"{' '.join(argv)} exit status", 0,
          f"{p.returncode} ({(p.stderr or p.stdout)[-300:].strip()})")
    return p.stdout


def main():
    missing = [c for c in ("ab", "h2load") if not shutil.which(c)]
    if missing:
        skip(f"{' and '.join(missing)} not installed (apache2-utils, nghttp2-client; scripts/test installs them)")
    tmp = tempfile.mkdtemp()
    stats = os.path.join(tmp, "stats.json")
    if sys.argv[1] == "syspath-asm-server":
        srv = Server([server_path("syspath-asm-server"), "0"])
        what = "syspath-asm-server"
    else:
        backend, model = backend_and_model()
        srv = syspath_server(backend, model, "--stats", stats)
        what = f"{backend}/{model}"
    url = f"http://127.0.0.1:{srv.port}/"
    runs = 0
    for drive in (ab, h2load):
        for keepalive in (True, False):
            drive(url, keepalive)
            runs += 1
    check(srv.proc.poll() is None, f"{what} still runs after the clients")
    if what == "syspath-asm-server":
        srv.stop()
    else:
        check(srv.stop() == 0, f"{what} exits 0 on SIGTERM")
        st = load_json(stats)
        errors = {k: st[k] for k in ("bad_requests", "timeouts", "accept_errors")}
        check(not any(errors.values()), f"{what} --stats errors", "all 0", errors)
        check(st["requests"] == runs * REQUESTS, f"{what} --stats requests", runs * REQUESTS,
              st["requests"])
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{what}: ab and h2load, keep-alive on and off, {runs * REQUESTS} requests, "
          f"{CONCURRENCY} at once: every one answered")


run(main)
