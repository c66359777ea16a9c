#!/usr/bin/env bash
# CLI start-up: the median wall time of `torchx --help`, `--version`, `builtins` and `plugins`
# against a bare fork/exec of /bin/true (the physical floor for starting any program), as a ratio.
# `run --dryrun dist.ddp` loads the builtins and the test scheduler, builds and validates the
# AppDef and asks the scheduler for its request.
# `builtins` and `plugins` read manifests (the test plugin's directory via --plugin-path, plus the
# default search path) and dlopen nothing.
# Usage: bench/cli_startup.sh [BUILD_DIR]   (default build/; needs hyperfine and python3)
# Output: a table on stdout; raw hyperfine JSON in bench/results/cli_startup.json.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
exe="$build_dir/bin/torchx"
[ -x "$exe" ] || { echo "cli_startup.sh: error: $exe not built (run scripts/build.sh)" >&2; exit 1; }
plugins="$build_dir/tests/plugins/plugins.d"
mkdir -p bench/results
out=bench/results/cli_startup.json
# -N: no intermediate shell, so each run is one fork/exec of the program itself.
hyperfine -N --warmup 50 --runs "${RUNS:-1000}" --export-json "$out" --style none \
  /bin/true "$exe --help" "$exe --version" \
  "$exe --plugin-path $plugins builtins" "$exe --plugin-path $plugins plugins" \
  "$exe --plugin-path $plugins run -s test_sched --dryrun dist.ddp -j 2x4 --script train.py" >/dev/null 2>&1
python3 - "$out" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
base = results[0]["median"]
print(f"{'command':<32} {'median':>10} {'ratio to /bin/true':>20}")
for r in results:
    name = r["command"].split("/bin/")[-1].replace("--plugin-path ", "")
    name = " ".join(w for w in name.split() if "plugins.d" not in w)
    name = name.replace(" -j 2x4 --script train.py", "").replace("-s test_sched ", "")
    print(f"{name:<32} {r['median'] * 1e3:>8.3f}ms {r['median'] / base:>19.2f}x")
PY
