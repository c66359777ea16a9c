#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/README.md) with clang-16, replays every seed corpus, then
# fuzzes each target for a fixed budget. A finding (crash, sanitizer report, broken invariant,
# timeout, out of memory) prints the target, the reproducer and the command that replays it, and
# the script exits 1 after the remaining targets have run.
# Usage: scripts/fuzz.sh [BUILD_DIR] [SECONDS_PER_TARGET]   (defaults: build-fuzz, 20)
# Env: FUZZ_TARGETS="manifest macros" to run only those; FUZZ_MAX_LEN (default 4096);
# FUZZ_BUILD_ONLY=1 to configure and build only.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
build_dir=${1:-build-fuzz}
seconds=${2:-20}
max_len=${FUZZ_MAX_LEN:-4096}

if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  mkdir -p "$build_dir"
  CC=${CC:-clang-16} CXX=${CXX:-clang++-16} cmake -S . -B "$build_dir" -G Ninja -DTORCHX_FUZZ=ON \
    -DTORCHX_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build_dir/configure.log" 2>&1 \
    || { cat "$build_dir/configure.log" >&2; exit 1; }
fi
start=$SECONDS
cmake --build "$build_dir" --target torchx_fuzzers -j "${JOBS:-2}" || exit 1
echo "fuzz: build took $((SECONDS - start)) s"
[[ ${FUZZ_BUILD_ONLY:-0} == 1 ]] && exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
work="$build_dir/fuzz-work"
findings="$build_dir/fuzz-findings"
mkdir -p "$work" "$findings"

if [[ -n "${FUZZ_TARGETS:-}" ]]; then
  read -r -a targets <<< "$FUZZ_TARGETS"
else
  targets=()
  for dir in fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi
for bin in "$build_dir"/fuzz/fuzz_*; do
  name=${bin##*/fuzz_}
  [[ -d fuzz/corpus/$name ]] || { echo "fuzz: target '$name' has no seed corpus fuzz/corpus/$name/" >&2; exit 1; }
done

failed=0
# report TARGET LOG: the reproducer(s) libFuzzer wrote for a failed run.
report() {
  local target=$1 log=$2 artifact
  failed=1
  echo "fuzz: FINDING in $target (log: $log)" >&2
  grep -E "ERROR: |SUMMARY: |fuzz invariant failed|runtime error:|Test unit written" "$log" | head -n 10 >&2
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
  if [[ -n "$artifact" ]]; then
    echo "fuzz:   reproducer: $artifact" >&2
    echo "fuzz:   replay:     $build_dir/fuzz/fuzz_$target $artifact" >&2
  else
    echo "fuzz:   replay:     $build_dir/fuzz/fuzz_$target fuzz/corpus/$target/  (a seed input failed)" >&2
  fi
}

total_start=$SECONDS
for target in "${targets[@]}"; do
  bin="$build_dir/fuzz/fuzz_$target"
  [[ -x "$bin" ]] || { echo "fuzz: no harness for corpus '$target' ($bin)" >&2; exit 1; }
  # Replay: every seed, whole (no -max_len: libFuzzer would cut the long ones).
  t0=$SECONDS
  log="$work/$target.replay.log"
  if ! "$bin" -runs=0 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$findings/$target-" \
       "fuzz/corpus/$target" > "$log" 2>&1; then
    report "$target" "$log"
    continue
  fi
  replay_s=$((SECONDS - t0))
  # Fuzz: new inputs go to the scratch corpus (first dir), the seeds are read only.
  mkdir -p "$work/$target"
  t0=$SECONDS
  log="$work/$target.fuzz.log"
  if ! "$bin" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$findings/$target-" \
       "$work/$target" "fuzz/corpus/$target" > "$log" 2>&1; then
    report "$target" "$log"
    continue
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1)
  printf 'fuzz: %-28s seeds %3d, replay %3d s, %9s runs in %3d s (%s)\n' "$target" \
    "$(find "fuzz/corpus/$target" -type f | wc -l)" "$replay_s" "${runs:-?}" "$((SECONDS - t0))" "$cov"
done
echo "fuzz: ${#targets[@]} targets in $((SECONDS - total_start)) s"
if ((failed)); then
  echo "fuzz: findings above; each reproducer belongs in fuzz/corpus/<target>/ once fixed" >&2
  exit 1
fi
