#!/usr/bin/env bash
# Starts a container registry on this machine for the workspace-push tests (kubernetes'
# image_repo): Debian's docker-registry (distribution 2.8) on 127.0.0.1:5000, plain HTTP, images
# kept under a state directory; and tells the container engine (Podman) that localhost:5000 and
# 127.0.0.1:5000 speak plain HTTP. Installs the package if missing. Idempotent: a re-run with
# everything up checks it and changes nothing. See docs/kubernetes.md, "Workspaces and image_repo".
#   1. package: docker-registry (its own service is not started: there is no systemd here)
#   2. $TORCHX_REGISTRY_STATE/config.yml: listen address, filesystem storage, deletes allowed
#   3. `docker-registry serve` in the background (log: /var/log/torchx-registry/registry.log),
#      until GET /v2/ answers
#   4. /etc/containers/registries.conf.d/torchx-test-registry.conf: both names insecure (plain
#      HTTP). Podman's API service reads that directory once, when it starts: a service started
#      before the file was written is restarted (scripts/start-container-engine.sh starts it again)
# /tmp/registry-ready (key=value lines) names the registry once it answers.
# Usage: scripts/start-registry.sh   (as root)
# Env: TORCHX_REGISTRY_PORT (5000), TORCHX_REGISTRY_STATE (/var/lib/torchx-registry)
# Any failure ends in one line "start-registry.sh: error: ..." and exit status 1.
set -euo pipefail
me=start-registry.sh
[ $# -eq 0 ] || { echo "$me: error: takes no arguments (got '$1'); see the header of $0" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "$me: error: run as root (it installs a package and writes /etc/containers)" >&2; exit 1; }

root=$(cd "$(dirname "$0")/.." && pwd)
port=${TORCHX_REGISTRY_PORT:-5000}
case "$port" in ''|*[!0-9]*) echo "$me: error: TORCHX_REGISTRY_PORT '$port' is not a port number" >&2; exit 1 ;; esac
addr=127.0.0.1:$port
state=${TORCHX_REGISTRY_STATE:-/var/lib/torchx-registry}
logdir=/var/log/torchx-registry
config=$state/config.yml
ready=/tmp/registry-ready
dropin=/etc/containers/registries.conf.d/torchx-test-registry.conf
marker='# Written by torchx scripts/start-registry.sh'

log() { echo "$me: $*" >&2; }
fail() { echo "$me: error: $*" >&2; exit 1; }
t0=$(date +%s%N)

mkdir -p "$state/data" "$logdir"
# One run at a time.
exec 8>/run/torchx-registry.lock
flock 8

# 1. The package (the lists are refreshed only if the install fails).
if [ "$(dpkg-query -W -f='${db:Status-Status}' docker-registry 2>/dev/null || true)" != installed ]; then
  log "installing docker-registry"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends docker-registry curl >"$logdir/apt.log" 2>&1 || {
    apt-get update -q >>"$logdir/apt.log" 2>&1
    apt-get install -y -q --no-install-recommends docker-registry curl >>"$logdir/apt.log" 2>&1
  } || fail "could not install docker-registry: $(tail -n 1 "$logdir/apt.log") (log: $logdir/apt.log)"
fi
command -v docker-registry >/dev/null || fail "no docker-registry after installing it"
command -v curl >/dev/null || fail "no curl (apt-get install curl)"

# 2. Its configuration: ours, beside its data (the package's /etc/docker/registry is left alone).
new_config=$(cat <<CONF
$marker: the local test registry, plain HTTP on
# the loopback interface only. Rewritten by each run of that script.
version: 0.1
log:
  level: info
  fields:
    service: torchx-test-registry
storage:
  filesystem:
    rootdirectory: $state/data
  delete:
    enabled: true
http:
  addr: $addr
  headers:
    X-Content-Type-Options: [nosniff]
CONF
)
config_changed=no
if [ ! -f "$config" ] || [ "$(cat "$config")" != "$new_config" ]; then
  printf '%s\n' "$new_config" > "$config"
  config_changed=yes
  log "wrote $config"
fi

# 3. The registry. Running = a docker-registry serving our config (not a zombie); up = it answers.
answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$addr/v2/" 2>/dev/null)" = 200 ]; }
registry_pids() {
  local pid
  for pid in $(pgrep -x docker-registry || true); do
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && continue
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "serve $config" && echo "$pid"
  done
  return 0
}
pids=$(registry_pids)
if [ -n "$pids" ] && [ "$config_changed" = yes ]; then
  log "settings changed: restarting the registry (pid $pids)"
  # shellcheck disable=SC2086
  kill $pids 2>/dev/null || true
  for _ in $(seq 1 50); do [ -z "$(registry_pids)" ] && break; sleep 0.1; done
  pids=$(registry_pids)
  [ -z "$pids" ] || fail "the registry (pid $pids) did not stop"
fi
if [ -z "$pids" ] && answers; then
  log "http://$addr/v2/ answers, served by a process this script did not start: using it"
elif [ -z "$pids" ]; then
  if busy=$(ss -Htln "sport = :$port" 2>/dev/null) && [ -n "$busy" ]; then
    fail "port $port is taken by something that is not a registry (set TORCHX_REGISTRY_PORT): $busy"
  fi
  log "starting docker-registry on $addr (data: $state/data)"
  # No stdio of ours and not our lock (fd 8): a caller reading our output must see its end.
  (cd "$state" && setsid -f docker-registry serve "$config" </dev/null >>"$logdir/registry.log" 2>&1 8>&-)
fi
for _ in $(seq 1 100); do answers && break; sleep 0.1; done
answers || fail "the registry did not answer GET http://$addr/v2/ within 10 s: $(tail -n 1 "$logdir/registry.log" 2>/dev/null) \
(log: $logdir/registry.log)"

# 4. The engine: plain HTTP for both names of the registry (podman 4.3 reads
# registries.conf.d/*.conf; `insecure = true` also allows HTTP, not only unverified TLS).
new_dropin=$(cat <<CONF
$marker: the local test registry
# speaks plain HTTP. Rewritten by each run of that script.
[[registry]]
location = "localhost:$port"
insecure = true

[[registry]]
location = "127.0.0.1:$port"
insecure = true
CONF
)
if [ -f "$dropin" ] && ! grep -qF "$marker" "$dropin"; then
  cp "$dropin" "$dropin.before-torchx.$(date +%s)"
  log "backed up a $dropin this script did not write"
fi
if [ ! -f "$dropin" ] || [ "$(cat "$dropin")" != "$new_dropin" ]; then
  mkdir -p "$(dirname "$dropin")"
  printf '%s\n' "$new_dropin" > "$dropin"
  log "wrote $dropin"
fi
# Podman's API service caches the registries configuration from its first use: one that started
# before the drop-in was written pushes over HTTPS and fails ("server gave HTTP response to HTTPS
# client"). Restarted under the engine script's lock, then started again by that script.
dropin_mtime=$(stat -c %Y "$dropin")
boot=$(awk '/^btime/ {print $2}' /proc/stat)
ticks=$(getconf CLK_TCK)
stale=()
exec 9>/run/torchx-engine.lock
flock 9
for pid in $(pgrep -x podman || true); do
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "system service" || continue
  started=$(awk -v b="$boot" -v t="$ticks" '{print int(b + $22 / t)}' "/proc/$pid/stat" 2>/dev/null || echo 0)
  [ "$started" -le "$dropin_mtime" ] && stale+=("$pid")
done
if [ ${#stale[@]} -gt 0 ]; then
  log "restarting Podman's API service (pid ${stale[*]}): it started before $dropin (running containers keep running)"
  kill "${stale[@]}" 2>/dev/null || true
  for _ in $(seq 1 50); do
    alive=no
    for pid in "${stale[@]}"; do [ -d "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] && alive=yes; done
    [ "$alive" = no ] && break
    sleep 0.1
  done
  exec 9>&-
  # Not our lock (fd 8): the service it starts would hold it for good.
  "$root/scripts/start-container-engine.sh" --no-runtime-image >"$logdir/engine-restart.log" 2>&1 8>&- ||
    fail "the engine did not start again: $(tail -n 1 "$logdir/engine-restart.log") (log: $logdir/engine-restart.log)"
else
  exec 9>&-
fi

printf '%s\n' "registry=localhost:$port" "url=http://$addr" "data=$state/data" > "$ready.tmp"
mv -f "$ready.tmp" "$ready"
log "ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms: http://$addr (push to localhost:$port/<repository>)"
