# Hardening (issue 7): the server survives slow clients, bad input, descriptor
# exhaustion and signals, for every backend x model. The models are those of
# tests/server.cmake's SYSPATH_MODELS; a model unavailable on this machine
# (io_uring disabled) makes its tests report SKIP with the reason.
#
# Labels: hardening (runs in the default and the sanitizer pass of
# scripts/test), valgrind (memcheck; skipped in a sanitizer build).

if(NOT DEFINED SYSPATH_MODELS)
  set(SYSPATH_MODELS iterative epoll uring reuseport)
endif()

foreach(model ${SYSPATH_MODELS})
  foreach(backend asm raw libc)
    sp_add_script_test(hardening_timeouts_${backend}_${model} test_hardening_timeouts.py
                       ARGS ${backend} ${model} LABELS hardening TIMEOUT 120)
  endforeach()
endforeach()

foreach(model ${SYSPATH_MODELS})
  foreach(backend asm raw libc)
    sp_add_script_test(hardening_bad_input_${backend}_${model} test_hardening_bad_input.py
                       ARGS ${backend} ${model} LABELS hardening TIMEOUT 180)
  endforeach()
endforeach()

# 500 idle connections beside a fresh GET: the event models only (iterative
# serves one connection at a time by design).
foreach(model ${SYSPATH_MODELS})
  if(model STREQUAL "iterative")
    continue()
  endif()
  foreach(backend asm raw libc)
    sp_add_script_test(hardening_idle_conns_${backend}_${model} test_hardening_idle_conns.py
                       ARGS ${backend} ${model} LABELS hardening TIMEOUT 120)
  endforeach()
endforeach()

foreach(model ${SYSPATH_MODELS})
  foreach(backend asm raw libc)
    sp_add_script_test(hardening_emfile_${backend}_${model} test_hardening_emfile.py
                       ARGS ${backend} ${model} LABELS hardening TIMEOUT 120)
  endforeach()
endforeach()

foreach(model ${SYSPATH_MODELS})
  foreach(backend asm raw libc)
    sp_add_script_test(hardening_signals_${backend}_${model} test_hardening_signals.py
                       ARGS ${backend} ${model} LABELS hardening TIMEOUT 120)
  endforeach()
endforeach()

# Startup errors for every model x backend (one test: it loops over --list),
# and the security defaults: the bind address and its warning, no format
# string from input, no path taken from a request (every backend x model).
sp_add_script_test(hardening_startup test_hardening_startup.py LABELS hardening TIMEOUT 180)
sp_add_script_test(hardening_security_defaults test_hardening_security.py ARGS defaults
                   LABELS hardening TIMEOUT 120)
foreach(model ${SYSPATH_MODELS})
  foreach(backend asm raw libc)
    sp_add_script_test(hardening_security_${backend}_${model} test_hardening_security.py
                       ARGS ${backend} ${model} LABELS hardening TIMEOUT 120)
  endforeach()
endforeach()

# valgrind memcheck over one end-to-end run (no errors, no definite leaks);
# reports SKIP for uring (memcheck cannot follow io_uring) and in a sanitizer build.
foreach(model ${SYSPATH_MODELS})
  foreach(backend asm raw libc)
    sp_add_script_test(hardening_valgrind_${backend}_${model} test_hardening_valgrind.py
                       ARGS ${backend} ${model} LABELS valgrind TIMEOUT 300)
  endforeach()
endforeach()
