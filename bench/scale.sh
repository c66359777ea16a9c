#!/usr/bin/env bash
# Issue 16's "Done when", in one bench run: every row is measured against its floor in the same run
# and printed with the value, the floor, the ratio, the goal and whether the goal is met.
#
#   row      measures                                          floor                              goal
#   version  torchx --version                                  /bin/true                          <= 2x
#   help     torchx --help                                     /bin/true                          <= 2x
#   status   torchx status of one of APPS local apps           the dlopen floor (bench/floors)    <= 2x
#   list     torchx list -s local_cwd, APPS apps, every row    -                                  <= 50 ms
#   log      torchx log of a LOG_MIB MiB log, to /dev/null     cat of the file                    <= 2x
#   run      torchx run -s local_cwd utils.echo, to finished   the launch floor (bench/floors)    <= 2x
#   slurm    torchx run -s slurm --detach utils.echo           sbatch --parsable --wrap           <= 1.5x
#   plugins  torchx plugins with 1,000 manifests installed     -                                  <= 10 ms
#
# Usage: bench/scale.sh [BUILD_DIR]   (default build/; needs hyperfine, python3, cmake)
# Env:
#   RUNS      runs per command (default 20); the fast rows (version, help, status, plugins) run
#             10x RUNS, the log row min(RUNS, 5)
#   APPS      local apps for status and list (default 10000), made by bench/make-local-apps.sh
#   APPS_DIR  reuse a state root holding the apps (made by an earlier run; kept), else a fresh one
#   LOG_MIB   size of the log (default 1024)
#   SKIP      rows to leave out, e.g. SKIP="slurm log"
#   BATCHES   a ratio row measures its floor and ours in this many alternating hyperfine batches
#             (default 10; bench/alternate.py): the floor and ours see the same drift of the
#             machine's speed. BATCHES=1 is hyperfine's plain back-to-back order.
# The slurm row needs the local cluster (tests/slurm/start-local-slurm.sh); without it the row
# says so and is skipped. Raw hyperfine JSON is left in bench/results/scale-*.json.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup scale.sh "${1:-}"
bench_workdir
runs=${RUNS:-20}
batches=${BATCHES:-10}
fast_runs=$((runs * 10))
apps=${APPS:-10000}
mib=${LOG_MIB:-1024}
skip=" ${SKIP:-} "
results="$repo/bench/results"
mkdir -p "$results"
rows="$work/rows.tsv"
: >"$rows"
export LOGLEVEL=ERROR
wanted() { [[ "$skip" != *" $1 "* ]]; }
note() { echo "scale.sh: $*" >&2; }

# row KEY LABEL GOAL_KIND GOAL FLOOR_LABEL -- hyperfine args...: with GOAL_KIND ratio, the first
# command is the floor and the second ours; with abs, the only command is ours.
row() {
  local key=$1 label=$2 kind=$3 goal=$4 floor_label=$5
  shift 6
  local json="$results/scale-$key.json"
  note "measuring $key"
  if [ "$kind" = ratio ]; then
    # The floor and ours in alternating batches (bench/alternate.py): both see the same drift.
    python3 "$repo/bench/alternate.py" "$batches" "$json" -- "$@" --style none >/dev/null 2>"$work/$key.err" ||
      { cat "$work/$key.err" >&2; bench_error "the $key row failed"; }
  else
    hyperfine "$@" --export-json "$json" --style none >/dev/null 2>"$work/$key.err" ||
      { cat "$work/$key.err" >&2; bench_error "the $key row failed"; }
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$label" "$kind" "$goal" "$floor_label" "$json" >>"$rows"
}
skipped() { printf '%s\t%s\tskip\t\t%s\t\n' "$1" "$2" "$3" >>"$rows"; note "skipping $1: $3"; }

bench_build_floors

if wanted version; then
  row version "torchx --version" ratio 2 "/bin/true" -- -N --warmup 50 --runs "$fast_runs" /bin/true "$exe --version"
else
  skipped version "torchx --version" "in SKIP"
fi
if wanted help; then
  row help "torchx --help" ratio 2 "/bin/true" -- -N --warmup 50 --runs "$fast_runs" --output=null /bin/true "$exe --help"
else
  skipped help "torchx --help" "in SKIP"
fi

if wanted status || wanted list; then
  if [ -n "${APPS_DIR:-}" ] && [ -d "$APPS_DIR" ]; then
    apps_dir=$APPS_DIR
    note "using the apps in $apps_dir"
  else
    apps_dir=${APPS_DIR:-$work/apps}
    note "creating $apps apps in $apps_dir (bench/make-local-apps.sh)"
    TORCHX_LOCAL_DIR=$apps_dir TORCHX=$exe "$repo/bench/make-local-apps.sh" "$apps" >&2
  fi
  export TORCHX_LOCAL_DIR=$apps_dir
  count=$("$exe" list -s local_cwd --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
  one=$("$exe" list -s local_cwd --json | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a[len(a)//2]["app_handle"])')
  if wanted status; then
    row status "torchx status (1 of $count apps)" ratio 2 "dlopen floor" -- -N --warmup 10 --runs "$fast_runs" \
      --output=null "$dlopen_floor $empty_plugin" "$exe status $one"
  fi
  if wanted list; then
    row list "torchx list ($count apps, every row)" abs 50 "-" -- -N --warmup 2 --runs "$runs" --output=null \
      "$exe list -s local_cwd"
  fi
fi
wanted status || skipped status "torchx status" "in SKIP"
wanted list || skipped list "torchx list" "in SKIP"

if wanted log; then
  export TORCHX_LOCAL_DIR=$work/log
  note "writing a $mib MiB log"
  bench_make_log "$mib"
  row log "torchx log ($mib MiB)" ratio 2 "cat" -- -N --warmup 1 --runs "$((runs < 5 ? runs : 5))" --output=null \
    "cat $log_file" "$exe log --streams stdout $log_handle"
  rm -rf "$work/log"
else
  skipped log "torchx log" "in SKIP"
fi

if wanted run; then
  export TORCHX_LOCAL_DIR=$work/run
  row run "torchx run -s local_cwd utils.echo" ratio 2 "launch floor" -- -N --warmup 3 --runs "$runs" --output=null \
    "$launch_floor $launch_helper hello world" "$exe run -s local_cwd utils.echo"
else
  skipped run "torchx run -s local_cwd" "in SKIP"
fi

if ! wanted slurm; then
  skipped slurm "torchx run -s slurm --detach" "in SKIP"
elif ! bench_slurm_up; then
  skipped slurm "torchx run -s slurm --detach" "no Slurm cluster (tests/slurm/start-local-slurm.sh starts one)"
else
  export TORCHX_SLURM_DIR=$work/slurm
  mkdir -p "$work/sbatch"
  # Each submission on a quiet controller: --prepare waits (up to 5 s) until our jobs have left.
  # Nothing is cancelled on exit: the cluster is shared and the jobs are `echo`s.
  (cd "$work/sbatch" && row slurm "torchx run -s slurm --detach utils.echo" ratio 1.5 "sbatch --parsable --wrap" -- \
    --warmup 2 --runs "$runs" --prepare "$(bench_slurm_quiet)" --output=null \
    "sbatch --parsable --wrap 'echo hello world'" "$exe run -s slurm --detach utils.echo")
fi

if wanted plugins; then
  bench_make_manifests "$work/manifests/plugins.d" 1000
  found=$(TORCHX_PLUGIN_SYSTEM_PATH=$work/manifests/plugins.d "$exe" plugins --json |
          python3 -c 'import json,sys; print(len(json.load(sys.stdin)["plugins"]))')
  [ "$found" = 1000 ] || bench_error "torchx plugins found $found of 1000 manifests"
  TORCHX_PLUGIN_SYSTEM_PATH=$work/manifests/plugins.d \
    row plugins "torchx plugins (1000 manifests)" abs 10 "-" -- -N --warmup 5 --runs "$fast_runs" --output=null "$exe plugins"
else
  skipped plugins "torchx plugins" "in SKIP"
fi

python3 - "$rows" <<'PY'
import json, sys
print(f"{'row':<8} {'measure':<42} {'value':>10} {'floor':>10} {'ratio':>7} {'goal':>9}  met   floor (batch ratios)")
for line in open(sys.argv[1]):
    key, label, kind, goal, floor_label, path = line.rstrip("\n").split("\t")
    if kind == "skip":
        print(f"{key:<8} {label:<42} {'-':>10} {'-':>10} {'-':>7} {'-':>9}  skip  ({floor_label})")
        continue
    data = json.load(open(path))
    results = data["results"]
    ours = results[-1]["median"] * 1e3
    spread = data.get("batch_ratios") or []
    spread = f" ({min(spread):.2f}-{max(spread):.2f}x in {len(spread)} batches)" if len(spread) > 1 else ""
    if kind == "ratio":
        floor = results[0]["median"] * 1e3
        ratio = ours / floor
        met = ratio <= float(goal)
        print(f"{key:<8} {label:<42} {ours:>8.2f}ms {floor:>8.2f}ms {ratio:>6.2f}x {'<= ' + goal + 'x':>9}  {'yes' if met else 'NO':<4}  {floor_label}{spread}")
    else:
        met = ours <= float(goal)
        print(f"{key:<8} {label:<42} {ours:>8.2f}ms {'-':>10} {'-':>7} {'<= ' + goal + 'ms':>9}  {'yes' if met else 'NO':<4}")
PY
