#!/usr/bin/env bash
# Installs what is needed, builds, and runs the most real thing this build can do.
# The real job: utils.echo on the local_cwd scheduler (waits for it and streams its log).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
scripts/build.sh build
build/bin/torchx run -s local_cwd utils.echo
