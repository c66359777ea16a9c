#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite (unit, CLI black-box, and, as
# they arrive, real Slurm and real torchrun tests). What `.ci/run` runs.
# Usage: scripts/test.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
scripts/setup-debian.sh
scripts/build.sh "$build_dir"
ctest --test-dir "$build_dir" --output-on-failure -j "${JOBS:-2}" --timeout 300
