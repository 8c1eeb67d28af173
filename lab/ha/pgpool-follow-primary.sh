#!/usr/bin/env bash
# pgpool-II's own failover, for the drill's comparison (`lab up --ha pgpool`): pgpool-II's sample
# follow_primary.sh for a standby that still runs, by SQL where the sample uses ssh: re-point it
# to the new primary (primary_conninfo reloads without a restart) and attach it again.
#   follow_primary_command = '/etc/pgpool2/pgpool-follow-primary.sh %d %h %H'
set -euo pipefail
node_id=$1 node_host=$2 new_primary=$3
# shellcheck source=/dev/null
. /etc/pgpool2/lab.env
log() { echo "$(date '+%F %T.%3N') follow_primary: $*" >> "$LAB/pgpool1/log/failover.log"; }
conn="host=$node_host port=5432 dbname=postgres user=pgpilot sslmode=verify-ca sslrootcert=$LAB/tls/ca.crt connect_timeout=2"

if ! PGPASSFILE=$LAB/pgpool1/pgpass psql -X -At "$conn" -c 'SELECT 1' > /dev/null 2>&1; then
  log "$node_host (node $node_id) does not answer: left detached"
  exit 0
fi
info="host=$new_primary port=5432 user=replicator passfile=$LAB/$node_host/replication.pgpass sslmode=verify-ca sslrootcert=$LAB/$node_host/tls/ca.crt application_name=$node_host connect_timeout=2"
PGPASSFILE=$LAB/pgpool1/pgpass psql -X -At -v ON_ERROR_STOP=1 "$conn" \
  -c "ALTER SYSTEM SET primary_conninfo = '$info'" -c 'SELECT pg_reload_conf()' >> "$LAB/pgpool1/log/failover.log" 2>&1
PCPPASSFILE=$LAB/pgpool1/pcppass pcp_attach_node -h localhost -p 9898 -U pgpilot -w -n "$node_id" \
  >> "$LAB/pgpool1/log/failover.log" 2>&1
log "$node_host (node $node_id) follows $new_primary and is attached again"
