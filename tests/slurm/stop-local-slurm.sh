#!/usr/bin/env bash
# Stops the local Slurm cluster started by start-local-slurm.sh (slurmds, slurmctld, slurmdbd,
# MariaDB if this script started it, munged). Jobs are cancelled first. Idempotent.
set -uo pipefail
scancel --user=root --full >/dev/null 2>&1 || true
for comm in slurmd slurmctld slurmdbd; do pkill -x "$comm" 2>/dev/null; done
pkill -f 'mariadbd.*slurm-local' 2>/dev/null
mysqladmin --socket=/run/mysqld/mysqld.sock shutdown >/dev/null 2>&1
for _ in $(seq 1 50); do
  pgrep -x slurmd >/dev/null || pgrep -x slurmctld >/dev/null || break
  sleep 0.1
done
pkill -x munged 2>/dev/null
echo "stop-local-slurm.sh: stopped" >&2
