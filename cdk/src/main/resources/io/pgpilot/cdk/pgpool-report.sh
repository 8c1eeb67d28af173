#!/usr/bin/env bash
# pgpilot-pgpool-report: pgpool-II's failover_command on a pgpilot pgpool host. pgpool is a
# sensor, never a decider: this reports the backend it detached as an EventBridge event (source
# pgpilot.pgpool, detail-type "pgpool backend down") and promotes nothing; pgpilot confirms by
# probing, fails over (fencing first) when the failure is real, else re-attaches the node.
#
#   failover_command = '/usr/local/sbin/pgpilot-pgpool-report %d %h %p %P'
#
# (pgpool-II 4.3: node id, backend_hostname, port, old primary's id.) pgpool starts new children,
# which serve clients again, only when this returns: the publish runs in the background, bounded,
# and this exits 0 whatever happens (a lost report costs detection time, never pgpool's service).
# It is sent by curl --aws-sigv4 with the instance role's credentials (IMDSv2) in about 20 ms;
# by the aws CLI (0.5-0.7 s to start, measured) only when that fails.
#
# PGPILOT_REPORT_CONF (default /etc/pgpilot/pgpool-report.env): PGPILOT_CLUSTER,
# PGPILOT_PGPOOL_NAME, AWS_DEFAULT_REGION; optional PGPILOT_EVENTS_ENDPOINT and AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY (the lab's). No secret on AWS; keys reach curl on stdin, not argv.
set -uo pipefail

tag=pgpilot-pgpool-report
log() { logger -t "$tag" -- "$*" 2> /dev/null || echo "$tag: $*" >&2; }

conf=${PGPILOT_REPORT_CONF:-/etc/pgpilot/pgpool-report.env}
if ! [ -r "$conf" ]; then
  log "cannot read $conf: nothing reported"
  exit 0
fi
# Exported as read: the aws CLI takes its region (and, in the lab, its credentials) from them.
set -a
# shellcheck source=/dev/null
. "$conf"
set +a
cluster=${PGPILOT_CLUSTER:-} pgpool=${PGPILOT_PGPOOL_NAME:-}
node_id=${1:-} node=${2:-} port=${3:-} old_primary=${4:-}

# What pgpool passes comes from pgpool.conf; still, only a report pgpilot can read is sent.
label='[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
if ! [[ $cluster =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$ && $pgpool =~ ^$label$ ]]; then
  log "PGPILOT_CLUSTER or PGPILOT_PGPOOL_NAME in $conf is missing or malformed: nothing reported"
  exit 0
fi
if ! [[ $node_id =~ ^[0-9]{1,3}$ && $node =~ ^$label$ && $port =~ ^[0-9]{1,5}$ && $old_primary =~ ^-?[0-9]{1,3}$ ]]; then
  log "unexpected arguments from pgpool (node id, host, port, old primary id): nothing reported"
  exit 0
fi
address=$(timeout 1 getent ahostsv4 "$node" 2> /dev/null | awk '{ print $1; exit }') || address=""
primary=false
if [ "$node_id" = "$old_primary" ]; then primary=true; fi
detail=$(jq -cn --arg cluster "$cluster" --arg node "$node" --arg address "$address" --arg pgpool "$pgpool" \
  --arg nodeId "$node_id" --arg port "$port" --arg primary "$primary" \
  '{cluster: $cluster, node: $node, address: $address, pgpool: $pgpool, reason: "detached",
    nodeId: $nodeId, port: $port, primary: $primary}') || { log "cannot build the report (jq): nothing reported"; exit 0; }
entries=$(jq -cn --arg detail "$detail" \
  '[{Source: "pgpilot.pgpool", DetailType: "pgpool backend down", Detail: $detail}]') || exit 0

# shellcheck disable=SC2317  # run by the background shell below, through declare -f
signed() {
  local region=${AWS_DEFAULT_REGION:-} key=${AWS_ACCESS_KEY_ID:-} secret=${AWS_SECRET_ACCESS_KEY:-}
  local token=${AWS_SESSION_TOKEN:-} md=http://169.254.169.254/latest t role c answer
  [[ $region =~ ^[a-z]{2}(-[a-z]+)+-[0-9]$ ]] || { echo "no valid AWS_DEFAULT_REGION"; return 1; }
  if [ -z "$key" ]; then
    if ! { t=$(curl -sf -m 1 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$md/api/token") \
      && role=$(curl -sf -m 1 -H "X-aws-ec2-metadata-token: $t" "$md/meta-data/iam/security-credentials/") \
      && c=$(curl -sf -m 1 -H "X-aws-ec2-metadata-token: $t" "$md/meta-data/iam/security-credentials/${role%%$'\n'*}"); }; then
      echo "no instance role credentials (IMDSv2)"; return 1
    fi
    key=$(jq -r .AccessKeyId <<< "$c") secret=$(jq -r .SecretAccessKey <<< "$c") token=$(jq -r .Token <<< "$c")
  fi
  answer=$( {
      printf 'user = "%s:%s"\n' "$key" "$secret"
      if [ -n "$token" ]; then printf 'header = "x-amz-security-token: %s"\n' "$token"; fi
    } | curl -sS -m 5 --connect-timeout 2 -K - --aws-sigv4 "aws:amz:$region:events" \
      -H 'X-Amz-Target: AWSEvents.PutEvents' -H 'Content-Type: application/x-amz-json-1.1' \
      --data-binary "$(jq -cn --argjson e "$entries" '{Entries: $e}')" \
      "${PGPILOT_EVENTS_ENDPOINT:-https://events.$region.amazonaws.com}/" 2>&1)
  [ "$(jq -r '.FailedEntryCount // empty' <<< "$answer" 2> /dev/null)" = 0 ] || { echo "${answer:0:300}"; return 1; }
}

# shellcheck disable=SC2317  # run by the background shell below, through declare -f
publish() {
  local -a endpoint=()
  if [ -n "${PGPILOT_EVENTS_ENDPOINT:-}" ]; then endpoint=(--endpoint-url "$PGPILOT_EVENTS_ENDPOINT"); fi
  local failed why
  if why=$(signed); then
    log "reported $node (node $node_id, primary: $primary) down to pgpilot cluster $cluster"
  # Bounded: at most 3 attempts of 2 s to connect and 5 s to read, and 15 s in all.
  elif failed=$(AWS_MAX_ATTEMPTS=3 AWS_RETRY_MODE=standard timeout 15 aws "${endpoint[@]}" events put-events \
    --cli-connect-timeout 2 --cli-read-timeout 5 --entries "$entries" --query FailedEntryCount --output text 2>&1) \
    && [ "$failed" = 0 ]; then
    log "reported $node (node $node_id, primary: $primary) down to pgpilot cluster $cluster with the aws CLI (curl: $why)"
  else
    log "could not report $node (node $node_id) down to pgpilot cluster $cluster: ${failed:0:300} (curl: $why); pgpilot's monitor still probes it"
  fi
}

log "pgpool detached $node (node $node_id, address ${address:-unresolved}, primary: $primary): reporting it, promoting nothing"
# Detached from pgpool: its own session, no stdio pgpool could wait on; values pass as environment.
export tag node node_id primary cluster entries PGPILOT_EVENTS_ENDPOINT
setsid bash -c "$(declare -f log signed publish); publish" < /dev/null > /dev/null 2>&1 &
exit 0
