# I/O-model-specific tests (the end-to-end tests for every model are in server.cmake).
#
# uring: the unavailable path (forced with the SYSPATH_URING_DISABLE=1 test
# hook), the features it picks and its fallbacks, and behaviours that exercise
# the ring's in-flight operations. Each reports SKIP where io_uring is unavailable.

sp_add_script_test(uring_unavailable test_uring_unavailable.py LABELS e2e TIMEOUT 60)
sp_add_script_test(uring_features test_uring_features.py LABELS e2e TIMEOUT 60)

# Every behaviour test twice: with the features this kernel offers, and with
# SYSPATH_URING_PLAIN=1 (one-shot accept, no setup flags: an old kernel's path).
# The plain path also runs the whole end-to-end test for every backend.
foreach(behaviour pipelined_flood max_conns_burst stop_cancels)
  sp_add_script_test(uring_${behaviour} test_uring_${behaviour}.py ARGS uring LABELS e2e TIMEOUT 60)
  sp_add_script_test(uring_${behaviour}_plain test_uring_${behaviour}.py ARGS uring LABELS e2e TIMEOUT 60)
  set_property(TEST uring_${behaviour}_plain APPEND PROPERTY ENVIRONMENT "SYSPATH_URING_PLAIN=1")
endforeach()
foreach(backend asm raw libc)
  sp_add_script_test(server_e2e_${backend}_uring_plain test_server_http_e2e.py
                     ARGS ${backend} uring LABELS e2e TIMEOUT 60)
  set_property(TEST server_e2e_${backend}_uring_plain APPEND PROPERTY ENVIRONMENT "SYSPATH_URING_PLAIN=1")
endforeach()
