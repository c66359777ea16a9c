# Shell shared by the bench scripts (bash): source it, then call what the script needs. Every
# function fails the script (set -e) with one `NAME: error: ...` line when its setup cannot be done.
#
#   bench_setup NAME [BUILD_DIR]   cd to the repository root; sets bench_name, repo, build_dir and
#                                  exe (the absolute path of BUILD_DIR/bin/torchx, default build/)
#   bench_workdir                  a fresh temporary directory in $work, removed on exit
#   bench_on_exit CMD              also run CMD on exit (before $work is removed)
#   bench_build_floors             builds the floor programs (bench/floors, target bench_floors) and
#                                  sets dlopen_floor, empty_plugin, launch_floor, launch_helper
#   bench_make_log MIB             one finished local_cwd app (in $TORCHX_LOCAL_DIR) whose stdout is
#                                  MIB MiB of 60-byte lines; sets log_handle and log_file
#   bench_make_manifests DIR N     N plugin manifests (one scheduler each, libraries absent) in DIR
#   bench_slurm_up                 true if a Slurm controller answers (tests/slurm/start-local-slurm.sh)
#   bench_slurm_quiet              a --prepare command: wait (up to 5 s) until none of this user's
#                                  Slurm jobs is queued or running
#   bench_median JSON [INDEX]      the median (seconds) of hyperfine's INDEX-th command (default 0)

bench_error() {
  echo "${bench_name:-bench}: error: $*" >&2
  exit 1
}

bench_setup() {
  bench_name=$1
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  cd "$repo"
  build_dir=${2:-build}
  exe="$(cd "$build_dir" 2>/dev/null && pwd)/bin/torchx"
  [ -x "$exe" ] || bench_error "$build_dir/bin/torchx not built (run scripts/build.sh)"
  command -v hyperfine >/dev/null || bench_error "hyperfine not found (scripts/setup-debian.sh installs it)"
  command -v python3 >/dev/null || bench_error "python3 not found"
}

_bench_exit_cmds=()
_bench_exit() {
  local cmd
  for cmd in "${_bench_exit_cmds[@]}"; do eval "$cmd" || true; done
  if [ -n "${work:-}" ]; then rm -rf "$work"; fi
}
bench_on_exit() { _bench_exit_cmds+=("$1"); }

bench_workdir() {
  work=$(mktemp -d /tmp/torchx-bench-XXXXXX)
  trap _bench_exit EXIT
}

bench_build_floors() {
  cmake --build "$build_dir" --target bench_floors -j "${JOBS:-2}" >/dev/null ||
    bench_error "building the floors failed (cmake --build $build_dir --target bench_floors)"
  local dir
  dir=$(cd "$build_dir/bench/floors" && pwd)
  dlopen_floor="$dir/torchx_dlopen_floor"
  empty_plugin="$dir/libtorchx_empty_plugin.so"
  launch_floor="$dir/torchx_launch_floor"
  launch_helper="$dir/torchx_launch_floor_helper"
  "$dlopen_floor" "$empty_plugin" || bench_error "the dlopen floor does not run"
  [ "$("$launch_floor" "$launch_helper" floor)" = floor ] || bench_error "the launch floor does not run"
}

bench_make_log() {
  local mib=$1
  log_handle=$("$exe" run -s local_cwd --detach utils.sh -- sh -c \
    "yes 'a line of a training log, about sixty bytes long, with numbers 12345' | head -c $((mib * 1024 * 1024))")
  while "$exe" status --json "$log_handle" | grep -q '"state":"RUNNING"'; do sleep 0.5; done
  log_file="$TORCHX_LOCAL_DIR/${log_handle##*/}/sh/0/stdout.log"
  [ "$(stat -c %s "$log_file")" = $((mib * 1024 * 1024)) ] || bench_error "$log_file is not $mib MiB"
}

bench_make_manifests() {
  local dir=$1 n=$2 i
  mkdir -p "$dir"
  for i in $(seq -w 1 "$n"); do
    cat >"$dir/site_$i.json" <<JSON
{"file_format_version": "1.0.0",
 "plugin": {"name": "site_$i", "version": "1.0.$i", "description": "bench plugin $i",
            "library_path": "../lib/libtorchx_plugin_site_$i.so", "abi_versions": [1],
            "provides": {"schedulers": ["site_sched_$i"], "components": [], "trackers": [], "named_resources": []}}}
JSON
  done
  chmod -R go-w "$dir"
}

bench_slurm_up() { command -v sinfo >/dev/null && sinfo -h >/dev/null 2>&1; }

bench_slurm_quiet() {
  echo 'for _ in $(seq 100); do [ -z "$(squeue -h -t pending,running --me)" ] && break; sleep 0.05; done'
}

bench_median() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]["median"])' "$1" "${2:-0}"
}
