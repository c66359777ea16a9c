#!/usr/bin/env bash
# Installs what is needed, builds, starts a local Slurm cluster, and runs the whole test suite
# (unit, CLI black-box, local_cwd and Slurm end to end, real torchrun). What `.ci/run` runs.
# Usage: scripts/test.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
scripts/setup-debian.sh
scripts/build.sh "$build_dir"
# The Slurm tests run against a real local cluster, started (idempotently) here. Its output goes
# through a file: the daemons it starts must not hold on to our caller's stdout.
mkdir -p "$build_dir"
if ! tests/slurm/start-local-slurm.sh > "$build_dir/slurm-start.log" 2>&1; then
  cat "$build_dir/slurm-start.log" >&2
  exit 1
fi
cat "$build_dir/slurm-start.log" >&2
# The cluster runs: a Slurm test that would skip for want of one fails instead.
export TORCHX_TEST_REQUIRE_SLURM=1
ctest --test-dir "$build_dir" --output-on-failure -j "${JOBS:-2}" --timeout 300
