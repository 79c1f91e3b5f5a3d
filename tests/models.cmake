# I/O-model-specific tests (the end-to-end tests for every model are in server.cmake).
#
# uring: the unavailable path (forced with the SYSPATH_URING_DISABLE=1 test
# hook), the features it picks and its fallbacks, and behaviours that exercise
# the ring's in-flight operations. Each reports SKIP where io_uring is unavailable.

sp_add_script_test(uring_unavailable test_uring_unavailable.py LABELS e2e TIMEOUT 60)
sp_add_script_test(uring_features test_uring_features.py LABELS e2e TIMEOUT 60)

# Every behaviour test in three variants:
#   (default)  the features this kernel offers;
#   _plain     SYSPATH_URING_PLAIN=1: one-shot accept and recv, no setup flags
#              (an old kernel's path: a close posts a completion); the whole e2e
#              test and the last-response test run so for every backend;
#   _bufs1     SYSPATH_URING_BUFS=1: one provided buffer, so multishot recvs run
#              dry (-ENOBUFS) and fall back, and pipelined bytes wait in the stash.
foreach(variant default plain bufs1)
  if(variant STREQUAL "default")
    set(suffix "")
    set(hook "")
  elseif(variant STREQUAL "plain")
    set(suffix "_plain")
    set(hook "SYSPATH_URING_PLAIN=1")
  else()
    set(suffix "_bufs1")
    set(hook "SYSPATH_URING_BUFS=1")
  endif()
  set(names "")
  foreach(behaviour pipelined_flood max_conns_burst stop_cancels many_conns)
    sp_add_script_test(uring_${behaviour}${suffix} test_uring_${behaviour}.py ARGS uring
                       LABELS e2e TIMEOUT 60)
    list(APPEND names uring_${behaviour}${suffix})
  endforeach()
  if(hook)
    set(backends libc)
    if(variant STREQUAL "plain")
      set(backends asm raw libc)
    endif()
    foreach(backend ${backends})
      sp_add_script_test(server_e2e_${backend}_uring${suffix} test_server_http_e2e.py
                         ARGS ${backend} uring LABELS e2e TIMEOUT 60)
      sp_add_script_test(server_fin_with_response_${backend}_uring${suffix}
                         test_server_fin_with_response.py ARGS ${backend} uring LABELS e2e TIMEOUT 60)
      list(APPEND names server_e2e_${backend}_uring${suffix}
                        server_fin_with_response_${backend}_uring${suffix})
    endforeach()
    set_property(TEST ${names} APPEND PROPERTY ENVIRONMENT "${hook}")
  endif()
endforeach()

# Ten keep-alive connections at once, every backend x model: each is answered
# within 1 s, and a second request is answered where the model keeps the
# connection (iterative hands its turn over with Connection: close).
sp_add_matrix_test(concurrent_keepalive test_concurrent_keepalive.py LABELS e2e TIMEOUT 60)

# Real benchmarking clients (ab, h2load), keep-alive on and off, 8 at once:
# every request succeeds and --stats counts no error. SKIP without them.
sp_add_matrix_test(real_clients test_real_clients.py LABELS e2e TIMEOUT 90)
