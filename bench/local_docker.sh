#!/usr/bin/env bash
# local_docker against the engine's own CLI, as a ratio measured in one run on the same engine:
#   `torchx run -s local_docker utils.echo --image IMAGE` to finished   vs   `podman run --rm IMAGE echo`
# torchx's run tars the (unchanged, empty) workspace to find its image by content, creates,
# starts and follows the container, and leaves it for status/log; each run's app is deleted
# afterwards, outside the timing.
# Usage: bench/local_docker.sh [BUILD_DIR]   Env: RUNS (default 20), IMAGE (localhost/busybox),
# DOCKER_HOST (default: Podman's socket). Needs the engine (scripts/start-container-engine.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
exe="$(pwd)/$build_dir/bin/torchx"
[ -x "$exe" ] || { echo "local_docker.sh: error: $exe not built (run scripts/build.sh)" >&2; exit 1; }
command -v podman >/dev/null || { echo "local_docker.sh: error: podman is not installed (scripts/start-container-engine.sh)" >&2; exit 1; }
image=${IMAGE:-localhost/busybox}
export DOCKER_HOST=${DOCKER_HOST:-unix:///run/podman/podman.sock} LOGLEVEL=ERROR
work=$(mktemp -d /tmp/torchx-bench-XXXXXX)
cleanup() {
  # Every app this bench made (their handles were appended to handles.txt), then the directory.
  while read -r h; do "$exe" delete "$h" >/dev/null 2>&1 || true; done < "$work/handles.txt"
  rm -rf "$work"
}
touch "$work/handles.txt"
trap cleanup EXIT
mkdir "$work/ws"
cd "$work/ws"  # the workspace: nothing the bench writes lands in it
runs=${RUNS:-20}

hyperfine -N --warmup 2 --runs "$runs" --export-json "$work/echo.json" --style none \
  "podman --url $DOCKER_HOST run --rm $image echo hello world" \
  "sh -c '$exe run -s local_docker utils.echo --image $image --msg \"hello world\" >> $work/handles.txt'" >/dev/null 2>&1

python3 - "$work/echo.json" <<'PY'
import json, sys
base, ours = json.load(open(sys.argv[1]))["results"]
print(f"{'measure':<42} {'torchx':>10} {'podman':>10} {'ratio':>8}")
print(f"{'run -s local_docker utils.echo to finished':<42} {ours['median']*1e3:>8.1f}ms {base['median']*1e3:>8.1f}ms "
      f"{ours['median']/base['median']:>7.2f}x")
PY
