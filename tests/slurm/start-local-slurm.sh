#!/usr/bin/env bash
# Starts a real Slurm 22.05 cluster on this one machine: slurmctld plus one slurmd per node
# (node1..nodeN, all 127.0.0.1; het jobs need one node per component). Installs the Debian
# packages if missing. Idempotent: with the same settings a re-run only restarts dead daemons; with
# other settings it stops the cluster, wipes its state and starts again.
# Usage: tests/slurm/start-local-slurm.sh [--nodes N] [--accounting]   (as root)
# Stop:  tests/slurm/stop-local-slurm.sh
set -euo pipefail
nodes=4
accounting=off
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=$2; shift 2 ;;
    --accounting) accounting=on; shift ;;
    *) echo "start-local-slurm.sh: error: unknown option '$1' (usage: [--nodes N] [--accounting])" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "start-local-slurm.sh: error: run as root" >&2; exit 1; }

state=/var/spool/slurm-local
conf=/etc/slurm/slurm.conf
log() { echo "start-local-slurm.sh: $*" >&2; }

# 1. Packages (the lists are refreshed only if an install fails).
packages=(munge slurmctld slurmd slurm-client)
[ "$accounting" = on ] && packages+=(slurmdbd mariadb-server)
missing=()
for p in "${packages[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null || {
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  }
fi

# A daemon is running if a process of that name (not a zombie) matches the pattern.
running() {  # running COMM [ARG]
  local pid
  for pid in $(pgrep -x "$1" || true); do
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && continue
    if [ -z "${2:-}" ] || tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qw -- "$2"; then return 0; fi
  done
  return 1
}

# 2. slurm.conf from this machine's hardware.
host=$(hostname -s)
hw=$(slurmd -C | head -n1 | sed -e 's/^NodeName=[^ ]* //' -e 's/ UpTime=.*//')
cpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$hw")
mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
if [ "$accounting" = on ]; then storage=accounting_storage/slurmdbd; else storage=accounting_storage/none; fi
new_conf=$(cat <<CONF
# Written by torchx tests/slurm/start-local-slurm.sh: a local cluster of $nodes nodes.
ClusterName=torchx
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=$storage
AccountingStorageHost=localhost
JobCompType=jobcomp/filetxt
JobCompLoc=$state/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1
ReturnToService=2
MinJobAge=3600
MpiDefault=none
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d/%n
SlurmctldPidFile=$state/run/slurmctld.pid
SlurmdPidFile=$state/run/slurmd-%n.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd-%n.log
NodeName=node[1-$nodes] NodeHostname=$host NodeAddr=127.0.0.1 Port=[17001-$((17000 + nodes))] CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
)
mkdir -p /etc/slurm "$state"/{ctld,d,run,log}
if [ -f "$conf" ] && ! grep -q 'Written by torchx tests/slurm/start-local-slurm.sh' "$conf"; then
  cp "$conf" "$conf.before-torchx.$(date +%s)"
  log "backed up a slurm.conf this script did not write"
fi
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$new_conf" ]; then
  if [ -f "$conf" ]; then
    log "settings changed: restarting the cluster from scratch"
    "$(dirname "$0")/stop-local-slurm.sh" >/dev/null 2>&1 || true
    rm -rf "$state"/ctld/* "$state"/d/*
    export TORCHX_SLURM_FRESH_DB=1  # job ids restart at 1: old accounting records would collide
  fi
  printf '%s\n' "$new_conf" > "$conf"
fi

# 3. Node names resolve to this machine.
node_names=$(seq -f 'node%g' 1 "$nodes" | tr '\n' ' ')
if ! grep -q "# slurm-local$" /etc/hosts || ! grep -q "127.0.0.1 ${node_names}# slurm-local" /etc/hosts; then
  sed -i '/# slurm-local$/d' /etc/hosts
  echo "127.0.0.1 ${node_names}# slurm-local" >> /etc/hosts
fi

# 4. munge.
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge 2>/dev/null || true
chmod 0400 /etc/munge/munge.key
mkdir -p /run/munge && chown munge:munge /run/munge
if ! running munged; then
  log "starting munged"
  # Daemons get no stdio of ours: a caller reading our output must see its end when we exit.
  setsid runuser -u munge -- /usr/sbin/munged --force </dev/null >>"$state/log/munged.out" 2>&1
fi

# 5. Accounting (optional): MariaDB on its socket only, slurmdbd.
if [ "$accounting" = on ]; then
  "$(dirname "$0")/start-accounting.sh"
fi

# 6. slurmctld and the slurmds.
if ! running slurmctld; then
  log "starting slurmctld"
  setsid slurmctld -i </dev/null >>"$state/log/slurmctld.out" 2>&1
fi
for i in $(seq 1 "$nodes"); do
  if ! running slurmd "node$i"; then
    log "starting slurmd node$i"
    setsid slurmd -N "node$i" </dev/null >>"$state/log/slurmd.out" 2>&1
  fi
done

# 7. Wait until every node is idle (resume nodes left down or drained once).
resumed=no
for _ in $(seq 1 100); do
  states=$(sinfo -h -N -o '%N %T' 2>/dev/null || true)
  if [ -n "$states" ] && ! grep -qvE ' (idle|allocated|mixed|completing)$' <<<"$states"; then
    log "cluster up: $(echo "$states" | wc -l) nodes idle"
    exit 0
  fi
  if [ "$resumed" = no ] && grep -qE ' (down|drained|draining)' <<<"$states"; then
    scontrol update NodeName="node[1-$nodes]" State=RESUME >/dev/null 2>&1 || true
    resumed=yes
  fi
  sleep 0.2
done
log "error: the cluster did not come up; sinfo says:"
sinfo -N >&2 || true
tail -n 20 "$state"/log/slurmctld.log >&2 || true
exit 1
