# Fuzzing the request-head parser (impl/server/http.c) — tests/fuzz_http.c.
#
# fuzz_http_corpus (every build, any compiler): the fuzz target's properties
#   over the seed corpus tests/fuzz-corpus/http/, as a plain regression test;
#   it runs under ASan+UBSan in the sanitizer build.
# fuzz_http (-DSYSPATH_FUZZ=ON, which scripts/test sets): the libFuzzer binary,
#   built with clang -fsanitize=fuzzer,address,undefined whatever the project's
#   C compiler is (gcc has no libFuzzer), run for $SYSPATH_FUZZ_SECONDS
#   (default 60, 0 = skip) by test_hardening_fuzz.py; any crash or broken
#   property fails it and leaves the input in <build>/fuzz-artifacts/.

sp_add_c_test(fuzz_http_corpus fuzz_http.c LIBS syspath_http LABELS unit TIMEOUT 120
              ARGS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz-corpus/http)
target_compile_definitions(test_fuzz_http_corpus PRIVATE SP_FUZZ_MAIN)

if(NOT SYSPATH_FUZZ)
  message(STATUS "fuzz_http: libFuzzer target off (configure with -DSYSPATH_FUZZ=ON; scripts/test does)")
  return()
endif()

# clang with libFuzzer and the sanitizer runtimes (Debian: clang + libclang-rt-dev).
find_program(SYSPATH_CLANG NAMES clang clang-16 clang-15 clang-14)
set(sp_fuzz_ok OFF)
if(SYSPATH_CLANG)
  set(sp_probe_dir ${CMAKE_BINARY_DIR}/fuzz-probe)
  file(WRITE ${sp_probe_dir}/probe.c
    "#include <stddef.h>\n#include <stdint.h>\n"
    "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
  execute_process(
    COMMAND ${SYSPATH_CLANG} -fsanitize=fuzzer,address,undefined ${sp_probe_dir}/probe.c
            -o ${sp_probe_dir}/probe
    RESULT_VARIABLE sp_probe_rc OUTPUT_QUIET ERROR_VARIABLE sp_probe_err)
  if(sp_probe_rc EQUAL 0)
    set(sp_fuzz_ok ON)
  else()
    string(REGEX REPLACE "\n.*" "" sp_probe_err "${sp_probe_err}")
    message(STATUS "fuzz_http: ${SYSPATH_CLANG} cannot link -fsanitize=fuzzer (${sp_probe_err}); "
                   "install libclang-rt-dev. The fuzz_http test will report SKIP.")
  endif()
else()
  message(STATUS "fuzz_http: no clang found; the fuzz_http test will report SKIP")
endif()

set(sp_fuzz_bin ${CMAKE_BINARY_DIR}/bin/fuzz_http)
if(sp_fuzz_ok)
  set(sp_fuzz_src ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_http.c ${CMAKE_SOURCE_DIR}/impl/server/http.c)
  add_custom_command(
    OUTPUT ${sp_fuzz_bin}
    COMMAND ${SYSPATH_CLANG} -g -O1 -fsanitize=fuzzer,address,undefined
            -fno-sanitize-recover=undefined -fno-omit-frame-pointer -Wall -Wextra
            -I${CMAKE_SOURCE_DIR}/impl/include ${sp_fuzz_src} -o ${sp_fuzz_bin}
    DEPENDS ${sp_fuzz_src} ${CMAKE_SOURCE_DIR}/impl/include/syspath/http.h
    COMMENT "Building the libFuzzer target fuzz_http with ${SYSPATH_CLANG}"
    VERBATIM)
  add_custom_target(fuzz_http ALL DEPENDS ${sp_fuzz_bin})
  message(STATUS "fuzz_http: libFuzzer target built with ${SYSPATH_CLANG}")
endif()

# Tokens that help the fuzzer reach past the request line.
file(WRITE ${CMAKE_BINARY_DIR}/fuzz/http.dict
  "\"GET\"\n\"HEAD\"\n\"POST\"\n\" HTTP/1.1\"\n\" HTTP/1.0\"\n\"\\x0d\\x0a\"\n\"\\x0d\\x0a\\x0d\\x0a\"\n"
  "\"Host:\"\n\"Connection:\"\n\"close\"\n\"keep-alive\"\n\"Content-Length:\"\n"
  "\"Transfer-Encoding:\"\n\"chunked\"\n\",\"\n\" \"\n\"\\x09\"\n")

sp_add_script_test(fuzz_http test_hardening_fuzz.py
  ARGS ${sp_fuzz_bin} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz-corpus/http ${CMAKE_BINARY_DIR}/fuzz/http.dict
  LABELS fuzz TIMEOUT 3600)
