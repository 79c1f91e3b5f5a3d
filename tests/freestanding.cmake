# freestanding area: syspath-asm-server and syspath-hello-asm (impl/freestanding/),
# and the macOS assembly check for every NASM source in the tree.
#
# freestanding_abi         the server's routines (ABI-check build) through sp_abi_check,
#                          and proof that a misaligned ACALL traps
# freestanding_e2e         the server end to end over loopback
# freestanding_e2e_abicheck  the same, against the whole server assembled -DSP_ABI_CHECK
# freestanding_concurrent_keepalive  ten connections at once, each answered within 1 s
# freestanding_slow_clients  a trickling client is cut off at the head deadline; pipelined
#                          requests and 64 KiB of junk still get the whole answer, then a FIN
# freestanding_real_clients  ab and h2load, keep-alive on and off, 8 at once: no failure
# freestanding_static      hello prints its line and exits 0; both programs static, no libc
# asm_macho64              every .asm with a PLATFORM_OSX branch assembles with -f macho64
if(TARGET sp_abi_harness AND TARGET syspath_freestanding_abicheck)
  sp_add_c_test(freestanding_abi test_freestanding_abi.c test_freestanding_misaligned.asm
    LIBS syspath_freestanding_abicheck sp_abi_harness LABELS freestanding abi TIMEOUT 60)
  set_source_files_properties(test_freestanding_misaligned.asm PROPERTIES
    INCLUDE_DIRECTORIES ${SYSPATH_NASM_INCLUDE} COMPILE_DEFINITIONS SP_ABI_CHECK)
endif()

sp_add_script_test(freestanding_e2e test_freestanding_e2e.py
  ARGS syspath-asm-server LABELS freestanding TIMEOUT 90)
sp_add_script_test(freestanding_e2e_abicheck test_freestanding_e2e.py
  ARGS syspath-asm-server-abicheck LABELS freestanding abi TIMEOUT 90)
sp_add_script_test(freestanding_concurrent_keepalive test_concurrent_keepalive.py
  ARGS syspath-asm-server LABELS freestanding TIMEOUT 60)
sp_add_script_test(freestanding_slow_clients test_freestanding_slow_clients.py
  ARGS syspath-asm-server LABELS freestanding TIMEOUT 60)
sp_add_script_test(freestanding_real_clients test_real_clients.py
  ARGS syspath-asm-server LABELS freestanding TIMEOUT 90)
sp_add_script_test(freestanding_static test_freestanding_static.sh
  LABELS freestanding TIMEOUT 30)
sp_add_script_test(asm_macho64 test_asm_macho64.sh LABELS freestanding TIMEOUT 60)
