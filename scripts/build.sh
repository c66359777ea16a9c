#!/usr/bin/env bash
# Configures and builds torchx into a build directory (default: build/). Incremental and cached
# (ccache). Usage: scripts/build.sh [BUILD_DIR]   Env: BUILD_TYPE (default Release), JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}"
fi
cmake --build "$build_dir" -j "${JOBS:-2}"
