#!/usr/bin/env bash
# pgpilot-boot: at every boot of a database host, asks pgpilot what this node is (its
# pgpilot:role tag, read from the instance metadata) and starts PostgreSQL only as that.
# PostgreSQL's start.conf is `manual`, so nothing else starts it at boot: an old primary that
# pgpilot replaced (tagged rebuild) stays stopped until pgpilot rejoins it, however its instance
# was started again (by a person, AWS maintenance, auto-recovery), so pgpilot's fence survives a
# boot. The same file runs on a lab host's boot (lab/lab.sh), so the lab proves what AWS does.
#
# Reads /etc/pgpilot/boot.env (PGPILOT_BOOT_CONF overrides the path):
#   PGPILOT_PG_VERSION    PostgreSQL's major version, e.g. 15
#   PGPILOT_PG_CLUSTER    the Debian cluster name (pg_lsclusters), e.g. main
#   PGPILOT_METADATA_URL  optional; the instance metadata service (default http://169.254.169.254)
# Exits 0 once it has decided, whether PostgreSQL was started or stays stopped; the reason is
# its last line of output. Exits 1 only when it decided to start PostgreSQL and could not.
set -euo pipefail

log() { echo "pgpilot-boot: $*"; }

conf=${PGPILOT_BOOT_CONF:-/etc/pgpilot/boot.env}
[ -r "$conf" ] || { log "cannot read $conf: PostgreSQL stays stopped"; exit 0; }
# shellcheck source=/dev/null
. "$conf"
version=${PGPILOT_PG_VERSION:?PGPILOT_PG_VERSION is not set in $conf}
cluster=${PGPILOT_PG_CLUSTER:?PGPILOT_PG_CLUSTER is not set in $conf}
metadata_url=${PGPILOT_METADATA_URL:-http://169.254.169.254}
name="PostgreSQL $version/$cluster"

# metadata PATH: one IMDSv2 read. Retried while the service is not reachable yet (early boot);
# a missing tag is an HTTP 404, which curl does not retry.
metadata() {
  local token
  token=$(curl -fsS --max-time 2 --retry 10 --retry-delay 1 --retry-connrefused -X PUT \
    -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$metadata_url/latest/api/token") || return 1
  curl -fsS --max-time 2 --retry 10 --retry-delay 1 --retry-connrefused \
    -H "X-aws-ec2-metadata-token: $token" "$metadata_url/latest/$1"
}

stay() {
  log "$name stays stopped: $*"
  exit 0
}

start() {
  log "starting $name: $*"
  pg_ctlcluster "$version" "$cluster" start
  log "$name started: $*"
  exit 0
}

if pg_ctlcluster "$version" "$cluster" status > /dev/null 2>&1; then
  log "$name already runs: nothing to decide"
  exit 0
fi
start_conf=$(awk '!/^[ \t]*(#|$)/ { print $1; exit }' "/etc/postgresql/$version/$cluster/start.conf" 2> /dev/null || true)
if [ "$start_conf" = disabled ]; then
  stay "it is fenced (start.conf disabled); pgpilot lifts the fence when it rejoins this node"
fi
data=$(pg_conftool -s "$version" "$cluster" show data_directory 2> /dev/null || echo "/var/lib/postgresql/$version/$cluster")
if ! role=$(metadata meta-data/tags/instance/pgpilot:role); then
  stay "this instance's pgpilot:role tag cannot be read from $metadata_url (instance metadata tags must be" \
    "enabled), and without it this node may be a primary that pgpilot replaced"
fi
standby_data=no
if [ -e "$data/standby.signal" ]; then standby_data=yes; fi
case $role in
  primary)
    start "tagged primary" ;;
  standby)
    if [ "$standby_data" = yes ]; then start "tagged standby, and its data is a standby's"; fi
    stay "tagged standby, but its data is a primary's (no standby.signal), so it would start writable" \
      "beside the cluster's primary; pgpilot rebuilds it as a standby (pgpilot-RebuildStandby)" ;;
  rebuild)
    stay "tagged rebuild: pgpilot took it out of service, and it stays stopped until pgpilot rejoins it" ;;
  *)
    stay "its pgpilot:role tag is '$role', not primary, standby or rebuild" ;;
esac
