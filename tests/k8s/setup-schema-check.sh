#!/usr/bin/env bash
# Installs the schema check's node modules (ajv, kubernetes-models, yaml: pinned by
# package-lock.json) with `npm ci` into DIR, next to a copy of validate.mjs (node resolves an ES
# module's imports from the script's own directory). Reinstalls only when the lock file changed.
# Usage: tests/k8s/setup-schema-check.sh [DIR]   (default: tests/k8s itself)
# Needs node >= 18 and npm (scripts/setup-debian.sh) and, the first time, the npm registry.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here}
for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "setup-schema-check.sh: error: '$tool' not found (scripts/setup-debian.sh installs nodejs and npm)" >&2
    exit 1
  fi
done
mkdir -p "$dir"
if [ "$dir" != "$here" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$here/validate.mjs" "$dir/"
fi
stamp="$dir/node_modules/.torchx-lock"
if [ -f "$stamp" ] && cmp -s "$stamp" "$here/package-lock.json"; then
  echo "setup-schema-check.sh: node modules in $dir are up to date"
  exit 0
fi
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
cp "$here/package-lock.json" "$stamp"
echo "setup-schema-check.sh: installed $(cd "$dir" && node -p 'Object.keys(require("./package.json").dependencies).join(", ")') into $dir"
