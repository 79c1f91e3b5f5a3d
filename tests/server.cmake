# The server core: the HTTP parser, the CLI, and every backend x model end to end.

sp_add_c_test(http_parse test_http_parse.c LIBS syspath_http LABELS unit)

sp_add_script_test(server_cli test_server_cli.py LABELS e2e TIMEOUT 60)

# Every model the server has; a model unavailable on this machine (io_uring
# disabled) makes its tests report SKIP. A new model adds its name here.
set(SYSPATH_MODELS iterative epoll uring reuseport)
foreach(model ${SYSPATH_MODELS})
  foreach(backend asm raw libc)
    sp_add_script_test(server_e2e_${backend}_${model} test_server_http_e2e.py
                       ARGS ${backend} ${model} LABELS e2e TIMEOUT 60)
  endforeach()
  sp_add_script_test(server_strace_sequence_${model} test_server_strace_sequence.py
                     ARGS ${model} LABELS e2e TIMEOUT 90)
endforeach()
