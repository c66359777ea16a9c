#!/usr/bin/env bash
# Installs what is needed, builds, and runs the most real thing this build can do.
# Until the local_cwd scheduler lands this builds a real AppDef through the bundled builtins
# plugin; then it becomes `build/bin/torchx run -s local_cwd utils.echo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
scripts/build.sh build
build/bin/torchx --version
build/bin/torchx builtins
build/bin/torchx builtins --print utils.echo
