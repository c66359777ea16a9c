# TORCHX_FUZZ=ON: every target of this build gets libFuzzer's coverage instrumentation and
# ASan+UBSan (halting on the first report); the harnesses in fuzz/ add libFuzzer's main.
include_guard(GLOBAL)

if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "TORCHX_FUZZ needs clang (libFuzzer), found ${CMAKE_CXX_COMPILER_ID}: "
                      "configure a separate build dir with CC=clang-16 CXX=clang++-16 (fuzz/README.md)")
endif()
if(TORCHX_BUILD_TESTS)
  message(FATAL_ERROR "TORCHX_FUZZ builds only the harnesses: add -DTORCHX_BUILD_TESTS=OFF")
endif()

include(TorchxSanitize)
add_compile_options(-fsanitize=fuzzer-no-link)
