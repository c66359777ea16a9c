#!/usr/bin/env bash
# Installs what is needed, builds, starts a local Slurm cluster and a container engine (Podman's
# Docker API and its images, scripts/start-container-engine.sh) with a local registry
# (scripts/start-registry.sh), and runs the whole test suite
# (unit, CLI black-box, local_cwd, Slurm and containers end to end, real torchrun); then the same suites but
# Slurm's under ASan+UBSan (scripts/sanitize.sh, gcc) and every fuzz harness (scripts/fuzz.sh,
# clang-16 libFuzzer): the seed corpora replayed whole, then FUZZ_SECONDS (15) of fuzzing each.
# What `.ci/run` runs. Prints each stage's wall time at the end (and the test groups' summed test
# times), so the whole can be kept well inside CI's limit. Every stage runs even when an earlier
# one failed (so one run shows every failure); the exit status is 1 if any failed.
# Usage: scripts/test.sh [BUILD_DIR]   (the sanitized and fuzz builds go to BUILD_DIR-asan and
# BUILD_DIR-fuzz). Env: JOBS (2), FUZZ_SECONDS (15), TORCHX_TEST_SKIP="sanitize fuzz" to skip those.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}

stages=()
failed=0
failed_stages=()
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
  if ((failed)); then
    echo "== FAILED stages: ${failed_stages[*]}" >&2
    rc=1
  fi
  exit $rc
}
trap report EXIT

scripts/setup-debian.sh
stage_done "set-up (packages)"
# The container engine starts while we build: on a new machine its Debian image takes about two
# minutes, half of it waiting on the mirror and the disk. Its output goes through a file, like
# Slurm's below. The local registry (scripts/start-registry.sh, about a second) starts first, in
# the same background job: it writes the engine's registries.conf.d entry, which Podman's service
# reads only when it starts.
mkdir -p "$build_dir"
rm -f "$build_dir/registry-start.rc"
(
  if scripts/start-registry.sh > "$build_dir/registry-start.log" 2>&1; then rc=0; else rc=$?; fi
  echo "$rc" > "$build_dir/registry-start.rc"
  exec scripts/start-container-engine.sh
) > "$build_dir/engine-start.log" 2>&1 &
engine_pid=$!
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
# stage_failed NAME: records a failed stage; the run goes on to the next one.
stage_failed() {
  failed=1
  failed_stages+=("$1")
}
# The engine has been starting since the build began: what is left of it is this stage's time
# (its log says how long it took in all). Without it the container tests skip, and the run fails.
engine_rc=0
wait "$engine_pid" || engine_rc=$?
cat "$build_dir/registry-start.log" "$build_dir/engine-start.log" >&2
# Without the registry the push tests would fail under TORCHX_TEST_REQUIRE_DOCKER=1: said here too.
[ "$(cat "$build_dir/registry-start.rc" 2>/dev/null)" = 0 ] || stage_failed "registry start"
if [ "$engine_rc" -eq 0 ]; then
  # The engine runs: a container test (local_docker's, the engine's own) that would skip fails.
  export TORCHX_TEST_REQUIRE_DOCKER=1
else
  stage_failed "container engine start"
fi
stage_done "container engine start (rest)"
# The cluster runs: a Slurm test that would skip for want of one fails instead.
export TORCHX_TEST_REQUIRE_SLURM=1
rm -f "$build_dir/ctest.log"
ctest --test-dir "$build_dir" --output-on-failure -j "${JOBS:-2}" --timeout 300 --output-log "$build_dir/ctest.log" \
  || stage_failed "tests"
stage_done "tests (ctest)"

skip=" ${TORCHX_TEST_SKIP:-} "
if [[ $skip != *" sanitize "* ]]; then
  SANITIZE_BUILD_ONLY=1 scripts/sanitize.sh "$build_dir-asan" > "$build_dir-asan.build.log" 2>&1 \
    || { tail -n 40 "$build_dir-asan.build.log" >&2; stage_failed "sanitizer build"; }
  stage_done "sanitizer build (ASan+UBSan)"
  if [[ ! " ${failed_stages[*]} " =~ "sanitizer build" ]]; then
    scripts/sanitize.sh "$build_dir-asan" || stage_failed "sanitized tests"
    stage_done "sanitized tests"
  fi
fi
if [[ $skip != *" fuzz "* ]]; then
  FUZZ_BUILD_ONLY=1 scripts/fuzz.sh "$build_dir-fuzz" > "$build_dir-fuzz.build.log" 2>&1 \
    || { tail -n 40 "$build_dir-fuzz.build.log" >&2; stage_failed "fuzz build"; }
  stage_done "fuzz build (clang-16)"
  if [[ ! " ${failed_stages[*]} " =~ "fuzz build" ]]; then
    scripts/fuzz.sh "$build_dir-fuzz" "${FUZZ_SECONDS:-15}" || stage_failed "fuzzing"
    stage_done "fuzz: replay + ${FUZZ_SECONDS:-15} s per target"
  fi
fi
