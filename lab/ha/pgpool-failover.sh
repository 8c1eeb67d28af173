#!/usr/bin/env bash
# pgpool-II's own failover, for the drill's comparison (`lab up --ha pgpool`): pgpool-II's sample
# failover.sh, promoting by SQL (pg_promote) where the sample uses ssh and pg_ctl.
#   failover_command = '/etc/pgpool2/pgpool-failover.sh %d %h %H %P'
# Runs in pgpool1's namespace; lab.env names the lab's folder (passfile and CA).
set -euo pipefail
failed_id=$1 failed_host=$2 new_main_host=$3 old_primary_id=$4
# shellcheck source=/dev/null
. /etc/pgpool2/lab.env
log() { echo "$(date '+%F %T.%3N') failover: $*" >> "$LAB/pgpool1/log/failover.log"; }

if [[ $failed_id != "$old_primary_id" ]]; then
  log "standby $failed_host (node $failed_id) failed: nothing to promote"
  exit 0
fi
if [[ -z $new_main_host || $new_main_host == "$failed_host" ]]; then
  log "primary $failed_host failed and no standby is left to promote"
  exit 1
fi
log "primary $failed_host (node $failed_id) failed: promoting $new_main_host"
PGPASSFILE=$LAB/pgpool1/pgpass psql -X -At -v ON_ERROR_STOP=1 \
  "host=$new_main_host port=5432 dbname=postgres user=pgpilot sslmode=verify-ca sslrootcert=$LAB/tls/ca.crt connect_timeout=2" \
  -c 'SELECT pg_promote(true, 30)' >> "$LAB/pgpool1/log/failover.log" 2>&1
log "promoted $new_main_host"
