#!/usr/bin/env bash
# local_cwd against physical floors, as ratios measured in one run:
#   1. `torchx run -s local_cwd utils.echo` to finished   vs  a bare fork/exec/wait of echo
#   2. launching 256 replicas (to finished)                vs  256 backgrounded fork/exec/wait of echo
#   3. `torchx log` of a 1 GiB log to /dev/null            vs  `cat` of the same file
# Usage: bench/local_cwd.sh [BUILD_DIR]   Env: RUNS (default 30), LOG_MIB (default 1024).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup local_cwd.sh "${1:-}"
bench_workdir
export TORCHX_LOCAL_DIR="$work/state" LOGLEVEL=ERROR
cd "$work"
mkdir -p results
runs=${RUNS:-30}

hyperfine -N --warmup 3 --runs "$runs" --export-json results/echo.json --style none \
  "/bin/echo hello world" "$exe run -s local_cwd utils.echo" >/dev/null 2>&1
hyperfine --warmup 1 --runs "$(( runs / 3 > 3 ? runs / 3 : 3 ))" --export-json results/replicas.json --style none \
  'i=0; while [ $i -lt 256 ]; do /bin/echo hello world >/dev/null & i=$((i+1)); done; wait' \
  "$exe run -s local_cwd utils.echo --num_replicas 256 >/dev/null" >/dev/null 2>&1

mib=${LOG_MIB:-1024}
bench_make_log "$mib"
hyperfine -N --warmup 1 --runs 3 --export-json results/log.json --style none \
  "cat $log_file" "$exe log --streams stdout $log_handle" --output=null >/dev/null 2>&1

python3 - results/echo.json results/replicas.json results/log.json "$mib" <<'PY'
import json, sys
rows = []
for path in sys.argv[1:4]:
    base, ours = json.load(open(path))["results"]
    rows.append((ours["command"], base["command"], ours["median"], base["median"]))
names = ["run utils.echo to finished", "256 replicas to finished", f"log of {sys.argv[4]} MiB"]
print(f"{'measure':<30} {'torchx':>10} {'floor':>10} {'ratio':>8}   floor")
for name, (ours_cmd, base_cmd, ours, base) in zip(names, rows):
    floor = base_cmd if len(base_cmd) < 40 else base_cmd[:37] + "..."
    print(f"{name:<30} {ours*1e3:>8.1f}ms {base*1e3:>8.1f}ms {ours/base:>7.2f}x   {floor}")
PY
