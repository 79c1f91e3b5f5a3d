# Helpers area: correctness of every memset/strlen/htons/memcpy variant
# (impl/helpers/, impl/include/syspath/helpers.h), CPU feature detection,
# the auto thresholds and syspath-calibrate. Each test prints one
# ok/SKIP/FAIL line per variant; a variant this CPU lacks is reported as SKIP
# inside the test (the test still passes: the other variants ran).

sp_add_c_test(memset_lengths test_memset_lengths.c LIBS syspath_helpers LABELS helpers TIMEOUT 300)
sp_add_c_test(memset_page_edges test_memset_page_edges.c LIBS syspath_helpers LABELS helpers TIMEOUT 300)
sp_add_c_test(memcpy_lengths test_memcpy_lengths.c LIBS syspath_helpers LABELS helpers TIMEOUT 300)
sp_add_c_test(memcpy_page_edges test_memcpy_page_edges.c LIBS syspath_helpers LABELS helpers TIMEOUT 300)
sp_add_c_test(strlen_lengths test_strlen_lengths.c LIBS syspath_helpers LABELS helpers TIMEOUT 300)
sp_add_c_test(strlen_page_edges test_strlen_page_edges.c LIBS syspath_helpers LABELS helpers TIMEOUT 300)
sp_add_c_test(htons_all test_htons_all.c test_htons_shim.asm LIBS syspath_helpers LABELS helpers TIMEOUT 120)
set_source_files_properties(test_htons_shim.asm PROPERTIES INCLUDE_DIRECTORIES ${SYSPATH_NASM_INCLUDE})

# sp_helpers_env_test(NAME BASE "ENV=..;ENV=.." ARGS...): run the already built
# test_BASE again under an environment (thresholds, CPU mask, glibc tunables).
function(sp_helpers_env_test name base env)
  add_test(NAME ${name} COMMAND test_${base} ${ARGN})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "${env}" SKIP_RETURN_CODE ${SYSPATH_SKIP}
                       TIMEOUT 300 LABELS helpers)
endfunction()

# auto's rep-string and non-temporal classes start far beyond 1 MiB by
# default; thresholds this low send lengths 0..1024 through every class.
sp_helpers_env_test(memset_lengths_auto_classes memset_lengths
  "SYSPATH_MEMSET_REP_THRESHOLD=100;SYSPATH_MEMSET_NT_THRESHOLD=300" --only auto)
sp_helpers_env_test(memset_page_edges_auto_classes memset_page_edges
  "SYSPATH_MEMSET_REP_THRESHOLD=100;SYSPATH_MEMSET_NT_THRESHOLD=300" --only auto)
sp_helpers_env_test(memcpy_lengths_auto_classes memcpy_lengths
  "SYSPATH_MEMCPY_REP_THRESHOLD=100;SYSPATH_MEMCPY_NT_THRESHOLD=300" --only auto)
sp_helpers_env_test(memcpy_page_edges_auto_classes memcpy_page_edges
  "SYSPATH_MEMCPY_REP_THRESHOLD=100;SYSPATH_MEMCPY_NT_THRESHOLD=300" --only auto)
# ... and without AVX2, auto's vector class is the SSE2 kernels
sp_helpers_env_test(memcpy_lengths_auto_sse2 memcpy_lengths "SYSPATH_CPU_MASK=0x3" --only auto)
sp_helpers_env_test(memcpy_page_edges_auto_sse2 memcpy_page_edges "SYSPATH_CPU_MASK=0x3" --only auto)
sp_helpers_env_test(memset_lengths_auto_sse2 memset_lengths "SYSPATH_CPU_MASK=0x3" --only auto)
# ... and on an AVX-512 CPU with AVX-512 masked off (sse2 sse4.2 avx2 erms),
# memset/auto's AVX-512 build hands every call to its AVX2 code
sp_helpers_env_test(memset_lengths_auto_avx2 memset_lengths "SYSPATH_CPU_MASK=0x27" --only auto)
sp_helpers_env_test(memset_page_edges_auto_avx2 memset_page_edges
  "SYSPATH_CPU_MASK=0x27;SYSPATH_MEMSET_REP_THRESHOLD=100;SYSPATH_MEMSET_NT_THRESHOLD=300" --only auto)

# CPU features: against /proc/cpuinfo and sysfs, then under SYSPATH_CPU_MASK
sp_add_c_test(cpu_features test_cpu_features.c LIBS syspath_helpers LABELS helpers TIMEOUT 30)
sp_helpers_env_test(cpu_features_mask_none cpu_features "SYSPATH_CPU_MASK=0" --mask 0)
sp_helpers_env_test(cpu_features_mask_no_avx2 cpu_features "SYSPATH_CPU_MASK=0x3" --mask 0x3)
sp_helpers_env_test(cpu_features_mask_bad cpu_features "SYSPATH_CPU_MASK=avx2" --mask bad)

# SYSPATH_CPU_MASK=0 must make every SIMD variant report SKIP (and 0x3 every AVX one)
sp_add_script_test(helpers_cpu_mask test_cpu_mask.sh LABELS helpers TIMEOUT 120)
# the C loop rows stay loops: no call to libc, no vector registers (disassembly)
sp_add_script_test(helpers_loops_stay_loops test_helpers_loops.sh
  ARGS $<TARGET_FILE:syspath_helpers> LABELS helpers TIMEOUT 60)
# libc_erms: the tunable is accepted by this glibc, the row runs only under it
sp_add_script_test(helpers_libc_erms test_libc_erms.sh LABELS helpers TIMEOUT 120)

# auto's thresholds: cache defaults, env values (bytes, K/M/G, never), bad values
sp_add_c_test(auto_thresholds test_auto_thresholds.c LIBS syspath_helpers LABELS helpers TIMEOUT 30)
sp_helpers_env_test(auto_thresholds_env auto_thresholds
  "SYSPATH_MEMSET_REP_THRESHOLD=4096;SYSPATH_MEMSET_NT_THRESHOLD=64M;SYSPATH_MEMCPY_REP_THRESHOLD=never;SYSPATH_MEMCPY_NT_THRESHOLD=2k"
  --expect 4096 67108864 never 2048)
# the memset pair's first names, which users may have exported, still work;
# where both are set, the new name wins
sp_helpers_env_test(auto_thresholds_alias auto_thresholds
  "SYSPATH_REP_THRESHOLD=8K;SYSPATH_NT_THRESHOLD=never;SYSPATH_MEMCPY_REP_THRESHOLD=1M;SYSPATH_MEMCPY_NT_THRESHOLD=4M"
  --expect 8192 never 1048576 4194304)
sp_helpers_env_test(auto_thresholds_alias_overridden auto_thresholds
  "SYSPATH_MEMSET_REP_THRESHOLD=2K;SYSPATH_REP_THRESHOLD=8K;SYSPATH_MEMSET_NT_THRESHOLD=1G;SYSPATH_NT_THRESHOLD=never;SYSPATH_MEMCPY_REP_THRESHOLD=1M;SYSPATH_MEMCPY_NT_THRESHOLD=4M"
  --expect 2048 1073741824 1048576 4194304)
sp_helpers_env_test(auto_thresholds_bad auto_thresholds
  "SYSPATH_MEMSET_REP_THRESHOLD=-1;SYSPATH_NT_THRESHOLD=12Q;SYSPATH_MEMCPY_REP_THRESHOLD=;SYSPATH_MEMCPY_NT_THRESHOLD=99999999999999999999"
  --bad)
# syspath-calibrate: interface, JSON shape, --env accepted by auto
sp_add_script_test(helpers_calibrate test_calibrate.sh LABELS helpers TIMEOUT 120)
# syspath-calibrate's margin: verdicts and thresholds follow its own rule,
# two runs in a row agree within one size step (fast sizes only)
sp_add_script_test(helpers_calibrate_stable test_calibrate_stable.sh LABELS helpers TIMEOUT 60)

# Every NASM helper (and every other variant) through the SysV ABI harness.
# sp_abi_harness comes from tests/abi.cmake (the freestanding area).
if(TARGET sp_abi_harness)
  sp_add_c_test(helpers_abi test_helpers_abi.c LIBS syspath_helpers sp_abi_harness
    LABELS "helpers;abi" TIMEOUT 60)
endif()
