# sys area: the three syscall paths behind struct sp_sys (impl/sys/).
#
# sys_equivalence: every backend x every op, same result on success and failure.
# sys_abi:         every NASM routine in impl/sys/asm.asm through sp_abi_check.
sp_add_c_test(sys_equivalence test_sys_equivalence.c LIBS syspath_sys LABELS sys TIMEOUT 60)
if(TARGET sp_abi_harness)
  sp_add_c_test(sys_abi test_sys_abi.c LIBS syspath_sys sp_abi_harness LABELS sys abi TIMEOUT 60)
  target_include_directories(test_sys_abi PRIVATE ${CMAKE_SOURCE_DIR}/impl/sys)   # asm.h
endif()
