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

# bench_helpers_json:      names, size grid, --quick, JSON of a filtered run, CLI.
# bench_helpers_cpu_mask:  SYSPATH_CPU_MASK=0 / 0x3: masked variants skipped (and named), never run.
# bench_helpers_libc_erms: --libc-erms re-runs itself with glibc's rep stosb forced, only that row.
if(TARGET bench-helpers)
  sp_add_script_test(bench_helpers_json bench/test_bench_helpers.py LABELS bench TIMEOUT 180)
  sp_add_script_test(bench_helpers_cpu_mask bench/test_bench_helpers_cpu_mask.py LABELS bench TIMEOUT 120)
  sp_add_script_test(bench_helpers_libc_erms bench/test_bench_helpers_libc_erms.py LABELS bench TIMEOUT 120)
endif()
