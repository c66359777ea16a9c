#!/usr/bin/env bash
# Creates N real, finished local_cwd apps in $TORCHX_LOCAL_DIR with the real product: each is a
# `torchx run -s local_cwd utils.echo` run to its end (so every file a real app has is there).
# Usage: TORCHX=build/bin/torchx TORCHX_LOCAL_DIR=DIR bench/make-local-apps.sh N
# Env: TORCHX (the binary; default build/bin/torchx), TORCHX_LOCAL_DIR (required), JOBS (parallel
# runs, default 2). Prints nothing on success; exits 1 with one line if a run fails.
set -euo pipefail
n=${1:?usage: make-local-apps.sh N}
case $n in ''|*[!0-9]*) echo "make-local-apps.sh: error: N must be a number, found '$n'" >&2; exit 2;; esac
exe=${TORCHX:-$(cd "$(dirname "$0")/.." && pwd)/build/bin/torchx}
[ -x "$exe" ] || { echo "make-local-apps.sh: error: $exe is not an executable (set TORCHX)" >&2; exit 1; }
[ -n "${TORCHX_LOCAL_DIR:-}" ] || { echo "make-local-apps.sh: error: set TORCHX_LOCAL_DIR" >&2; exit 1; }
export TORCHX_EXE=$exe LOGLEVEL=ERROR TORCHX_LOCAL_DIR
work=$(mktemp -d /tmp/torchx-make-apps-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
# `run` waits for the app's end; its stdout (the handle and the echo) is not kept.
seq "$n" | xargs -P "${JOBS:-2}" -n 100 sh -c \
  'for i in "$@"; do "$TORCHX_EXE" run -s local_cwd utils.echo --msg "app $i" >/dev/null 2>&1 ||
     { echo "make-local-apps.sh: error: run $i failed" >&2; exit 255; }; done' sh
