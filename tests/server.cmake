# The server core: the HTTP parser, the CLI, and every backend x model end to end.

sp_add_c_test(http_parse test_http_parse.c LIBS syspath_http LABELS unit)

sp_add_script_test(server_cli test_server_cli.py LABELS e2e TIMEOUT 60)

# Every model the server has; a model unavailable on this machine (io_uring
# disabled) makes its tests report SKIP. A new model adds its name here.
set(SYSPATH_MODELS iterative epoll uring reuseport)
sp_add_matrix_test(server_e2e test_server_http_e2e.py LABELS e2e TIMEOUT 60)
# The last response's FIN rides in its segment, and nothing is lost for it.
sp_add_matrix_test(server_fin_with_response test_server_fin_with_response.py LABELS e2e TIMEOUT 60)
foreach(model ${SYSPATH_MODELS})
  sp_add_script_test(server_strace_sequence_${model} test_server_strace_sequence.py
                     ARGS ${model} LABELS e2e TIMEOUT 90)
endforeach()
