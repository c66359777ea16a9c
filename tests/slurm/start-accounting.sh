#!/usr/bin/env bash
# Accounting for the local cluster (called by start-local-slurm.sh --accounting, before slurmctld):
# MariaDB on its unix socket only, the slurm_acct_db database, slurmdbd, and the cluster record.
# Idempotent.
set -euo pipefail
state=/var/spool/slurm-local
sock=/run/mysqld/mysqld.sock
log() { echo "start-accounting.sh: $*" >&2; }
mkdir -p "$state"/{run,log} /run/mysqld
chown mysql:mysql /run/mysqld
if ! mysqladmin --socket="$sock" ping >/dev/null 2>&1; then
  if [ ! -d /var/lib/mysql/mysql ]; then
    log "initialising the MariaDB data directory"
    mysql_install_db --user=mysql --datadir=/var/lib/mysql >"$state/log/mariadb-install.log" 2>&1
  fi
  log "starting mariadbd (socket only)"
  # "slurm-local" in the command line lets stop-local-slurm.sh find it.
  setsid mariadbd --user=mysql --skip-networking --socket="$sock" --datadir=/var/lib/mysql \
    --pid-file=/run/mysqld/mysqld.pid --log-error="$state/log/mariadb-slurm-local.log" </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 100); do mysqladmin --socket="$sock" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
if [ "${TORCHX_SLURM_FRESH_DB:-0}" = 1 ]; then
  log "dropping the old accounting database (the cluster restarts from scratch)"
  mysql --socket="$sock" -e "DROP DATABASE IF EXISTS slurm_acct_db;"
fi
mysql --socket="$sock" -e "CREATE DATABASE IF NOT EXISTS slurm_acct_db;
  CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'torchx';
  GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"
cat > /etc/slurm/slurmdbd.conf <<CONF
# Written by torchx tests/slurm/start-accounting.sh
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
PidFile=$state/run/slurmdbd.pid
LogFile=$state/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=torchx
StorageLoc=slurm_acct_db
CONF
chmod 600 /etc/slurm/slurmdbd.conf
if ! pgrep -x slurmdbd >/dev/null; then
  log "starting slurmdbd"
  setsid slurmdbd </dev/null >>"$state/log/slurmdbd.out" 2>&1
fi
for _ in $(seq 1 100); do sacctmgr -n show cluster >/dev/null 2>&1 && break; sleep 0.1; done
sacctmgr -n show cluster format=cluster | grep -qw torchx || sacctmgr -i add cluster torchx >/dev/null
