#!/usr/bin/env bash
# The issue's own words, checked: `torchx run -s kubernetes --dryrun dist.ddp -j 2x2 --script
# train.py` prints a manifest that the vendored schemas accept, for both job kinds (the YAML after
# "=== SCHEDULER REQUEST ===", through validate.mjs with unknown fields refused at every object).
# No cluster and no kubeconfig: dryrun contacts nothing.
# Usage: cli-dryrun-check.sh TORCHX CHECK_DIR (setup-schema-check.sh's DIR) WORK_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
torchx=$1 check_dir=$2 work=$3
rm -rf "$work" && mkdir -p "$work/home" "$work/cwd"
echo 'print("hello")' >"$work/cwd/train.py"
files=()
for kind in volcano batch; do
  out="$work/dryrun-$kind.txt"
  cfg=()
  [ "$kind" = batch ] && cfg=(-cfg job_kind=batch)
  (cd "$work/cwd" && env -u KUBECONFIG -u TORCHXCONFIG HOME="$work/home" XDG_CACHE_HOME="$work/cache" \
    "$torchx" run -s kubernetes --dryrun "${cfg[@]}" dist.ddp -j 2x2 --script train.py) >"$out"
  sed -n '/^=== SCHEDULER REQUEST ===$/,$p' "$out" | tail -n +2 >"$work/$kind.yaml"
  want=$([ "$kind" = volcano ] && echo 'apiVersion: batch.volcano.sh/v1alpha1' || echo 'apiVersion: batch/v1')
  grep -qx "$want" "$work/$kind.yaml" || { echo "FAIL: $kind dryrun has no '$want' document:"; cat "$out"; exit 1; }
  files+=("$work/$kind.yaml")
done
node "$check_dir/validate.mjs" --crd "$here/schemas/batch.volcano.sh_jobs.yaml" --mutate "${files[@]}"
echo "torchx run -s kubernetes --dryrun dist.ddp -j 2x2: both kinds' manifests pass the schemas"
