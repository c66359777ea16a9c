#!/usr/bin/env bash
# The .deb: CPack builds it from the build tree; unpacked into a temporary root (not installed),
# its torchx runs, lists its plugins and runs a local job. Usage: test-deb.sh CPACK BUILD_DIR WORK
source "$(dirname "$0")/lib.sh"
cpack=$1 build=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
(cd "$work" && "$cpack" --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(ls "$work"/out/torchx_*.deb)
echo "ok: built $(basename "$deb") ($(du -h "$deb" | cut -f1))"

info=$(dpkg-deb --info "$deb")
expect_contains "$info" "Package: torchx" "package name"
expect_contains "$info" "Depends: " "dependencies from dpkg-shlibdeps"
# Boost.JSON is compiled into everything shipped (cmake/TorchxBuild.cmake, torchx_boost_json_impl).
expect_not_contains "$info" "libboost-json" "no dependency on Boost.JSON's shared library"
contents=$(dpkg-deb --contents "$deb")
expect_contains "$contents" "./usr/bin/torchx" "contains /usr/bin/torchx"
expect_contains "$contents" "./usr/share/torchx/plugins.d/local.json" "contains the bundled manifests"
expect_contains "$contents" "./usr/lib/cmake/torchx/torchxConfig.cmake" "contains the SDK"
expect_contains "$contents" "./usr/lib/python3/dist-packages/torchx/specs/api.py" "contains the Python package where Debian's python3 finds it"

dpkg-deb -x "$deb" "$work/root"
hermetic_env "$work"
torchx=$work/root/usr/bin/torchx
expect_contains "$("$torchx" --version)" "torchx-" "torchx --version from the unpacked .deb"
plugins=$("$torchx" plugins 2>&1)
expect_contains "$plugins" "$work/root/usr/share/torchx/plugins.d/local.json" "torchx plugins lists the packaged plugins"
expect_contains "$plugins" "schedulers: slurm" "the slurm plugin is packaged"
run_echo_job "$torchx" local_cwd
run_python_component "$torchx"
run_python_runner "$work/root/usr"
echo "PASS"
