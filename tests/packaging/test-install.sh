#!/usr/bin/env bash
# The install layout: every file where packaging/README.md says, a relocatable prefix (copied
# elsewhere, it still finds its plugins and runs a local job), pkg-config, bash completion and the
# man page. Usage: test-install.sh STAGE WORK
source "$(dirname "$0")/lib.sh"
stage=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
hermetic_env "$work"

expect_file "$stage/bin/torchx" \
  "$stage/lib/torchx/plugins/libtorchx_plugin_local.so" "$stage/lib/torchx/plugins/libtorchx_plugin_slurm.so" \
  "$stage/lib/torchx/plugins/libtorchx_plugin_builtins.so" "$stage/lib/torchx/libexec/torchx-local-supervisor" \
  "$stage/lib/torchx/plugins/libtorchx_plugin_docker.so" "$stage/share/torchx/plugins.d/docker.json" \
  "$stage/include/torchx/http/client.hpp" "$stage/lib/libtorchx_http.a" \
  "$stage/include/torchx/containers/push.hpp" "$stage/lib/libtorchx_containers.a" \
  "$stage/share/torchx/plugins.d/local.json" "$stage/share/torchx/plugins.d/slurm.json" \
  "$stage/share/torchx/plugins.d/builtins.json" "$stage/share/torchx/python/torchx/apps/utils/copy_main.py" \
  "$stage/include/torchx/plugin_api.h" "$stage/include/torchx/plugin.hpp" "$stage/include/torchx/specs/role.hpp" \
  "$stage/lib/libtorchx_specs.a" "$stage/lib/cmake/torchx/torchxConfig.cmake" \
  "$stage/lib/cmake/torchx/torchxConfigVersion.cmake" "$stage/lib/cmake/torchx/TorchxPlugin.cmake" \
  "$stage/lib/pkgconfig/torchx.pc" "$stage/share/bash-completion/completions/torchx" \
  "$stage/share/man/man1/torchx.1" "$stage/share/doc/torchx/plugin-template/example_scheduler.cpp" \
  "$stage/lib/python3/dist-packages/torchx/__init__.py" "$stage/lib/python3/dist-packages/torchx/version.py" \
  "$stage/lib/python3/dist-packages/torchx/_evaluate.py" "$stage/lib/python3/dist-packages/torchx/specs/api.py"

# Manifests point at their libraries relatively: nothing in the prefix names the prefix.
if grep -rl "$stage" "$stage/share/torchx/plugins.d" "$stage/lib/pkgconfig" "$stage/lib/cmake"; then
  fail "files above name the staging prefix (not relocatable)"
fi
echo "ok: no installed manifest, .pc or CMake file names the prefix"

# Relocated: a copy of the prefix works from its new place.
cp -a "$stage" "$work/moved"
torchx=$work/moved/bin/torchx
plugins=$("$torchx" plugins 2>&1)
expect_contains "$plugins" "$work/moved/share/torchx/plugins.d/local.json" "the moved prefix finds its own plugins"
[[ $plugins != *"$stage/"* ]] || fail "the moved prefix still uses $stage: $plugins"
check=$("$torchx" plugins check 2>&1) || fail "plugins check failed in the moved prefix: $check"
expect_contains "$check" "ok      local" "the moved prefix's plugins load"
run_echo_job "$torchx" local_cwd
run_python_component "$torchx"

run_python_runner "$work/moved"

# pkg-config: compiles and links a program against the SDK with the flags it gives.
export PKG_CONFIG_PATH=$work/moved/lib/pkgconfig
expect_contains "$(pkg-config --modversion torchx)" "$("$torchx" --version | sed 's/^torchx-//')" "pkg-config version = torchx --version"
expect_contains "$(realpath -m "$(pkg-config --variable=plugindir torchx)")" "$work/moved/lib/torchx/plugins" "pkg-config plugindir follows the prefix"
cat >"$work/pc.cpp" <<'CPP'
#include <torchx/specs/role.hpp>
#include <torchx/specs/json.hpp>
#include <cstdio>
int main() {
  torchx::specs::AppDef app;
  app.name = "pc";
  std::puts(torchx::specs::to_json(app).c_str());
}
CPP
# shellcheck disable=SC2046
g++ -std=c++20 "$work/pc.cpp" $(pkg-config --cflags --libs torchx) -o "$work/pc" || fail "cannot build with pkg-config flags"
expect_contains "$("$work/pc")" '"name":"pc"' "a program built with pkg-config's flags runs"
# The containers library (torchx::containers over torchx::http) links from the install alone, and
# its public headers include no Boost (DESIGN §11: Boost stays in the library's sources).
if grep -l '#include <boost' "$work/moved/include/torchx/containers/"*.hpp; then
  fail "an installed torchx/containers header (above) includes Boost"
fi
cat >"$work/containers.cpp" <<'CPP'
#include <torchx/containers/image_reference.hpp>
#include <torchx/containers/push.hpp>
#include <torchx/containers/registry_auth.hpp>
#include <torchx/containers/workspace_image.hpp>
#include <cstdio>
int main() {
  std::puts(torchx::containers::parse_repository("localhost:5000/team/app").registry().c_str());
  std::puts(torchx::containers::content_hash("").c_str());
}
CPP
# shellcheck disable=SC2046
g++ -std=c++20 "$work/containers.cpp" $(pkg-config --cflags torchx) -L"$work/moved/lib" -ltorchx_containers -ltorchx_http \
  $(pkg-config --libs torchx) -pthread -o "$work/containers" || fail "cannot build a program against the installed torchx_containers"
expect_contains "$("$work/containers")" "localhost:5000" "a program linked with the installed libtorchx_containers.a runs"

# A plugin built without CMake: pkg-config's plugin flags give the same one-export library.
mkdir -p "$work/pc-plugin/plugins.d"
# shellcheck disable=SC2046
g++ -shared -fPIC $(pkg-config --variable=plugin_cxxflags torchx) $(pkg-config --cflags torchx) \
  -DTORCHX_PLUGIN_NAME='"example"' -DTORCHX_PLUGIN_VERSION='"0.1.0"' \
  "$work/moved/share/doc/torchx/plugin-template/example_scheduler.cpp" \
  $(pkg-config --libs torchx) $(pkg-config --variable=plugin_ldflags torchx) -o "$work/pc-plugin/libtorchx_plugin_example.so" ||
  fail "cannot build the template with pkg-config's plugin flags"
exports=$(nm -D --defined-only "$work/pc-plugin/libtorchx_plugin_example.so" | awk '{print $3}')
[[ $exports == tx_plugin_negotiate ]] || fail "pkg-config-built plugin exports more than tx_plugin_negotiate: $(wc -l <<<"$exports") symbols"
cat >"$work/pc-plugin/plugins.d/example.json" <<'JSON'
{"file_format_version": "1.2.0",
 "plugin": {"name": "example", "version": "0.1.0", "library_path": "../libtorchx_plugin_example.so",
            "abi_versions": [1], "provides": {"schedulers": ["example_sh"],
            "commands": [{"name": "example-apps", "description": "list the example_sh apps and their state"}]}}}
JSON
expect_contains "$("$torchx" --plugin-path "$work/pc-plugin/plugins.d" plugins check example 2>&1)" "ok      example" \
  "a plugin built with pkg-config's plugin flags exports one symbol and loads"

# bash completion: verbs, and scheduler names read from the manifests.
completions() {
  PATH=$work/moved/bin:$PATH bash -c "source '$work/moved/share/bash-completion/completions/torchx'
    COMP_WORDS=($1); COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1)); _torchx; echo \"\${COMPREPLY[*]}\""
}
expect_contains "$(completions 'torchx ru')" "run" "completion of a verb"
expect_contains "$(completions 'torchx run -s lo')" "local_cwd" "completion of a scheduler name"
expect_contains "$(completions 'torchx run -s local_cwd utils.ec')" "utils.echo" "completion of a component name"

# The man page renders without warnings.
warnings=$(groff -man -ww -z "$work/moved/share/man/man1/torchx.1" 2>&1)
[[ -z $warnings ]] || fail "groff warnings in torchx.1: $warnings"
echo "ok: the man page renders without warnings"
echo "PASS"
