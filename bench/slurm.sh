#!/usr/bin/env bash
# Slurm against its own tools, as ratios measured in one run (the local cluster must be up:
# tests/slurm/start-local-slurm.sh):
#   1. `torchx run -s slurm utils.echo` (submit only)     vs  `sbatch --parsable` of the same script
#   2. `torchx list -s slurm` with 100 torchx jobs known   vs  `squeue --json -t all` (what it asks)
# Usage: bench/slurm.sh [BUILD_DIR]   Env: RUNS (default 20)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup slurm.sh "${1:-}"
bench_slurm_up || bench_error "no Slurm cluster (tests/slurm/start-local-slurm.sh)"
bench_workdir
bench_on_exit 'scancel --user="$(id -un)" >/dev/null 2>&1'
export TORCHX_SLURM_DIR="$work/state" LOGLEVEL=ERROR
cd "$work"
runs=${RUNS:-20}
"$exe" run -s slurm --dryrun utils.echo | sed -n '/^#!\/bin\/bash/,$p' > script.sh
# Each submission on a quiet controller: --prepare waits for the previous job to finish.
quiet=$(bench_slurm_quiet)
hyperfine --warmup 2 --runs "$runs" --prepare "$quiet" --export-json submit.json --style none \
  "sbatch --parsable $work/script.sh" "$exe run -s slurm utils.echo" >/dev/null 2>&1
# 100 jobs known to torchx (the runs above are some of them).
n=$(ls "$TORCHX_SLURM_DIR"/*.json | wc -l)
while [ "$n" -lt 100 ]; do "$exe" run -s slurm utils.echo >/dev/null; n=$((n + 1)); done
# Time list on a quiet controller: wait for the jobs to finish.
while [ -n "$(squeue -h -t pending,running --me)" ]; do sleep 0.5; done
hyperfine -N --warmup 2 --runs "$runs" --export-json list.json --style none \
  "squeue --json -t all --me" "$exe list -s slurm" >/dev/null 2>&1
jobs=$("$exe" list -s slurm --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
python3 - submit.json list.json "$jobs" <<'PY'
import json, sys
names = ["run -s slurm utils.echo (submit)", f"list -s slurm ({sys.argv[3]} jobs)"]
print(f"{'measure':<34} {'torchx':>9} {'floor':>9} {'ratio':>7}   floor")
for name, path in zip(names, sys.argv[1:3]):
    base, ours = json.load(open(path))["results"]
    print(f"{name:<34} {ours['median']*1e3:>7.1f}ms {base['median']*1e3:>7.1f}ms {ours['median']/base['median']:>6.2f}x   {base['command'].split('/')[0].strip()}")
PY
