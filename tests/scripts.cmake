# scripts area ("mainjob"): scripts/bench, scripts/machine, bench/load's binaries.
# Behaviour only: no test asserts a speed (the machine is shared and noisy).
#
# scripts_machine:        machine.json matches the contract; --slug agrees; bad input -> exit 2.
# scripts_bench_args:     --only bogus, --rounds abc ... -> one line, exit 2, before any work.
# scripts_bench_wrk_errors: wrk's socket errors and non-2xx counted from real wrk output; rows flagged.
# scripts_bench_accept:   scripts/bench --quick --only accept end to end against the real
#                         servers of this build (--no-build) -> valid accept.json + machine.json.
# bench_load_binaries:    hello worlds print and exit 0 (raw one static, no libc); syspath-client
#                         makes N connections, fails cleanly, exits 2 on bad usage.
sp_add_script_test(scripts_machine scripts/test_machine.py LABELS scripts TIMEOUT 60)
sp_add_script_test(scripts_bench_args scripts/test_bench_args.sh LABELS scripts TIMEOUT 120)
sp_add_script_test(scripts_bench_wrk_errors scripts/test_bench_wrk_errors.py LABELS scripts TIMEOUT 60)
if(TARGET syspath-client)
  sp_add_script_test(bench_load_binaries scripts/test_load_binaries.py LABELS scripts TIMEOUT 120)
endif()
sp_add_script_test(scripts_bench_accept scripts/test_bench_accept.py LABELS scripts TIMEOUT 240)
# a second bench run at the same moment would share the two CPUs and the ports
set_tests_properties(scripts_bench_accept PROPERTIES RUN_SERIAL TRUE)
