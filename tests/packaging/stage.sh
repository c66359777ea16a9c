#!/usr/bin/env bash
# Test fixture: a staged install of the build tree (cmake --install --prefix STAGE).
# Usage: stage.sh CMAKE BUILD_DIR STAGE
set -euo pipefail
cmake=$1 build=$2 stage=$3
rm -rf "$stage"
"$cmake" --install "$build" --prefix "$stage" >/dev/null
echo "staged install in $stage"
