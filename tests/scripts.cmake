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
# scripts_window_meter:   one syspath row as scripts/bench runs it: the window meter (process CPU
#                         clock over the server's process tree) and the server's getrusage at the
#                         same edges (SIGUSR1) agree within 3%; warm-up outside the window; the
#                         counters (segments, syscalls, ctx switches, total CPU) present and sane;
#                         reuseport's worker counted.
sp_add_script_test(scripts_window_meter scripts/test_window_meter.py LABELS scripts TIMEOUT 120)
set_tests_properties(scripts_window_meter PROPERTIES RUN_SERIAL TRUE)
# scripts_server_snapshot: syspath-server's SIGUSR1 writes {snapshot, user_us, system_us} over
#                         --stats PATH (or to stdout) and keeps serving; ignored without --stats.
sp_add_script_test(scripts_server_snapshot scripts/test_server_snapshot.py LABELS scripts TIMEOUT 60)
# scripts_peer_<name>:    each load-bench peer beyond nginx (h2o, lighttpd) started as the bench
#                         starts it: generated config, free port, pinned; GET / answers 200 and
#                         the body, twice on one connection, then closes on Connection: close;
#                         the meter covers its every process; one measured round; SIGTERM stops
#                         it and all its processes; a failed start is one line. SKIP if missing.
# scripts_peer_missing:   no peer installed -> skipped entries naming the Debian package; all
#                         installed -> their rows; a peer that never started -> flagged row
#                         whose note says why. Starts nothing.
sp_add_script_test(scripts_peer_missing scripts/test_peer_missing.py LABELS scripts TIMEOUT 30)
foreach(peer h2o lighttpd)
  sp_add_script_test(scripts_peer_${peer} scripts/test_peer_serves.py ARGS ${peer}
                     LABELS scripts TIMEOUT 90)
  # its measured round uses both CPUs, as a bench run does
  set_tests_properties(scripts_peer_${peer} PROPERTIES RUN_SERIAL TRUE)
endforeach()
