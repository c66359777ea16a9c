#!/bin/sh
# Regenerates tests/k8s/kubectl-golden/: runs the real kubectl (-v=8) against the API-server stand-in
# for each operation the kubernetes plugin performs, and records what kubectl sent (normalized, see
# golden.py) into <op>.json, with kubectl's -v=8 output as evidence/<op>.log.
# Usage: tests/k8s/record-kubectl.sh [--kubectl PATH]
# Run it after changing the stand-in's discovery or OpenAPI answers, or with a new kubectl; review the
# diff: a changed golden file means kubectl speaks differently, and the plugin's requests must follow.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/kubectl_ops.py" --record "$@"
