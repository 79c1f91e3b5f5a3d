# bench area: the google-benchmark microbenchmarks (bench/micro/) and scripts/count.
#
# Smoke tests, never speed tests: each binary runs a tiny filtered set and
# must print valid JSON with the contract's names; a variant whose CPU feature
# is masked is skipped, not run; callgrind counts are valid and ordered.
#
# bench_syscalls_json: every bench-syscalls row, JSON names, interleaved repetitions, CLI.
if(TARGET bench-syscalls)
  sp_add_script_test(bench_syscalls_json bench/test_bench_syscalls.py LABELS bench TIMEOUT 120)
endif()

# bench_count: scripts/count under valgrind: valid counts.json, exact counts, asm/raw getppid <= libc.
if(TARGET bench-syscalls)
  sp_add_script_test(bench_count bench/test_count.py LABELS bench TIMEOUT 600)
endif()
