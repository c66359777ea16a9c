#!/usr/bin/env bash
# Installs only what building torchx needs, builds the product (no tests), and runs a real job:
# utils.echo on the local_cwd scheduler (waits for it and streams its log).
# `scripts/test.sh` installs the rest (doctest, PyTorch, Slurm, ...) and builds the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh --build-only
TORCHX_BUILD_TESTS=OFF scripts/build.sh build
build/bin/torchx run -s local_cwd utils.echo
