# Hardening: the server survives slow clients, bad input, descriptor
# exhaustion and signals, for every backend x model. The models are those of
# tests/server.cmake's SYSPATH_MODELS; a model unavailable on this machine
# (io_uring disabled) makes its tests report SKIP with the reason.
#
# Labels: hardening (runs in the default and the sanitizer pass of
# scripts/test), valgrind (memcheck; skipped in a sanitizer build).

if(NOT DEFINED SYSPATH_MODELS)
  set(SYSPATH_MODELS iterative epoll uring reuseport)
endif()

sp_add_matrix_test(hardening_timeouts test_hardening_timeouts.py LABELS hardening TIMEOUT 120)

sp_add_matrix_test(hardening_bad_input test_hardening_bad_input.py LABELS hardening TIMEOUT 180)

# 500 idle connections beside a fresh GET: the event models only (iterative
# serves one connection at a time by design).
sp_add_matrix_test(hardening_idle_conns test_hardening_idle_conns.py SKIP_MODELS iterative LABELS hardening TIMEOUT 120)

sp_add_matrix_test(hardening_emfile test_hardening_emfile.py LABELS hardening TIMEOUT 120)

sp_add_matrix_test(hardening_signals test_hardening_signals.py LABELS hardening TIMEOUT 120)

# Startup errors for every model x backend (one test: it loops over --list),
# and the security defaults: the bind address and its warning, no format
# string from input, no path taken from a request (every backend x model).
sp_add_script_test(hardening_startup test_hardening_startup.py LABELS hardening TIMEOUT 180)
sp_add_script_test(hardening_security_defaults test_hardening_security.py ARGS defaults
                   LABELS hardening TIMEOUT 120)
sp_add_matrix_test(hardening_security test_hardening_security.py LABELS hardening TIMEOUT 120)

# valgrind memcheck over one end-to-end run (no errors, no definite leaks);
# reports SKIP in a sanitizer build (ASan and valgrind cannot share a process).
sp_add_matrix_test(hardening_valgrind test_hardening_valgrind.py LABELS valgrind TIMEOUT 300)
