#!/usr/bin/env bash
# The SDK as a third party gets it: copies the plugin template from the staged install (not from
# the source tree), builds it with find_package(torchx) against that install only, installs it
# into its own prefix, and runs jobs through it with the installed torchx.
# Usage: run.sh CMAKE STAGE WORK
source "$(dirname "$0")/../packaging/lib.sh"
cmake=$1 stage=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
hermetic_env "$work"
export EXAMPLE_SH_DIR=$work/example-apps

cp -r "$stage/share/doc/torchx/plugin-template" "$work/src"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
"$cmake" -S "$work/src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
  -DCMAKE_PREFIX_PATH="$stage" -DCMAKE_INSTALL_PREFIX="$work/prefix" >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; fail "the template does not configure against the staged install"; }
"$cmake" --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "the template does not build"; }
"$cmake" --install "$work/build" >/dev/null
expect_file "$work/prefix/lib/torchx/plugins/libtorchx_plugin_example.so" "$work/prefix/share/torchx/plugins.d/example.json"
echo "ok: the template builds and installs against the staged install"

# The library exports tx_plugin_negotiate and nothing else.
exports=$(nm -D --defined-only "$work/prefix/lib/torchx/plugins/libtorchx_plugin_example.so" | awk '{print $3}')
[[ $exports == tx_plugin_negotiate ]] || fail "exports other than tx_plugin_negotiate: $exports"
echo "ok: one export"

# A site prefix on XDG_DATA_DIRS is on the search path: no flag needed.
export XDG_DATA_DIRS=$work/prefix/share
torchx=$stage/bin/torchx
expect_contains "$("$torchx" plugins 2>&1)" "schedulers: example_sh" "the installed torchx finds the plugin"
expect_contains "$("$torchx" plugins check example 2>&1)" "ok      example" "plugins check loads it"
# The template's own ctest runs the installed conformance harness on it.
[[ -x $stage/bin/torchx-plugin-conformance ]] || fail "the staged install has no bin/torchx-plugin-conformance"
(cd "$work/build" && "$(dirname "$cmake")/ctest" --output-on-failure >"$work/ctest.log" 2>&1) || { cat "$work/ctest.log"; fail "the template fails the conformance harness"; }
expect_contains "$(cat "$work/ctest.log")" "100% tests passed" "the template passes the installed conformance harness (its ctest)"

run_echo_job "$torchx" example_sh
# The template's command: listed by --help from the manifest, and working through the services.
expect_contains "$("$torchx" --help 2>&1)" "example-apps" "torchx --help lists the template's command"
expect_contains "$("$torchx" example-apps 2>&1)" "example_sh://" "the template's command lists the apps through the host's services"

# A failing job is reported as failed, with its output.
out=$("$torchx" run -s example_sh --wait --log utils.sh sh -c 'echo before-failing; exit 3' 2>&1) && fail "a failing job exited 0: $out"
expect_contains "$out" "before-failing" "the failing job's log is shown"
expect_contains "$out" "ended FAILED" "the failing job is reported FAILED"
failed=$(grep -o '^example_sh://[^ ]*' <<<"$out" | head -n1)
expect_contains "$("$torchx" status "$failed" 2>&1)" "sh/0 exited with 3" "its status says which replica failed and how"

# Cancel stops a running job and is idempotent.
handle=$("$torchx" run -s example_sh utils.sh sleep 300 2>/dev/null)
"$torchx" cancel "$handle" 2>/dev/null
"$torchx" cancel "$handle" 2>/dev/null
expect_contains "$("$torchx" status "$handle")" "State: CANCELLED" "cancel (twice) leaves the job CANCELLED"
for _ in $(seq 100); do pgrep -f "$EXAMPLE_SH_DIR" >/dev/null || break; sleep 0.1; done
! pgrep -f "$EXAMPLE_SH_DIR" >/dev/null || fail "a cancelled replica is still running"

# The HTTP client from the install: torchx::http_tls (OpenSSL found by the package config) reaches
# https://; torchx::http alone links no OpenSSL and says so for https.
mkdir -p "$work/http"
cat >"$work/http/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(http_consumer CXX)
find_package(torchx REQUIRED)
add_executable(get_tls get.cpp)
target_link_libraries(get_tls PRIVATE torchx::http_tls)
add_executable(get_plain get.cpp)
target_link_libraries(get_plain PRIVATE torchx::http)
CMAKE
cat >"$work/http/get.cpp" <<'CPP'
#include <torchx/http/client.hpp>
#include <iostream>
int main(int, char** argv) {
  try {
    torchx::http::Client c(torchx::http::Endpoint::parse(argv[1]), std::chrono::seconds(3));
    std::cout << c.request("GET", "/").status << "\n";
  } catch (const std::exception& e) {
    std::cout << e.what() << "\n";
  }
}
CPP
"$cmake" -S "$work/http" -B "$work/http/build" -G Ninja "${launcher[@]}" -DCMAKE_PREFIX_PATH="$stage" >"$work/http.log" 2>&1 &&
  "$cmake" --build "$work/http/build" >>"$work/http.log" 2>&1 || { cat "$work/http.log"; fail "torchx::http(_tls) do not link against the staged install"; }
expect_contains "$("$work/http/build/get_tls" https://127.0.0.1:1)" "cannot connect to https://127.0.0.1:1: Connection refused" \
  "torchx::http_tls from the install speaks https"
expect_contains "$("$work/http/build/get_plain" https://127.0.0.1:1)" "built without TLS (link torchx::http_tls)" \
  "torchx::http alone has no TLS and says so"
echo "PASS"
