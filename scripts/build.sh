#!/usr/bin/env bash
# Configures and builds torchx into a build directory (default: build/). Incremental and cached
# (ccache). Usage: scripts/build.sh [BUILD_DIR]
# Env: BUILD_TYPE (default Release), JOBS (2), TORCHX_BUILD_TESTS (ON; OFF builds only the product:
# scripts/quickstart.sh). A directory configured one way is reconfigured when asked the other way.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
tests=${TORCHX_BUILD_TESTS:-ON}
configured=""
if [ -f "$build_dir/CMakeCache.txt" ]; then
  configured=$(sed -n 's/^TORCHX_BUILD_TESTS:BOOL=//p' "$build_dir/CMakeCache.txt")
fi
if [ ! -f "$build_dir/build.ninja" ] || [ "$configured" != "$tests" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" -DTORCHX_BUILD_TESTS="$tests"
fi
cmake --build "$build_dir" -j "${JOBS:-2}"
