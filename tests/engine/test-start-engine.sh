#!/usr/bin/env bash
# scripts/start-container-engine.sh against the engine it started: a re-run changes nothing, is
# quick and returns (the service does not hold its caller's output); its images run, by the CLI
# and as the API socket lists them; the builtins' default image is our runtime and imports the
# job-side apps even under a role's own PYTHONPATH; a mirror that does not answer is one line.
# Without an engine (or not root) it prints TORCHX_TEST_SKIPPED, unless TORCHX_TEST_REQUIRE_DOCKER=1
# (scripts/test.sh, which starts the engine), which makes that a failure.
# Usage: test-start-engine.sh WORK
source "$(dirname "$0")/../packaging/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
script=$root/scripts/start-container-engine.sh
work=$1
socket=${TORCHX_ENGINE_SOCKET:-/run/podman/podman.sock}
rm -rf "$work" && mkdir -p "$work"

skip() {
  local why="no container engine ($1): start one with scripts/start-container-engine.sh, or run scripts/test.sh, which does"
  [ "${TORCHX_TEST_REQUIRE_DOCKER:-}" = 1 ] && fail "$why [TORCHX_TEST_REQUIRE_DOCKER=1]"
  echo "TORCHX_TEST_SKIPPED: $why"
  exit 0
}
[ "$(id -u)" -eq 0 ] || skip "not root"
command -v podman >/dev/null || skip "podman is not installed"
curl -sf --max-time 5 --unix-socket "$socket" http://d/_ping >/dev/null || skip "unix://$socket does not answer"
ready() { sed -n "s/^$1=//p" /tmp/engine-ready 2>/dev/null; }
[ -n "$(ready runtime)" ] || skip "/tmp/engine-ready names no runtime image"
image_id() { podman image inspect --format '{{.Id}}' "$1"; }

# A re-run: exit 0, nothing rebuilt or restarted, the same image ids, well under the first run.
before=$(image_id localhost/torchx-runtime:latest)
start=$(date +%s%N)
# $(...) waits for every holder of the pipe: a service that kept our stdout would hang it.
out=$(timeout 120 "$script" 2>&1) || fail "the re-run failed: $out"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if grep -E ': (installing|wrote|starting|building|importing|debootstrap|settings changed)' <<<"$out"; then
  fail "the re-run changed something:"$'\n'"$out"
fi
echo "ok: a re-run changed nothing ($ms ms)"
[ "$ms" -lt 30000 ] || fail "the re-run took $ms ms (expected seconds: everything is cached)"
[ "$(image_id localhost/torchx-runtime:latest)" = "$before" ] || fail "the re-run rebuilt the runtime image"
echo "ok: the runtime image id is unchanged"

busybox=$(ready busybox) runtime=$(ready runtime) default_image=$(ready default_image)
expect_contains "$(ready socket)" "unix://$socket" "/tmp/engine-ready names the socket"
[ "$default_image" = "$(sed -n 's/.*k_image = "\([^"]*\)".*/\1/p' "$root/components/components.hpp")" ] ||
  fail "/tmp/engine-ready names '$default_image', not the builtins' default image"
expect_contains "$(podman run --rm "$busybox" echo hi 2>&1)" "hi" "podman run --rm $busybox echo hi"
expect_contains "$(podman run --rm --init "$busybox" sh -c 'ulimit -n; which nslookup nc' 2>&1)" \
  "$(ulimit -Hn)" "busybox runs under the host's nofile limit, with nslookup and nc"
[ "$(image_id "$default_image")" = "$(image_id "$runtime")" ] || fail "$default_image is not our runtime image"
echo "ok: $default_image is $runtime"

# The builtins' Python apps, as utils.copy runs them (entrypoint python), and under a role's own
# PYTHONPATH (the .pth file still finds them).
out=$(podman run --rm --network=none "$default_image" python -m torchx.apps.utils.copy_main --src /etc/os-release --dst /tmp/copy 2>&1) ||
  fail "copy_main in $default_image: $out"
expect_contains "$out" "copied /etc/os-release to /tmp/copy" "python -m torchx.apps.utils.copy_main runs in $default_image"
out=$(podman run --rm --network=none -e PYTHONPATH=/elsewhere "$runtime" python3 -c \
  'import torchx.apps.utils.booth_main, torchx.apps.tracking, fsspec; print("imported")' 2>&1) || fail "imports: $out"
expect_contains "$out" "imported" "the job-side modules import under another PYTHONPATH"

# What a Docker client sees through the socket.
images=$(curl -sf --unix-socket "$socket" http://d/v1.41/images/json) || fail "GET /v1.41/images/json failed"
for name in "$busybox" "$runtime" "$default_image"; do expect_contains "$images" "\"$name\"" "the API lists $name"; done

# A mirror that does not answer (a fresh cache, so debootstrap runs): exit 1 with one error line,
# and the engine stays announced as it was.
out=$(TORCHX_ENGINE_CACHE=$work/cache TORCHX_ENGINE_MIRROR=http://127.0.0.1:9/debian timeout 120 "$script" 2>&1) &&
  fail "an unreachable mirror was accepted: $out"
last=$(tail -n 1 <<<"$out")
expect_contains "$last" "start-container-engine.sh: error: debootstrap from http://127.0.0.1:9/debian failed" \
  "an unreachable mirror ends in one error line"
[ "$(grep -c ': error:' <<<"$out")" -eq 1 ] || fail "expected one error line in:"$'\n'"$out"
[ "$(ready runtime)" = "$runtime" ] || fail "/tmp/engine-ready lost the runtime image after a failed run"
echo "ok: /tmp/engine-ready still names $runtime"
rm -rf "$work"
echo PASS
