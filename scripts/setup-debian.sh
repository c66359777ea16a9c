#!/usr/bin/env bash
# Installs what torchx needs on Debian 12 (run as root). Idempotent: packages already present are
# not reinstalled, and the package lists are refreshed only when something is missing.
# Usage: scripts/setup-debian.sh [--build-only]
#   (default)      everything to build, test and package (what scripts/test.sh and CI need)
#   --build-only   only what building torchx and running a local job needs (scripts/quickstart.sh):
#                  no doctest, PyTorch, hyperfine or packaging tools
set -euo pipefail

# Build: C++20 toolchain, CMake + Ninja, ccache; Boost 1.81 (1.74 has no Boost.JSON; DLL and
# Process are header-only parts of libboost1.81-dev), spdlog, doctest; OpenSSL 3 for the HTTP
# client's TLS (torchx::http_tls, the kubernetes plugin); tests: the openssl CLI makes the TLS tests' certificates.
# Run and test: hyperfine for bench/, python (TorchX components run `python`) and Debian's
# PyTorch for real `torchrun` end-to-end tests, pytest for the Python API (tests/python).
# Packaging: dpkg-dev (dpkg-shlibdeps) and file for CPack's .deb, groff-base to lint the man page.
# Kubernetes manifests (tests/k8s, tests/python/test_k8s_yaml.py): node + npm for the schema check
# (its modules come from `npm ci`), PyYAML to compare our YAML with TorchX's printer.
build_packages=(
  g++ cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
  libspdlog-dev libinih-dev libyaml-cpp-dev libre2-dev libssl-dev
  libyaml-dev  # plugins/kubernetes reads kubeconfigs with libyaml.a (Debian's libyaml-cpp.a is not PIC)
)
test_packages=(
  doctest-dev hyperfine python-is-python3 python3-torch python3-pytest openssl
  dpkg-dev file groff-base
  nodejs python3-yaml
  # fuzz/ (scripts/fuzz.sh): libFuzzer and the sanitizer runtimes; clang-14 cannot build the host
  clang-16 libclang-rt-16-dev
  # the local registry the workspace-push tests push to (scripts/start-registry.sh)
  docker-registry
)
case "${1:-}" in
  "") packages=("${build_packages[@]}" "${test_packages[@]}") ;;
  --build-only) packages=("${build_packages[@]}") ;;
  *) echo "setup-debian.sh: error: unknown option '$1' (expected --build-only or nothing)" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-debian.sh: error: run as root (it installs Debian packages)" >&2
  exit 1
fi
if ! grep -q 'VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null; then
  echo "setup-debian.sh: warning: made for Debian 12 (bookworm); going on anyway" >&2
fi
# Never install libboost-dev / libboost-all-dev: those are 1.74 and remove the 1.81 packages.

# NodeSource's nodejs (node 20) carries npm; Debian's nodejs needs the npm package, which must not
# replace NodeSource's: ask for it only where there is no npm command.
if [ -z "${1:-}" ] && ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-debian.sh: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup-debian.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
