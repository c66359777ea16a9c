#!/usr/bin/env bash
# local_cwd with many apps, as ratios measured in one run:
#   1. `torchx list -s local_cwd` (table, every row) and `list --json`, index warm   vs  goal 50 ms
#   2. the same list with the index removed before each run (what the first list after a
#      change pays: every app's files read, the index rebuilt)
#   3. `ls -l` of the state root (one lstat per app: what any per-app check costs) as list's floor
#   4. `torchx status` of one of the N apps                 vs  the dlopen floor (DLOPEN_FLOOR) and
#                                                              `torchx --version` (start-up alone)
# Usage: bench/local_apps.sh [BUILD_DIR]
# Env: N (apps, default 10000), RUNS (default 20), APPS_DIR (a state root holding the apps: made
# with bench/make-local-apps.sh when it has fewer than N, and kept, since making 10,000 takes
# minutes), DLOPEN_FLOOR (a command: the floor program that dlopens an empty plugin; optional).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
exe="$(pwd)/$build_dir/bin/torchx"
[ -x "$exe" ] || { echo "local_apps.sh: error: $exe not built (run scripts/build.sh)" >&2; exit 1; }
n=${N:-10000}
runs=${RUNS:-20}
apps=${APPS_DIR:-/tmp/torchx-bench-apps-$n}
mkdir -p "$apps" && chmod 700 "$apps"
have=$(find "$apps" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l)
if [ "$have" -lt "$n" ]; then
  echo "local_apps.sh: making $((n - have)) apps in $apps (once; kept for the next run)" >&2
  TORCHX="$exe" TORCHX_LOCAL_DIR="$apps" bench/make-local-apps.sh $((n - have))
fi
export TORCHX_LOCAL_DIR="$apps" LOGLEVEL=ERROR
results="$(pwd)/bench/results"
mkdir -p "$results"
one="local_cwd://torchx/$(find "$apps" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%f' -quit)"
rows=$("$exe" list -s local_cwd | tail -n +3 | wc -l)
[ "$rows" -eq "$(find "$apps" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l)" ] ||
  { echo "local_apps.sh: error: list printed $rows rows" >&2; exit 1; }

floor=()
[ -n "${DLOPEN_FLOOR:-}" ] && floor=("$DLOPEN_FLOOR")
hyperfine -N --warmup 3 --runs "$runs" --export-json "$results/local_apps.json" --style none \
  "/bin/true" "${floor[@]}" "$exe --version" "$exe status $one" \
  "$exe list -s local_cwd" "$exe list -s local_cwd --json" "ls -l $apps" >/dev/null 2>&1
hyperfine -N --warmup 1 --runs "$(( runs / 4 > 3 ? runs / 4 : 3 ))" --export-json "$results/local_apps_cold.json" \
  --style none --prepare "rm -f $apps/.list-index" "$exe list -s local_cwd" >/dev/null 2>&1

python3 - "$results/local_apps.json" "$results/local_apps_cold.json" "$n" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"] + json.load(open(sys.argv[2]))["results"]
n = sys.argv[3]
true = res[0]["median"] * 1e3
version = next(r["median"] * 1e3 for r in res if r["command"].endswith("--version"))
dl = res[1]["median"] * 1e3 if not res[1]["command"].endswith("--version") else None
print(f"{'measure':<34} {'median':>9} {'/ true':>8} {'/ --version':>12} {'/ dlopen floor':>15}")
for i, r in enumerate(res):
    cmd, m = r["command"], r["median"] * 1e3
    label = cmd.split("/")[-1]
    if cmd.startswith("ls -l"):
        label = f"ls -l of the {n} app dirs (floor)"
    elif " status " in cmd:
        label = f"status of one of {n} apps"
    elif " list " in cmd:
        label = f"list --json, {n} apps" if "--json" in cmd else f"list, {n} apps (table)"
    if i == len(res) - 1:
        label = f"list, {n} apps, no index (cold)"
    print(f"{label:<34} {m:>7.2f}ms {m/true:>7.2f}x {m/version:>11.2f}x " + (f"{m/dl:>14.2f}x" if dl else f"{'-':>15}"))
PY
