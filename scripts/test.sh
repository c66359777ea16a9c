#!/usr/bin/env bash
# Installs what is needed, builds, starts a local Slurm cluster, and runs the whole test suite
# (unit, CLI black-box, local_cwd and Slurm end to end, real torchrun). What `.ci/run` runs.
# Usage: scripts/test.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
scripts/setup-debian.sh
scripts/build.sh "$build_dir"
# The Slurm tests run against a real local cluster, started (idempotently) here.
tests/slurm/start-local-slurm.sh
ctest --test-dir "$build_dir" --output-on-failure -j "${JOBS:-2}" --timeout 300
