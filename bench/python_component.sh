#!/usr/bin/env bash
# Python component files: `torchx run --dryrun my_component.py:ddp ...` (torchx starts python3 on
# the evaluator, which loads the file and builds the AppDef; torchx parses the arguments, validates
# and asks the scheduler for its request) against `python3 -c 'import torchx.specs'` (starting
# the same interpreter and importing the package: the floor of anything done in Python), as a
# ratio. Goal: within 2x. Also confirms that `torchx builtins` and a builtin's dryrun start no
# Python (TORCHX_PYTHON pointed at a program that records being started).
# Usage: bench/python_component.sh [BUILD_DIR]   (default build/; needs hyperfine; PYTHON=python3)
# Output: a table on stdout; raw hyperfine JSON in bench/results/python_component.json.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(realpath "${1:-build}")
exe="$build_dir/bin/torchx"
[ -x "$exe" ] || { echo "python_component.sh: error: $exe not built (run scripts/build.sh)" >&2; exit 1; }
python=${PYTHON:-python3}
plugins="$build_dir/tests/plugins/plugins.d"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp tests/data/python_components/my_component.py "$work/"
mkdir -p bench/results
out=$PWD/bench/results/python_component.json

# No Python for what names no Python file, even with a Python component package's manifest on
# the path (its components are listed from the manifest).
mkdir -m 0755 "$work/pkgs"
printf '{"file_format_version": "1.1.0", "plugin": {"name": "pkg", "version": "1", "python_components": {"pkg.echo": "pkg.c:echo"}}}\n' >"$work/pkgs/pkg.json"
printf '#!/bin/sh\ntouch "%s/started"\nexec %s "$@"\n' "$work" "$python" >"$work/spy"
chmod +x "$work/spy"
(cd "$work" && TORCHX_PYTHON=$work/spy "$exe" --plugin-path "$plugins" --plugin-path "$work/pkgs" builtins | grep -q pkg.echo &&
  TORCHX_PYTHON=$work/spy "$exe" --plugin-path "$plugins" run -s test_sched --dryrun utils.echo >/dev/null)
[ ! -e "$work/started" ] || { echo "python_component.sh: error: torchx builtins or a builtin's dryrun started Python" >&2; exit 1; }
echo "ok: torchx builtins (listing a Python package's components) and run --dryrun utils.echo start no Python"

cd "$work"
TORCHX_PYTHON=$python PYTHONPATH=$build_dir/python hyperfine -N --warmup 5 --runs "${RUNS:-50}" --export-json "$out" --style none \
  "$python -c 'import torchx.specs'" \
  "$exe --plugin-path $plugins run -s test_sched --dryrun my_component.py:ddp --name demo --nnodes 2 --image /tmp --entrypoint echo hello" \
  >/dev/null 2>&1
python3 - "$out" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
base = results[0]["median"]
names = ["python3 -c 'import torchx.specs'", "torchx run --dryrun my_component.py:ddp"]
print(f"{'command':<42} {'median':>10} {'ratio':>8}")
for name, r in zip(names, results):
    print(f"{name:<42} {r['median'] * 1e3:>8.1f}ms {r['median'] / base:>7.2f}x")
PY
