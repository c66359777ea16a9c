#!/usr/bin/env bash
# Creates N real, finished local_cwd apps by running the real product: `torchx run -s local_cwd
# utils.echo` N times, JOBS at a time (default 2), each to finished. For the benchmarks of `list`
# and `status` at scale (bench/scale.sh).
# Usage: TORCHX_LOCAL_DIR=DIR [TORCHX=path/to/torchx] bench/make-local-apps.sh N
#   TORCHX_LOCAL_DIR  the state root the apps go to (required: never the user's own state)
#   TORCHX            the torchx binary (default: build/bin/torchx of this checkout)
# Prints one line with the number of apps created and the time it took; exit 1 if any run failed.
set -euo pipefail
n=${1:-}
[[ "$n" =~ ^[0-9]+$ ]] || { echo "make-local-apps.sh: error: usage: bench/make-local-apps.sh N (N a number, got '${n}')" >&2; exit 2; }
[ -n "${TORCHX_LOCAL_DIR:-}" ] || { echo "make-local-apps.sh: error: set TORCHX_LOCAL_DIR (the apps' state root)" >&2; exit 2; }
torchx=${TORCHX:-$(cd "$(dirname "$0")/.." && pwd)/build/bin/torchx}
[ -x "$torchx" ] || { echo "make-local-apps.sh: error: '$torchx' is not an executable (set TORCHX)" >&2; exit 1; }
export TORCHX_LOCAL_DIR LOGLEVEL=ERROR
start=$(date +%s.%N)
# Batches of 100 runs per shell: N forks of sh would cost more than the runs.
# A run prints the app's output on stderr: shown only when the run fails.
seq 1 "$n" | xargs -P "${JOBS:-2}" -n 100 sh -c '
  for _ in "$@"; do
    err=$("$0" run -s local_cwd utils.echo 2>&1 >/dev/null) || { printf "%s\n" "$err" >&2; exit 255; }
  done' "$torchx" ||
  { echo "make-local-apps.sh: error: a 'torchx run -s local_cwd utils.echo' failed (see above)" >&2; exit 1; }
echo "make-local-apps.sh: $n apps in $TORCHX_LOCAL_DIR ($(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)") s)"
