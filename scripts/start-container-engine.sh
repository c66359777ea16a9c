#!/usr/bin/env bash
# Starts a container engine for local_docker on this machine, with no registry: Podman's
# Docker-compatible API on a unix socket, and the images the tests and the builtins need, built
# offline. Installs the Debian packages if missing. Idempotent: a re-run with everything up checks
# it and changes nothing; what is cached (the Debian root filesystem, the images) is rebuilt only
# when its inputs change. See docs/local_docker.md, "The engine".
#   1. packages: podman, runc, busybox-static, catatonit, dnsname, debootstrap, curl
#   2. /etc/containers/containers.conf.d/torchx.conf: runc, ulimits, cgroupfs, file events
#   3. `podman system service` on the socket (log: /var/log/torchx-engine/podman-service.log)
#   4. localhost/busybox:latest, from busybox-static (then /tmp/engine-ready is written)
#   5. our runtime image: Debian bookworm minbase + python3 + torchx's job-side Python runtime,
#      tagged localhost/torchx-runtime:latest and as the builtins' default image
#      (ghcr.io/pytorch/torchx:<version>) unless a real TorchX image already has that name
# /tmp/engine-ready (key=value lines) names the socket and the images once they are usable.
# Usage: scripts/start-container-engine.sh [--no-runtime-image] [--python-dir DIR]   (as root)
#   --python-dir DIR   the job-side Python runtime to put in the image (a build's or an install's
#                      share/torchx/python); default: the source tree's components/python
# Env: TORCHX_ENGINE_SOCKET (/run/podman/podman.sock), TORCHX_ENGINE_CACHE (/var/cache/torchx-engine),
#      TORCHX_ENGINE_MIRROR (the Debian mirror for debootstrap; default: the first in apt's sources)
# Any failure ends in one line "start-container-engine.sh: error: ..." and exit status 1.
set -euo pipefail
me=start-container-engine.sh
runtime_image=yes
python_dir=
while [ $# -gt 0 ]; do
  case "$1" in
    --no-runtime-image) runtime_image=no; shift ;;
    --python-dir) python_dir=${2:?--python-dir needs a directory}; shift 2 ;;
    *) echo "$me: error: unknown option '$1' (usage: [--no-runtime-image] [--python-dir DIR])" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "$me: error: run as root (it installs packages and starts a system service)" >&2; exit 1; }

root=$(cd "$(dirname "$0")/.." && pwd)
socket=${TORCHX_ENGINE_SOCKET:-/run/podman/podman.sock}
cache=${TORCHX_ENGINE_CACHE:-/var/cache/torchx-engine}
logdir=/var/log/torchx-engine
workdir=/var/lib/torchx-engine   # the service's working directory (conmon writes a stray `oom` file there)
ready=/tmp/engine-ready
dropin=/etc/containers/containers.conf.d/torchx.conf
marker='# Written by torchx scripts/start-container-engine.sh'
label=org.pytorch.torchx.engine.hash   # the content hash an image was built from
mkdir -p "$cache" "$logdir" "$workdir" "$(dirname "$socket")"

log() { echo "$me: $*" >&2; }
fail() { echo "$me: error: $*" >&2; exit 1; }
t0=$(date +%s%N)
step_start=$t0
# step_done NAME: prints how long the step took.
step_done() {
  local now
  now=$(date +%s%N)
  log "$(printf '%-34s %6.2f s' "$1" "$(( (now - step_start) / 1000000 ))e-3")"
  step_start=$now
}

# One run at a time: CI, a user and a test may start it together.
exec 9>/run/torchx-engine.lock
flock 9

# remove_tree DIR: removes a debootstrap target. debootstrap mounts /proc and /sys (and may bind
# /dev) inside it, and a run killed midway leaves them mounted: unmount what is under DIR first,
# and never cross into another file system.
remove_tree() {
  local dir=$1 mnt
  [ -d "$dir" ] || return 0
  while IFS= read -r mnt; do
    umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r)
  rm -rf --one-file-system "$dir"
}
# A debootstrap that a killed run left behind.
for d in "$cache"/rootfs.*; do [ -d "$d" ] && remove_tree "$d"; done

# 1. Packages (the lists are refreshed only if an install fails).
packages=(podman runc busybox-static catatonit golang-github-containernetworking-plugin-dnsname debootstrap curl)
missing=()
for p in "${packages[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${missing[@]}" >"$logdir/apt.log" 2>&1 || {
    apt-get update -q >>"$logdir/apt.log" 2>&1
    apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$logdir/apt.log" 2>&1
  } || fail "could not install ${missing[*]}: $(tail -n 1 "$logdir/apt.log") (log: $logdir/apt.log)"
fi
command -v podman >/dev/null || fail "no podman after installing it"
step_done "packages"

# 2. Container settings this kind of machine needs (environment.md §3), as a drop-in so that a
# user's own containers.conf stays as it is (drop-ins are read after it, so ours win on these keys):
# - runc: crun refuses the hybrid cgroup layout ("cgroups in hybrid mode not supported");
# - ulimits: without CAP_SYS_RESOURCE the nofile hard limit cannot be raised past ours (podman asks
#   for 1048576), and podman lowers its own nproc hard limit to 32768;
# - cgroupfs and file events: there is no systemd or journald here.
nofile=$(ulimit -Hn)
[ "$nofile" = unlimited ] && nofile=1048576
new_conf=$(cat <<CONF
$marker: local_docker's engine on a machine
# without systemd (no CAP_SYS_RESOURCE, hybrid cgroups). Rewritten by each run of that script.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
)
conf_changed=no
if [ -f "$dropin" ] && ! grep -qF "$marker" "$dropin"; then
  cp "$dropin" "$dropin.before-torchx.$(date +%s)"
  log "backed up a $dropin this script did not write"
fi
if [ ! -f "$dropin" ] || [ "$(cat "$dropin")" != "$new_conf" ]; then
  mkdir -p "$(dirname "$dropin")"
  printf '%s\n' "$new_conf" > "$dropin"
  conf_changed=yes
  log "wrote $dropin"
fi
step_done "config"

# 3. The API service. Running = a podman process serving our socket (not a zombie) that answers.
answers() { curl -sf --max-time 2 --unix-socket "$socket" http://d/_ping >/dev/null 2>&1; }
service_pids() {
  local pid
  for pid in $(pgrep -x podman || true); do
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && continue
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "system service --time=0 unix://$socket" && echo "$pid"
  done
  return 0
}
pids=$(service_pids)
if [ -n "$pids" ] && [ "$conf_changed" = yes ]; then
  log "settings changed: restarting the API service (running containers keep running)"
  # shellcheck disable=SC2086
  kill $pids 2>/dev/null || true
  for _ in $(seq 1 50); do [ -z "$(service_pids)" ] && break; sleep 0.1; done
  pids=$(service_pids)
  [ -z "$pids" ] || fail "the API service (pid $pids) did not stop"
fi
if [ -z "$pids" ] && answers; then
  log "unix://$socket answers, served by a process this script did not start: using it"
  [ "$conf_changed" = no ] || log "warning: restart that service yourself for the new settings to apply"
elif [ -z "$pids" ]; then
  rm -f "$socket"   # a stale socket from a killed service
  log "starting podman system service on unix://$socket"
  # The service gets no stdio of ours (a caller reading our output must see its end when we exit)
  # and not our lock (fd 9), or the next run would wait for the service forever.
  # Its working directory is ours, never the caller's: conmon leaves an `oom` file in it when a
  # container is OOM-killed.
  (cd "$workdir" && setsid -f podman system service --time=0 "unix://$socket" </dev/null \
     >>"$logdir/podman-service.log" 2>&1 9>&-)
fi
for _ in $(seq 1 150); do answers && break; sleep 0.1; done
version=$(curl -sf --max-time 5 --unix-socket "$socket" http://d/version 2>/dev/null || true)
api=$(sed -n 's/.*"ApiVersion":"\([^"]*\)".*/\1/p' <<<"$version")
[ -n "$api" ] || fail "the API socket unix://$socket did not answer GET /version within 15 s: \
$(tail -n 1 "$logdir/podman-service.log" 2>/dev/null) (log: $logdir/podman-service.log)"
step_done "API service (API $api)"

# Writes /tmp/engine-ready atomically from the given key=value lines.
announce() {
  printf '%s\n' "socket=unix://$socket" "$@" > "$ready.tmp"
  mv -f "$ready.tmp" "$ready"
}
# The runtime lines of the last announcement, while their images still exist (a rebuild that fails
# leaves the previous runtime image usable).
previous_runtime_lines() {
  local line
  [ -f "$ready" ] || return 0
  while IFS= read -r line; do
    case "$line" in
      runtime=*|default_image=*) podman image exists "${line#*=}" && echo "$line" ;;
    esac
  done < "$ready"
  return 0
}
# image_hash IMAGE: the content hash label of a local image, empty if none.
image_hash() { podman image inspect --format "{{index .Labels \"$label\"}}" "$1" 2>/dev/null || true; }

# 4. busybox from scratch (about a second): every applet of busybox-static, a root user, /tmp.
busybox_image=localhost/busybox:latest
busybox_hash=$( { sha256sum /bin/busybox; echo v1; } | sha256sum | cut -c1-16)
if [ "$(image_hash "$busybox_image")" != "$busybox_hash" ]; then
  log "building $busybox_image"
  r=$(mktemp -d)
  mkdir -p "$r"/{bin,etc,tmp,proc,sys,dev,root}
  chmod 1777 "$r/tmp"
  cp /bin/busybox "$r/bin/"
  for a in $(/bin/busybox --list); do [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$r/etc/passwd"
  echo 'root:x:0:' > "$r/etc/group"
  tar -C "$r" -c . | podman import -q --change 'CMD ["/bin/sh"]' --change "LABEL $label=$busybox_hash" \
    - "$busybox_image" >/dev/null || { rm -rf "$r"; fail "podman import of $busybox_image failed"; }
  rm -rf "$r"
fi
# The settings work: a container runs (this is where a wrong runtime or ulimit shows).
if ! out=$(podman run --rm --init "$busybox_image" echo ok 2>&1) || [ "$out" != ok ]; then
  fail "a container does not run: 'podman run --rm --init $busybox_image echo ok' said: $(tail -n 1 <<<"$out")"
fi
mapfile -t previous < <(previous_runtime_lines)
announce "busybox=$busybox_image" "${previous[@]}"
step_done "busybox image (+ a container run)"
[ "$runtime_image" = yes ] || { log "ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms (no runtime image)"; exit 0; }

# 5. Our runtime image: what the builtins run in with no registry.
if [ -z "$python_dir" ]; then
  python_dir=$root/components/python
  [ -d "$python_dir/torchx/apps" ] || python_dir=/usr/share/torchx/python
fi
[ -d "$python_dir/torchx/apps" ] || fail "no job-side Python runtime at '$python_dir' (expected torchx/apps in it; pass --python-dir)"
# The builtins' default image, read from the components' header (one place to change it).
default_image=$(sed -n 's/.*k_image = "\([^"]*\)".*/\1/p' "$root/components/components.hpp" 2>/dev/null || true)

# 5a. The Debian root filesystem, cached as a tarball keyed by what goes into it. python3 (not
# only python3-minimal: the apps use http.server, urllib, tempfile), `python` (the builtins'
# entrypoint), fsspec (utils.copy's remote URLs).
mirror=${TORCHX_ENGINE_MIRROR:-$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}
[ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || fail "no Debian mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
include=python3,python-is-python3,python3-fsspec,ca-certificates
rootfs_key=$(echo "bookworm minbase $include $mirror v1" | sha256sum | cut -c1-16)
rootfs_tar=$cache/rootfs-bookworm-$rootfs_key.tar
if [ ! -s "$rootfs_tar" ]; then
  log "debootstrap bookworm minbase from $mirror (about 2 min; cached in $rootfs_tar)"
  r=$(mktemp -d "$cache/rootfs.XXXXXX")
  if ! debootstrap --variant=minbase --include="$include" bookworm "$r" "$mirror" >"$logdir/debootstrap.log" 2>&1; then
    remove_tree "$r"
    fail "debootstrap from $mirror failed (is the mirror reachable?): $(tail -n 1 "$logdir/debootstrap.log") \
(log: $logdir/debootstrap.log)"
  fi
  rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/* "$r"/var/log/*.log
  tar -C "$r" --one-file-system -cf "$rootfs_tar.tmp" . && mv "$rootfs_tar.tmp" "$rootfs_tar"
  remove_tree "$r"
  find "$cache" -maxdepth 1 -name 'rootfs-bookworm-*.tar' ! -name "${rootfs_tar##*/}" -delete
  step_done "debootstrap (cached from now on)"
fi
base_image=localhost/torchx-runtime-base:bookworm
if [ "$(image_hash "$base_image")" != "$rootfs_key" ]; then
  log "importing $base_image"
  podman import -q --change 'CMD ["/bin/bash"]' --change "LABEL $label=$rootfs_key" \
    "$rootfs_tar" "$base_image" >/dev/null || fail "podman import of $rootfs_tar failed"
fi
step_done "Debian base image"

# 5b. The runtime on top: torchx's job-side Python modules in /usr/share/torchx/python, found
# through a .pth file (a role's own PYTHONPATH does not hide them) and PYTHONPATH (as the
# schedulers set it on the host). The image is rebuilt only when this content changes.
containerfile=$(cat <<'EOF'
ARG BASE
FROM $BASE
COPY python /usr/share/torchx/python
RUN echo /usr/share/torchx/python > /usr/lib/python3/dist-packages/torchx-runtime.pth
ENV PYTHONPATH=/usr/share/torchx/python
EOF
)
runtime_hash=$( {
  echo "$rootfs_key"; echo "$containerfile"
  (cd "$python_dir" && find torchx -type f -name '*.py' | LC_ALL=C sort | xargs sha256sum)
} | sha256sum | cut -c1-16)
runtime_tag=localhost/torchx-runtime:latest
if [ "$(image_hash "$runtime_tag")" != "$runtime_hash" ]; then
  log "building $runtime_tag from $python_dir"
  ctx=$(mktemp -d)
  mkdir -p "$ctx/python"
  (cd "$python_dir" && find torchx -type f -name '*.py' -print0 | xargs -0 cp --parents -t "$ctx/python")
  printf '%s\n' "$containerfile" > "$ctx/Containerfile"
  if ! podman build -q --pull=never --network=none --build-arg "BASE=$base_image" --label "$label=$runtime_hash" \
       -t "$runtime_tag" -f "$ctx/Containerfile" "$ctx" >"$logdir/runtime-build.log" 2>&1; then
    rm -rf "$ctx"
    fail "podman build of $runtime_tag failed: $(tail -n 1 "$logdir/runtime-build.log") (log: $logdir/runtime-build.log)"
  fi
  rm -rf "$ctx"
fi
podman tag "$runtime_tag" "localhost/torchx-runtime:$runtime_hash"
# Earlier content tags go (their images stay while a container uses them).
for old in $(podman images --format '{{.Repository}}:{{.Tag}}' localhost/torchx-runtime | grep -E ':[0-9a-f]{16}$' || true); do
  [ "$old" = "localhost/torchx-runtime:$runtime_hash" ] || podman untag "$old" "$old" 2>/dev/null || true
done
# The builtins' default image: ours, unless a real TorchX image (pulled by the user) has the name.
default_line=()
if [ -n "$default_image" ]; then
  if podman image exists "$default_image" && [ -z "$(image_hash "$default_image")" ]; then
    log "$default_image is not ours (a pulled TorchX image?): left as it is"
  else
    podman tag "$runtime_tag" "$default_image"
  fi
  default_line=("default_image=$default_image")
fi
# The runtime works: python3 finds the job-side modules.
if ! out=$(podman run --rm --network=none "$runtime_tag" python -c 'import torchx.apps.utils.copy_main, http.server; print("ok")' 2>&1) \
   || [ "$out" != ok ]; then
  fail "the runtime image does not import torchx.apps.utils.copy_main: $(tail -n 1 <<<"$out")"
fi
announce "busybox=$busybox_image" "runtime=$runtime_tag" "${default_line[@]}"
step_done "runtime image (+ a python run)"
log "ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms: socket unix://$socket; images $busybox_image, $runtime_tag${default_image:+, $default_image}"
