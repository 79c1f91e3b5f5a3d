# ABI area: the SysV checking harness every NASM test uses (tests/abi.h).
#
# sp_abi_harness: sp_abi_check() — call a routine with canaries in rbx, rbp,
# r12-r15, DF clear and rsp aligned, then report what it broke. Other areas
# link it with `if(TARGET sp_abi_harness)`.
add_library(sp_abi_harness STATIC abi.c abi_harness.asm)
target_include_directories(sp_abi_harness PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
set_source_files_properties(abi_harness.asm test_abi_selftest_fns.asm
  PROPERTIES INCLUDE_DIRECTORIES ${SYSPATH_NASM_INCLUDE})

# The harness itself: each rule broken on purpose must be caught and named.
sp_add_c_test(abi_harness_selftest test_abi_selftest.c test_abi_selftest_fns.asm
  LIBS sp_abi_harness LABELS abi TIMEOUT 30)
