#!/usr/bin/env bash
# Command plugins (ABI revision 1.1): what dispatching a verb to a plugin costs.
#   - `torchx prune --help` (reads the manifests, dlopens the one plugin, negotiates, runs it)
#     against `torchx --version` (the same process doing no plugin work) and /bin/true;
#   - `torchx prune -s local_cwd --older-than 3650d --dry-run` over N local_cwd apps (the
#     command lists them through the host's services and deletes none) against `torchx list -s
#     local_cwd` (the built-in verb doing the same list): the ratio is the command layer's cost.
# Usage: bench/commands.sh [BUILD_DIR]   (N=200 RUNS=50 by default; needs hyperfine, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
exe="$(cd "$build_dir" && pwd)/bin/torchx"
[ -x "$exe" ] || { echo "commands.sh: error: $exe not built (run scripts/build.sh)" >&2; exit 1; }
n=${N:-200}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export TORCHX_LOCAL_DIR=$dir/state TORCHX_PLUGIN_POLICY=""
for _ in $(seq 1 "$n"); do "$exe" run --detach --workspace "" -s local_cwd utils.echo --msg hi >/dev/null 2>&1; done
listed=$("$exe" list -s local_cwd --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$listed" = "$n" ] || { echo "commands.sh: error: $listed of $n apps listed" >&2; exit 1; }
mkdir -p bench/results
out=bench/results/commands.json
hyperfine -N --warmup 3 --runs "${RUNS:-50}" --export-json "$out" --style none --output=null \
  /bin/true "$exe --version" "$exe prune --help" "$exe list -s local_cwd" \
  "$exe prune -s local_cwd --older-than 3650d --dry-run" >/dev/null 2>&1
python3 - "$out" "$n" <<'PY'
import json, sys
results = {r["command"].split("/")[-1]: r["median"] for r in json.load(open(sys.argv[1]))["results"]}
print(f"{sys.argv[2]} local_cwd apps; medians, ratios from this one run")
print(f"{'command':<58} {'median':>9} {'ratio':>22}")
rows = [("true", None, None), ("torchx --version", "true", "/bin/true"),
        ("torchx prune --help", "torchx --version", "--version"),
        ("torchx list -s local_cwd", None, None),
        ("torchx prune -s local_cwd --older-than 3650d --dry-run", "torchx list -s local_cwd", "list -s local_cwd")]
for name, floor, label in rows:
    m = results[name]
    ratio = f"{m / results[floor]:.2f}x {label}" if floor else ""
    print(f"{name:<58} {m * 1e3:>7.2f}ms {ratio:>22}")
print(f"torchx prune --help vs /bin/true: {results['torchx prune --help'] / results['true']:.2f}x")
PY
