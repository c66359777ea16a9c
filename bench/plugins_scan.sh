#!/usr/bin/env bash
# Discovery at scale: `torchx plugins` (and `plugins --json`, `builtins`, `--help`: each reads every
# manifest) with N manifests installed (default 1000) in one directory
# (from the discovery cache, and without it: TORCHX_PLUGIN_CACHE=0),
# against the physical floor of reading the same files (`cat DIR/*.json`, one fork/exec that
# opens and reads every manifest) and a bare fork/exec of /bin/true.
# Each manifest is a distinct plugin providing one scheduler; no library is opened (listing reads
# manifests only), so the libraries need not exist.
# Usage: bench/plugins_scan.sh [BUILD_DIR]   (N=1000 RUNS=100 by default; needs hyperfine, python3)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup plugins_scan.sh "${1:-}"
n=${N:-1000}
bench_workdir
dir=$work
bench_make_manifests "$dir/plugins.d" "$n"
# The discovery cache (docs/design-notes.md) in the bench's own dir; a manifest younger than a
# second is not kept (timestamp granularity), so wait that long before the first (cache-building) run.
export XDG_CACHE_HOME=$dir/cache
sleep 1.1
# Sanity: torchx sees all of them.
found=$(TORCHX_PLUGIN_SYSTEM_PATH=$dir/plugins.d "$exe" plugins --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["plugins"]))')
[ "$found" = "$n" ] || { echo "plugins_scan.sh: error: torchx found $found of $n plugins" >&2; exit 1; }
mkdir -p bench/results
out=bench/results/plugins_scan.json
export TORCHX_PLUGIN_SYSTEM_PATH=$dir/plugins.d
hyperfine -N --warmup 5 --runs "${RUNS:-100}" --export-json "$out" --style none --output=null \
  /bin/true "cat $(printf '%s ' "$dir"/plugins.d/*.json)" "$exe plugins" "$exe plugins --json" "$exe builtins" "$exe --help" \
  "env TORCHX_PLUGIN_CACHE=0 $exe plugins" >/dev/null 2>&1
python3 - "$out" "$n" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
n = sys.argv[2]
floor = {r["command"].split()[0].split("/")[-1]: r["median"] for r in results}
print(f"{n} manifests")
# CPU time (user + system, hyperfine's means) too: on a shared machine the wall clock waits for
# other processes, the CPU time much less.
print(f"{'command':<26} {'median':>10} {'vs cat':>8} {'vs /bin/true':>13} {'cpu':>9}")
for r in results:
    words = r["command"].split()
    name = "cat <all manifests>" if words[0] == "cat" else " ".join(w.split("/")[-1] for w in words)
    name = name.replace("env TORCHX_PLUGIN_CACHE=0 torchx", "torchx (no cache)")
    print(f"{name:<26} {r['median'] * 1e3:>8.2f}ms {r['median'] / floor['cat']:>7.2f}x {r['median'] / floor['true']:>12.2f}x {(r['user'] + r['system']) * 1e3:>7.2f}ms")
PY
