# ASan+UBSan for every target of a build (TORCHX_SANITIZE=ON, or the fuzz build): halting on the
# first report, frame pointers kept for readable stacks. Both gcc and clang understand the flags.
# A sanitized build is for tests only (scripts/sanitize.sh, scripts/fuzz.sh): never install it.
include_guard(GLOBAL)

set(TORCHX_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
add_compile_options(${TORCHX_SANITIZE_FLAGS})
add_link_options(${TORCHX_SANITIZE_FLAGS})
