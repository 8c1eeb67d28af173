# pgpilot host bootstrap, shared part. User data is the variables CDK writes above this line,
# this file, then the role's own part. It runs once, at first boot, as root (cloud-init).
set -euo pipefail
exec > >(tee -a /var/log/pgpilot-bootstrap.log) 2>&1
umask 022
export DEBIAN_FRONTEND=noninteractive

log() { echo "pgpilot-bootstrap: $*"; }
die() { log "ERROR: $*"; exit 1; }

# retry TRIES PAUSE COMMAND...: other hosts of the cluster boot at the same time; wait for them, bounded.
retry() {
  local tries=$1 pause=$2 i
  shift 2
  for ((i = 1; i <= tries; i++)); do
    if "$@"; then return 0; fi
    log "not yet ($*), attempt $i of $tries"
    sleep "$pause"
  done
  return 1
}

imds() {
  local token
  token=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)
  curl -fsS -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/$1"
}

REGION=$(imds meta-data/placement/region)
# shellcheck disable=SC2034  # INSTANCE_ID and PRIVATE_IP are for the role's part below
INSTANCE_ID=$(imds meta-data/instance-id) PRIVATE_IP=$(imds meta-data/local-ipv4)
export AWS_DEFAULT_REGION=$REGION

install_base() {
  retry 10 15 apt-get update -q || die "apt-get update failed"
  retry 5 15 apt-get install -y -q --no-install-recommends awscli jq openssl curl ca-certificates \
    || die "cannot install the base packages"
  # Debian's images have no SSM agent, and Debian does not package it: AWS publishes it per
  # region and architecture. Without it no SSM document reaches this host.
  if ! systemctl is-active --quiet amazon-ssm-agent; then
    local deb=/tmp/amazon-ssm-agent.deb
    retry 5 15 curl -fsSL -o "$deb" \
      "https://s3.$REGION.amazonaws.com/amazon-ssm-$REGION/latest/debian_$(dpkg --print-architecture)/amazon-ssm-agent.deb" \
      || die "cannot download the SSM agent"
    dpkg -i "$deb" && rm -f "$deb"
    systemctl enable --now amazon-ssm-agent
  fi
}

secret() { aws secretsmanager get-secret-value --secret-id "$1" --query SecretString --output text; }

# run_document NAME [PARAM=VALUE...]: runs the steps of the cluster's SSM document NAME (e.g.
# UpdateHosts: pgpilot-CLUSTER-UpdateHosts) here, as the agent would (every parameter as SSM_<name>,
# defaults from the document), so a host is configured by the very documents that pgpilot and
# operators run later.
run_document() {
  local name=$PGPILOT_DOCUMENT_PREFIX$1 doc kv i steps script
  shift
  doc=$(aws ssm get-document --name "$name" --document-format JSON --query Content --output text) \
    || { log "cannot read SSM document $name"; return 1; }
  local -a vars=()
  while IFS= read -r kv; do
    [ -n "$kv" ] && vars+=("SSM_$kv")
  done < <(jq -r '.parameters // {} | to_entries[] | select(.value.default != null) | "\(.key)=\(.value.default)"' <<< "$doc")
  for kv in "$@"; do vars+=("SSM_$kv"); done
  steps=$(jq '.mainSteps | length' <<< "$doc")
  for ((i = 0; i < steps; i++)); do
    script=$(mktemp)
    jq -r ".mainSteps[$i].inputs.runCommand | join(\"\n\")" <<< "$doc" > "$script"
    log "$name, step $((i + 1)) of $steps"
    if ! (cd / && env "${vars[@]}" bash "$script"); then
      rm -f "$script"
      return 1
    fi
    rm -f "$script"
  done
}
