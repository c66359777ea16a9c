#!/usr/bin/env bash
# Installs what is needed, builds, starts a local Slurm cluster, and runs the whole test suite
# (unit, CLI black-box, local_cwd and Slurm end to end, real torchrun). What `.ci/run` runs.
# Prints each stage's wall time at the end (and the test groups' summed test times), so the whole
# can be kept well inside CI's limit.
# Usage: scripts/test.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}

stages=()
stage_start=$(date +%s%N)
# Records the wall time since the previous stage ended under the name $1.
stage_done() {
  local now
  now=$(date +%s%N)
  stages+=("$(printf '%-28s %8.1f s' "$1" "$(( (now - stage_start) / 1000000 ))e-3")")
  stage_start=$now
}
report() {
  local rc=$?
  echo "== stage times (wall clock)" >&2
  printf '  %s\n' "${stages[@]}" >&2
  if [ -f "$build_dir/ctest.log" ]; then
    echo "== test groups (sum of each test's own time; tests run ${JOBS:-2} at a time)" >&2
    # ctest prints "N/M Test #K: group:name ....   Passed   1.23 sec"; the group is the prefix.
    sed -n 's/^ *[0-9]*\/[0-9]* *Test *#[0-9]*: \([^:]*\):.* \([0-9.]*\) sec$/\1 \2/p' "$build_dir/ctest.log" |
      awk '{t[$1]+=$2; n[$1]++} END {for (g in t) printf "  %-26s %4d tests %8.1f s\n", g, n[g], t[g]}' | sort >&2
  fi
  exit $rc
}
trap report EXIT

scripts/setup-debian.sh
stage_done "set-up (packages)"
scripts/build.sh "$build_dir"
stage_done "build"
# The Slurm tests run against a real local cluster, started (idempotently) here. Its output goes
# through a file: the daemons it starts must not hold on to our caller's stdout.
mkdir -p "$build_dir"
if ! tests/slurm/start-local-slurm.sh > "$build_dir/slurm-start.log" 2>&1; then
  cat "$build_dir/slurm-start.log" >&2
  exit 1
fi
cat "$build_dir/slurm-start.log" >&2
stage_done "Slurm cluster start"
# The cluster runs: a Slurm test that would skip for want of one fails instead.
export TORCHX_TEST_REQUIRE_SLURM=1
rm -f "$build_dir/ctest.log"
ctest --test-dir "$build_dir" --output-on-failure -j "${JOBS:-2}" --timeout 300 --output-log "$build_dir/ctest.log"
stage_done "tests (ctest)"
