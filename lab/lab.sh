#!/usr/bin/env bash
# The pgpilot lab: a PostgreSQL HA cluster of real hosts on one machine.
#
#   pg1 (primary) ──sync──▶ pg2 (cascading standby) ──async──▶ pg3 (downstream standby)
#   pgpool1 (pgpool-II, reads to standbys, writes to the primary)   app1 (a client host)
#   the AWS API emulator (moto server, lab/emulator_server.py) on loopback, holding one tagged EC2
#   instance per host
#
# Each host is a network namespace with its own address on the lab bridge and its own
# /etc/hosts (/etc/netns/NAME/hosts). There is no route out of the lab and no NAT. Every
# process the lab starts is stopped by PID on `down`.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/versions.env
. "$here/versions.env"

LAB=${PGPILOT_LAB_DIR:-/var/lib/pgpilot-lab}
NET=${PGPILOT_LAB_NET:-10.87.0}          # the lab's /24
CLUSTER=${PGPILOT_LAB_CLUSTER:-lab}       # the pgpilot:cluster tag
EMULATOR_PORT=${PGPILOT_EMULATOR_PORT:-45660}
# The instance metadata the hosts' boot gate reads, served on the lab bridge (instance_lifecycle.py).
METADATA_PORT=${PGPILOT_LAB_METADATA_PORT:-45659}
# The lab hosts' events:PutEvents (pgpool's reports only), served on the lab bridge (events_gateway.py).
EVENTS_PORT=${PGPILOT_LAB_EVENTS_PORT:-45661}
# What a database host runs at every boot: the very file the CDK user data installs.
BOOT_GATE=$(dirname "$here")/cdk/src/main/resources/io/pgpilot/cdk/pgpilot-boot.sh
# pgpool's failover_command with pgpilot: the very file the CDK user data installs. It reports a
# backend pgpool detached to pgpilot (EventBridge) and promotes nothing.
PGPOOL_REPORT=$(dirname "$here")/cdk/src/main/resources/io/pgpilot/cdk/pgpool-report.sh
PGPOOL_HEALTH=$(dirname "$here")/cdk/src/main/resources/io/pgpilot/cdk/pgpool-health.sh
HEALTH_PORT=8081
# pgBackRest's settings on a database host: the very file the CDK user data installs.
PGBACKREST_SETTINGS=$(dirname "$here")/cdk/src/main/resources/io/pgpilot/cdk/pgbackrest.conf
# An emulator someone else runs (LocalStack): the lab registers its instances there and
# starts no moto server of its own.
EXTERNAL_EMULATOR=${PGPILOT_EMULATOR_ENDPOINT:-}
BRIDGE=pgpl0
# The cluster's WAL archive: pgBackRest's repository in the emulator's S3, which the hosts reach
# over TLS at the S3 gateway's own address on the bridge (s3_gateway.py), as a VPC endpoint.
S3_ADDR=$NET.2
S3_PORT=443
REGION=${AWS_REGION:-us-east-1}
# The name the hosts use for it, S3's own regional endpoint, resolves to the gateway in their /etc/hosts.
S3_HOST=s3.$REGION.amazonaws.com
BUCKET=pgpilot-$CLUSTER-archive
STANZA=$CLUSTER
# Where `lab restore` brings up a restored copy: a host that runs no database of the cluster.
RESTORE_HOST=app1
RESTORE_CLUSTER=restore
RESTORE_PORT=5433   # pgpool1's socket holds /var/run/postgresql/.s.PGSQL.5432 on the shared file system
PGV=$POSTGRESQL_MAJOR
PORT=5432
PCP_PORT=9898
DBUSER=pgpilot
MARKER=pgpilot-lab   # file in a cluster's config dir: the lab made this cluster

HOSTS=(pg1 pg2 pg3 pgpool1 app1)
PG_NODES=(pg1 pg2 pg3)
declare -A OCTET=([pg1]=11 [pg2]=12 [pg3]=13 [pgpool1]=21 [app1]=31)
declare -A ROLE=([pg1]=primary [pg2]=standby [pg3]=standby [pgpool1]=pgpool [app1]=app)
declare -A UPSTREAM=([pg2]=pg1 [pg3]=pg2)
# A hand-built cluster's standbys, named as the source documents name them.
declare -A APPLICATION_NAME=([pg2]=standby_1 [pg3]=standby_2)
SYNC_STANDBY=pg2
# What fails the cluster over: pgpilot (the default), or, for the drill's comparison, pgpool-II's
# own failover_command or Patroni. Chosen at `up --ha MODE`, remembered in $LAB/ha.
HA_MODES=(pgpilot pgpool patroni patroni-tuned)
HA=$(cat "$LAB/ha" 2>/dev/null || echo pgpilot)
# How the cluster was built: by pgpilot's documents (pgpilot), or by hand as the source documents
# build it (hand-built: no pgpilot tags, settings or hosts block until `ctl adopt --apply`).
BUILT=$(cat "$LAB/built" 2>/dev/null || echo pgpilot)   # "pgpilot" or "hand-built"
built_by() { if [[ $BUILT == hand-built ]]; then echo "cluster built by hand"; else echo "cluster built by pgpilot"; fi; }
# shellcheck source=lab/ha/patroni.sh
. "$here/ha/patroni.sh"

die() { echo "pgpilot lab: $*" >&2; exit 1; }
say() { printf '[%5.1fs] %s\n' "$(elapsed)" "$*"; }
# The cluster name is part of secret paths and document names: the functions' and CDK's rule.
[[ $CLUSTER =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$ ]] \
  || die "PGPILOT_LAB_CLUSTER must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit"
now() { date +%s.%N; }
elapsed() { awk -v s="$started" -v n="$(now)" 'BEGIN { printf "%.1f", n - s }'; }
started=$(now)

addr() { echo "$NET.${OCTET[$1]}"; }
is_host() { [[ -n ${OCTET[$1]:-} ]]; }
is_pg() { [[ ${ROLE[$1]} == primary || ${ROLE[$1]} == standby ]]; }
# in_ns HOST CMD...: run CMD inside HOST's namespace (with its /etc/hosts), as postgres.
# pg_ctlcluster must not hand the start to systemd, which would start it outside the lab.
AS_POSTGRES=(env _SYSTEMCTL_SKIP_REDIRECT=1 HOME=/var/lib/postgresql USER=postgres LOGNAME=postgres
  setpriv --reuid=postgres --regid=postgres --init-groups --)
in_ns() {
  local host=$1; shift
  ip netns exec "$host" "${AS_POSTGRES[@]}" "$@" 9>&-   # 9: the lab's lock
}
# in_ns_daemon HOST CMD... &: a server in HOST; the background subshell becomes the server
# (exec), so $! is the server's own PID, and stopping that PID stops the server.
in_ns_daemon() {
  local host=$1; shift
  exec ip netns exec "$host" "${AS_POSTGRES[@]}" "$@" 9>&-
}
conf_dir() { echo "/etc/postgresql/$PGV/$1"; }

# run_document HOST NAME [PARAM=VALUE...]: the steps of one of pgpilot's SSM documents
# (ssm-documents/NAME.yaml) run as root inside HOST, as the agent runs them (every parameter as
# SSM_<name>, defaults from the file): what bootstrap-common.sh's run_document does at a boot on AWS.
run_document() {
  local h=$1 name=$2 script rc=0 kv
  shift 2
  local -a vars=()
  script=$(mktemp)
  "$(cat "$LAB/emulator/python")" - "$here/../ssm-documents/$name.yaml" > "$script" <<'PY' || die "cannot read $name"
import shlex, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
for key, spec in (doc.get("parameters") or {}).items():
    if "default" in spec:  # a parameter given in the environment wins, as in SSM
        print('[ -n "${SSM_%s+x}" ] || export SSM_%s=%s' % (key, key, shlex.quote(str(spec["default"]))))
for step in doc["mainSteps"]:
    # Not `( ... ) || exit`: bash ignores the step's own `set -e` inside a `||` list.
    print("(\n%s\n)\nrc=$?; [ $rc -eq 0 ] || exit $rc" % "\n".join(step["inputs"]["runCommand"]))
PY
  # The defaults CDK gives a deployed document (ClusterNames): the cluster's secrets.
  vars+=("SSM_replicationSecret=pgpilot/$CLUSTER/replication" "SSM_pcpSecret=pgpilot/$CLUSTER/pcp")
  for kv in "$@"; do vars+=("SSM_$kv"); done
  (cd / && ip netns exec "$h" env "${vars[@]}" bash "$script") 9>&- > "$LAB/$h/$name.log" 2>&1 || rc=$?
  rm -f "$script"
  [[ $rc == 0 ]] || die "$h: $name failed (exit $rc): $(tail -n 3 "$LAB/$h/$name.log")"
}
data_dir() {
  if [[ $HA == patroni* ]]; then echo "$LAB/$1/pgdata"; else echo "/var/lib/postgresql/$PGV/$1"; fi
}
# stop_pid PID SIGNAL: signal, wait up to 5 s, then SIGKILL.
stop_pid() {
  local pid=$1 i
  pid_alive "$pid" || return 0
  kill -"$2" "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do pid_alive "$pid" || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
pid_alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }
postmaster_pid() { head -1 "$(data_dir "$1")/postmaster.pid" 2>/dev/null || true; }
pgpool_pid() { cat "$LAB/pgpool1/pgpool.pid" 2>/dev/null || true; }
emulator_pid() { cat "$LAB/emulator/moto.pid" 2>/dev/null || true; }
endpoint() { echo "${EXTERNAL_EMULATOR:-http://127.0.0.1:$EMULATOR_PORT}"; }
instance_id() { awk -v n="$1" '$1 == n { print $2 }' "$LAB/instances" 2>/dev/null || true; }
# Client access from the root namespace, password from the lab's pgpass file.
dsn() {
  local host=$1 q="passfile=$LAB/secrets/pgpass&connect_timeout=2"
  if is_pg "$host"; then q+="&sslmode=verify-ca&sslrootcert=$LAB/tls/ca.crt"; else q+="&sslmode=disable"; fi
  echo "postgresql://$DBUSER@$(addr "$host"):$PORT/postgres?$q"
}
sql() { psql "$(dsn "$1")" -X -At -F'|' -v ON_ERROR_STOP=1 -c "$2"; }

wait_for() { # wait_for SECONDS WHAT CMD...: bounded poll
  local limit=$1 what=$2; shift 2
  local deadline=$(($(date +%s) + limit))
  until "$@" >/dev/null 2>&1; do
    (($(date +%s) < deadline)) || die "timed out after ${limit}s waiting for $what"
    sleep 0.1
  done
}

lock() {
  exec 9>"$LAB.lock"
  flock -w 120 9 || die "another lab command holds $LAB.lock"
}

# ---------------------------------------------------------------- network

hosts_file() {
  cat <<EOF
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
$S3_ADDR	$S3_HOST
EOF
  local h
  # A hand-built cluster's hosts know each other by plain lines; adoption adds pgpilot's block.
  if [[ $BUILT == hand-built ]]; then
    for h in "${HOSTS[@]}"; do printf '%s\t%s\n' "$(addr "$h")" "$h"; done
    return
  fi
  echo "# BEGIN pgpilot managed hosts"
  for h in "${HOSTS[@]}"; do
    if [[ $h == pg1 ]]; then printf '%s\t%s pg-primary\n' "$(addr "$h")" "$h"
    else printf '%s\t%s\n' "$(addr "$h")" "$h"; fi
  done
  echo "# END pgpilot managed hosts"
}

network_up() {
  local conflict
  conflict=$(ip -4 route show to match "$NET.0/24" | grep -v "dev $BRIDGE" | grep -v '^default' || true)
  [[ -z $conflict ]] || die "the lab subnet $NET.0/24 overlaps a route of this machine ($conflict); set PGPILOT_LAB_NET"
  ip link add "$BRIDGE" type bridge
  ip addr add "$NET.1/24" dev "$BRIDGE"
  ip addr add "$S3_ADDR/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  local h
  for h in "${HOSTS[@]}"; do
    ip netns add "$h"
    ip link add "pgpl-$h" type veth peer name eth0 netns "$h"
    ip link set "pgpl-$h" master "$BRIDGE" up
    ip -n "$h" addr add "$(addr "$h")/24" dev eth0
    ip -n "$h" link set lo up
    ip -n "$h" link set eth0 up
    mkdir -p "/etc/netns/$h"
    hosts_file > "/etc/netns/$h/hosts"
  done
}

# ---------------------------------------------------------------- secrets and TLS

secrets_up() {
  install -d -m 0755 "$LAB"
  install -d -m 0700 "$LAB/secrets"
  openssl rand -hex 16 > "$LAB/secrets/$DBUSER.password"
  openssl rand -hex 16 > "$LAB/secrets/replicator.password"
  openssl rand -hex 16 > "$LAB/secrets/pcp.password"
  printf '*:*:*:%s:%s\n' "$DBUSER" "$(cat "$LAB/secrets/$DBUSER.password")" > "$LAB/secrets/pgpass"
  printf '*:*:%s:%s\n' "$DBUSER" "$(cat "$LAB/secrets/pcp.password")" > "$LAB/secrets/pcppass"
  chmod 0600 "$LAB"/secrets/*

  install -d -m 0755 "$LAB/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj "/CN=pgpilot lab CA" -keyout "$LAB/secrets/ca.key" -out "$LAB/tls/ca.crt" 2>/dev/null
  # The S3 gateway's certificate: written to a temporary name first, since the gateway starts
  # serving as soon as both files exist.
  install -d -m 0700 "$LAB/s3"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=$S3_HOST" -keyout "$LAB/s3/s3.key" -out "$LAB/s3/s3.csr" 2>/dev/null
  openssl x509 -req -in "$LAB/s3/s3.csr" -CA "$LAB/tls/ca.crt" -CAkey "$LAB/secrets/ca.key" \
    -CAcreateserial -days 30 -out "$LAB/s3/s3.crt.tmp" -extfile <(printf 'subjectAltName=DNS:%s\n' "$S3_HOST") 2>/dev/null
  mv "$LAB/s3/s3.crt.tmp" "$LAB/s3/s3.crt"
  # pgBackRest's TLS client certificate, CN pgpilot-backup: what a node's pgBackRest TLS server
  # lets in (bootstrap-postgres.sh makes each node's on AWS).
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=pgpilot-backup" \
    -keyout "$LAB/secrets/backup-client.key" -out "$LAB/secrets/backup-client.csr" 2>/dev/null
  openssl x509 -req -in "$LAB/secrets/backup-client.csr" -CA "$LAB/tls/ca.crt" -CAkey "$LAB/secrets/ca.key" \
    -CAcreateserial -days 30 -out "$LAB/tls/backup-client.crt" 2>/dev/null
  rm "$LAB/secrets/backup-client.csr"
  local n
  for n in "${PG_NODES[@]}"; do
    install -d -o postgres -g postgres -m 0700 "$LAB/$n" "$LAB/$n/tls" "$LAB/$n/run"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj "/CN=$n" -keyout "$LAB/$n/tls/server.key" -out "$LAB/$n/tls/server.csr" 2>/dev/null
    openssl x509 -req -in "$LAB/$n/tls/server.csr" -CA "$LAB/tls/ca.crt" -CAkey "$LAB/secrets/ca.key" \
      -CAcreateserial -days 30 -out "$LAB/$n/tls/server.crt" \
      -extfile <(printf 'subjectAltName=DNS:%s,IP:%s\n' "$n" "$(addr "$n")") 2>/dev/null
    cp "$LAB/tls/ca.crt" "$LAB/$n/tls/ca.crt"
    rm "$LAB/$n/tls/server.csr"
    # The standby's replication password lives in a passfile, never in primary_conninfo.
    printf '*:*:replication:replicator:%s\n' "$(cat "$LAB/secrets/replicator.password")" > "$LAB/$n/replication.pgpass"
    chown -R postgres:postgres "$LAB/$n"
    chmod 0600 "$LAB/$n/tls/server.key" "$LAB/$n/replication.pgpass"
  done
  # Each host's /etc/pgpilot, where SSM documents find the CA and read secrets by name as
  # a real host has them: `ip netns exec` mounts /etc/netns/HOST/pgpilot over /etc/pgpilot.
  install -d -m 0755 /etc/pgpilot
  local h
  for h in "${HOSTS[@]}"; do
    install -d -m 0755 "/etc/netns/$h/pgpilot" "/etc/netns/$h/pgpilot/tls"
    install -d -m 0700 "/etc/netns/$h/pgpilot/secrets" "/etc/netns/$h/pgpilot/secrets/pgpilot" \
      "/etc/netns/$h/pgpilot/secrets/pgpilot/$CLUSTER"
    # A database host built by hand trusts the CA where its own configuration says; adoption copies it.
    if ! is_pg "$h" || [[ $BUILT != hand-built ]]; then cp "$LAB/tls/ca.crt" "/etc/netns/$h/pgpilot/tls/ca.crt"; fi
    if is_pg "$h"; then
      install -m 0644 "$LAB/tls/backup-client.crt" "/etc/netns/$h/pgpilot/tls/backup-client.crt"
      install -o postgres -g postgres -m 0600 "$LAB/secrets/backup-client.key" "/etc/netns/$h/pgpilot/tls/backup-client.key"
    fi
    # The cluster's secret names (ClusterNames): pgpilot/CLUSTER/replication, pgpilot/CLUSTER/pcp.
    install -m 0600 "$LAB/secrets/replicator.password" "/etc/netns/$h/pgpilot/secrets/pgpilot/$CLUSTER/replication"
    install -m 0600 "$LAB/secrets/pcp.password" "/etc/netns/$h/pgpilot/secrets/pgpilot/$CLUSTER/pcp"
    if is_pg "$h"; then
      # The functions' login (PGPILOT_DB_SECRET), which adoption gives the primary.
      (umask 077 && jq -n --arg u "$DBUSER" --rawfile p "$LAB/secrets/$DBUSER.password" \
        '{username: $u, password: ($p | rtrimstr("\n"))}' > "/etc/netns/$h/pgpilot/secrets/pgpilot/$CLUSTER/db")
      # The boot gate's settings, as the CDK user data writes them (adoption, on a hand-built
      # cluster); the metadata is the lab's.
      printf 'PGPILOT_METADATA_URL=http://%s:%s\n' "$NET.1" "$METADATA_PORT" > "/etc/netns/$h/pgpilot/boot.env"
      if [[ $BUILT != hand-built ]]; then
        printf 'PGPILOT_PG_VERSION=%s\nPGPILOT_PG_CLUSTER=%s\n' "$PGV" "$h" >> "/etc/netns/$h/pgpilot/boot.env"
      fi
    fi
  done
}

# ---------------------------------------------------------------- PostgreSQL

create_cluster() {
  local n=$1 start_conf=manual
  [[ $BUILT != hand-built ]] || start_conf=auto   # Debian's default, which adoption changes
  if [[ -d $(conf_dir "$n") ]]; then
    [[ -e $(conf_dir "$n")/$MARKER ]] || die "PostgreSQL cluster $PGV/$n exists and was not made by the lab; drop it (pg_dropcluster $PGV $n) or keep the lab off this machine"
    pg_dropcluster --stop "$PGV" "$n"
  fi
  pg_createcluster "$PGV" "$n" -p "$PORT" -s "$LAB/$n/run" --start-conf="$start_conf" \
    -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  touch "$(conf_dir "$n")/$MARKER"
  cat > "$(conf_dir "$n")/conf.d/pgpilot-lab.conf" <<EOF
# The lab host $n: listens only on its own lab address.
listen_addresses = '$(addr "$n")'
cluster_name = '$n'
ssl = on
ssl_cert_file = '$LAB/$n/tls/server.crt'
ssl_key_file = '$LAB/$n/tls/server.key'
ssl_ca_file = '$LAB/$n/tls/ca.crt'
shared_buffers = '32MB'
max_connections = 60
EOF
  if [[ $BUILT != hand-built ]]; then
    cat >> "$(conf_dir "$n")/conf.d/pgpilot-lab.conf" <<EOF
wal_level = replica
max_wal_senders = 10
wal_keep_size = '256MB'
hot_standby = on
hot_standby_feedback = on
# An old primary can rejoin with pg_rewind instead of a full base backup.
wal_log_hints = on
# A standby that lost its upstream retries at once, so a promotion never waits 5 s.
wal_retrieve_retry_interval = '50ms'
# A silently dead upstream (power loss, hang) is noticed in seconds, not the default minute:
# until then the standby still reports streaming, which holds back a confirmed failover.
wal_receiver_timeout = '5s'
wal_sender_timeout = '5s'
EOF
  fi
  cat > "$(conf_dir "$n")/pg_hba.conf" <<EOF
# TYPE   DATABASE     USER        ADDRESS        METHOD
local    all          postgres                   peer
hostssl  replication  replicator  $NET.0/24  scram-sha-256
host     all          all         $NET.0/24  scram-sha-256
EOF
}

start_node() {
  in_ns "$1" pg_ctlcluster "$PGV" "$1" start
}

primary_up() {
  local n=$1
  create_cluster "$n"
  start_node "$n"
  in_ns "$n" psql -X -q -h "$LAB/$n/run" -d postgres -v ON_ERROR_STOP=1 <<EOF
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '$(cat "$LAB/secrets/replicator.password")';
CREATE ROLE $DBUSER WITH SUPERUSER LOGIN PASSWORD '$(cat "$LAB/secrets/$DBUSER.password")';
EOF
}

standby_up() {
  local n=$1 upstream=$2 data
  data=$(data_dir "$n")
  create_cluster "$n"
  find "$data" -mindepth 1 -delete
  in_ns "$n" env PGPASSFILE="$LAB/$n/replication.pgpass" PGSSLMODE=verify-ca PGSSLROOTCERT="$LAB/$n/tls/ca.crt" \
    pg_basebackup -h "$upstream" -p "$PORT" -U replicator -D "$data" -X stream -c fast -w
  if [[ $BUILT == hand-built ]]; then
    # As the source documents write it: the upstream's address, a generic application_name, and
    # the password in primary_conninfo itself.
    cat > "$data/postgresql.auto.conf" <<EOF
primary_conninfo = 'host=$(addr "$upstream") port=$PORT user=replicator password=$(cat "$LAB/secrets/replicator.password") sslmode=verify-ca sslrootcert=$LAB/$n/tls/ca.crt application_name=${APPLICATION_NAME[$n]}'
EOF
  else
    cat > "$data/postgresql.auto.conf" <<EOF
primary_conninfo = 'host=$upstream port=$PORT user=replicator passfile=$LAB/$n/replication.pgpass sslmode=verify-ca sslrootcert=$LAB/$n/tls/ca.crt application_name=$n connect_timeout=2'
EOF
  fi
  chown postgres:postgres "$data/postgresql.auto.conf"
  in_ns "$n" touch "$data/standby.signal"
  start_node "$n"
  wait_for 20 "$n to stream from $upstream" streams "$n"
}

# Each poll asks again: a $(...) in wait_for's arguments would be asked only once.
streams() { test "$(sql "$1" "SELECT status FROM pg_stat_wal_receiver")" = streaming; }

# ---------------------------------------------------------------- pgpool-II

pgpool_up() {
  local d=$LAB/pgpool1 i=0 n
  # pgpool1's /etc/pgpool2, as on a real host: `ip netns exec` mounts this folder over it.
  local etc=/etc/netns/pgpool1/pgpool2
  install -d -o postgres -g postgres -m 0700 "$d" "$d/run" "$d/log"
  install -d -o postgres -g postgres -m 0755 "$etc"
  {
    cat <<EOF
# pgpool-II on pgpool1: streaming-replication mode, reads balanced over the standbys.
backend_clustering_mode = 'streaming_replication'
listen_addresses = '$(addr pgpool1)'
port = $PORT
unix_socket_directories = '$d/run'
# Every address of pgpool1 (its lab address and loopback, nothing else in its namespace).
pcp_listen_addresses = '*'
pcp_port = $PCP_PORT
pcp_socket_dir = '$d/run'
pid_file_name = '$d/run/pgpool.pid'
logdir = '$d/log'
log_destination = 'stderr'
enable_pool_hba = on
pool_passwd = 'pool_passwd'
num_init_children = 16
max_pool = 2
load_balance_mode = on
sr_check_period = 1
sr_check_user = '$DBUSER'
sr_check_password = ''
health_check_period = 1
health_check_timeout = 2
health_check_user = '$DBUSER'
health_check_password = ''
health_check_max_retries = 0
# As on AWS (cdk bootstrap-pgpool.sh): a backend whose host is gone answers nothing, and pgpool's
# 10 s default held its restart of every child after a failover (measured: 10 s of no reads or writes).
connect_timeout = 2000
EOF
    if [[ $HA == pgpool ]]; then
      cat <<EOF
# pgpool-II decides failovers (the drill's comparison): its sample scripts, by SQL instead of ssh.
failover_command = '/etc/pgpool2/pgpool-failover.sh %d %h %H %P'
follow_primary_command = '/etc/pgpool2/pgpool-follow-primary.sh %d %h %H'
failover_on_backend_error = on
search_primary_node_timeout = 0
EOF
    elif [[ $HA == pgpilot ]]; then
      cat <<EOF
# pgpilot decides failovers; pgpool is its sensor, as on AWS (cdk bootstrap-pgpool.sh): it detaches
# a backend at a failed health check or a session's error and reports it, promoting nothing. It
# finds the new primary by itself.
failover_command = 'PGPILOT_REPORT_CONF=/etc/pgpool2/pgpool-report.env /etc/pgpool2/pgpilot-pgpool-report %d %h %p %P'
failover_on_backend_error = on
# A 1 s search, as on AWS: while pgpool searches, it queues every re-attach (pcp_attach_node), so
# after a blip between pgpool and a live primary, writes wait for the search's end (measured with
# 5 s: writes back 3.6 s after the path's return; an endless search keeps them down for good).
# pgpilot tells pgpool the primary it promoted (pgpilot-PgpoolBackends, sent with the promotion).
search_primary_node_timeout = 1
EOF
    else
      cat <<EOF
# $HA, not pgpool, decides failovers; pgpool finds the new primary by itself.
failover_command = ''
failover_on_backend_error = off
search_primary_node_timeout = 0
EOF
    fi
    for n in "${PG_NODES[@]}"; do
      # The primary takes no reads: reads go to the standbys, writes to the primary.
      local weight=1
      [[ ${ROLE[$n]} == primary ]] && weight=0
      cat <<EOF
backend_hostname$i = '$n'
backend_port$i = $PORT
backend_weight$i = $weight
backend_flag$i = 'ALLOW_TO_FAILOVER'
backend_application_name$i = '$n'
EOF
      i=$((i + 1))
    done
  } > "$etc/pgpool.conf"
  if [[ $HA == pgpilot ]]; then
    install -m 0755 "$PGPOOL_REPORT" "$etc/pgpilot-pgpool-report"
    # What the report is sent with: the lab's dummy credentials (an instance role's on AWS), no secret.
    printf '%s\n' "PGPILOT_CLUSTER=$CLUSTER" PGPILOT_PGPOOL_NAME=pgpool1 "AWS_DEFAULT_REGION=${AWS_REGION:-us-east-1}" \
      "PGPILOT_EVENTS_ENDPOINT=http://$NET.1:$EVENTS_PORT" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
      > "$etc/pgpool-report.env"
  fi
  if [[ $HA == pgpool ]]; then
    install -m 0755 "$here/ha/pgpool-failover.sh" "$here/ha/pgpool-follow-primary.sh" "$etc/"
    # pgpool runs as postgres: its scripts get their own copies of the passfiles.
    install -o postgres -g postgres -m 0600 "$LAB/secrets/pgpass" "$LAB/secrets/pcppass" "$d/"
    printf 'LAB=%q\n' "$LAB" > "$etc/lab.env"
  fi
  printf 'host all all %s.0/24 scram-sha-256\n' "$NET" > "$etc/pool_hba.conf"
  printf '%s:TEXT%s\n' "$DBUSER" "$(cat "$LAB/secrets/$DBUSER.password")" > "$etc/pool_passwd"
  printf '%s:%s\n' "$DBUSER" "$(printf '%s' "$(cat "$LAB/secrets/pcp.password")" | md5sum | cut -d' ' -f1)" > "$etc/pcp.conf"
  chown -R postgres:postgres "$d" "$etc"
  chmod 0600 "$etc"/*.conf "$etc/pool_passwd"
  pgpool_start
}

pgpool_start() {
  local d=$LAB/pgpool1
  # -n: stay in the foreground, so $! is pgpool's own PID; -D: forget node states of a past run.
  in_ns_daemon pgpool1 pgpool -n -D -f /etc/pgpool2/pgpool.conf -F /etc/pgpool2/pcp.conf -a /etc/pgpool2/pool_hba.conf \
    >> "$d/log/pgpool.log" 2>&1 9>&- &
  echo $! > "$d/pgpool.pid"
  wait_for 20 "pgpool1 to see the primary" pgpool_sees_primary
  pgpool_health_start
}

# The load balancer's health check of pgpool1, the very script the CDK user data installs, run
# once per connection as systemd's socket activation runs it on AWS (socket_activation.py).
pgpool_health_start() {
  local d=$LAB/pgpool1
  install -o postgres -g postgres -m 0600 "$LAB/secrets/pgpass" "$d/health.pgpass"
  printf "PGPILOT_HEALTH_DSN='host=%s port=%s dbname=postgres user=%s sslmode=disable connect_timeout=2'\nPGPASSFILE=%s\n" \
    "$(addr pgpool1)" "$PORT" "$DBUSER" "$d/health.pgpass" > /etc/netns/pgpool1/pgpilot/pgpool-health.env
  # The listener is root's, as systemd's socket is; each check runs as postgres, which reads the pgpass.
  (exec ip netns exec pgpool1 "$(cat "$LAB/emulator/python")" "$here/socket_activation.py" \
    --listen "$(addr pgpool1):$HEALTH_PORT" -- "${AS_POSTGRES[@]}" bash "$PGPOOL_HEALTH") >> "$d/log/health.log" 2>&1 9>&- &
  echo $! > "$d/health.pid"
}

pgpool_sees_primary() {
  psql "$(dsn pgpool1)" -X -At -c 'SHOW pool_nodes' | grep -q '|primary|'
}

# ---------------------------------------------------------------- WAL archive

# The S3 gateway is the lab's own emulator's; a hand-built cluster has no archive.
archive_enabled() { [[ -z $EXTERNAL_EMULATOR && $BUILT != hand-built ]]; }

# pgbackrest_conf HOST DATA_DIR SOCKET_DIR: HOST's /etc/pgbackrest/pgbackrest.conf, as bootstrap
# writes it on AWS, except for the way to S3 (the gateway, the lab CA, the emulator's keys) and
# paths of its own for what pgBackRest keeps on the host (lab hosts share one file system). A
# database node's also configures its pgBackRest TLS server, which a backup from a standby uses.
pgbackrest_conf() {
  local h=$1 server=''
  if is_pg "$h"; then
    server="
[global:server]
tls-server-address=$(addr "$h")
tls-server-cert-file=$LAB/$h/tls/server.crt
tls-server-key-file=$LAB/$h/tls/server.key
tls-server-ca-file=/etc/pgpilot/tls/ca.crt
tls-server-auth=pgpilot-backup=$STANZA
"
  fi
  install -d -m 0755 /etc/pgbackrest "/etc/netns/$h/pgbackrest"
  install -d -o postgres -g postgres -m 0700 "$LAB/$h" "$LAB/$h/pgbackrest"
  { cat "$PGBACKREST_SETTINGS"; printf '%s' "$server"; cat <<EOF

[$STANZA]
repo1-type=s3
repo1-s3-bucket=$BUCKET
repo1-s3-endpoint=$S3_HOST
repo1-storage-port=$S3_PORT
repo1-s3-region=$REGION
repo1-s3-uri-style=path
# The emulator takes any key; on AWS the instance role's credentials are used (key-type auto).
repo1-s3-key-type=shared
repo1-s3-key=testing
repo1-s3-key-secret=testing
repo1-storage-ca-file=/etc/pgpilot/tls/ca.crt
repo1-path=/$CLUSTER
repo1-retention-full=2
spool-path=$LAB/$h/pgbackrest
lock-path=$LAB/$h/pgbackrest
log-path=$LAB/$h/pgbackrest
pg1-path=$2
pg1-socket-path=$3
pg1-port=$PORT
EOF
  } > "/etc/netns/$h/pgbackrest/pgbackrest.conf"
  chmod 0644 "/etc/netns/$h/pgbackrest/pgbackrest.conf"
}

# The bucket, and every host's pgBackRest configuration (the restore host's for its restore target).
archive_prepare() {
  wait_for 20 "the AWS API emulator at $(endpoint)" curl -s -o /dev/null "$(endpoint)"
  aws_env aws --endpoint-url "$(endpoint)" s3api create-bucket --bucket "$BUCKET" >/dev/null
  local n
  for n in "${PG_NODES[@]}"; do pgbackrest_conf "$n" "$(data_dir "$n")" "$LAB/$n/run"; done
  pgbackrest_conf "$RESTORE_HOST" "/var/lib/postgresql/$PGV/$RESTORE_CLUSTER" /var/run/postgresql
}

# backup_server_start HOST: HOST's pgBackRest TLS server, as its systemd unit starts it at boot on AWS.
backup_server_start() {
  local h=$1
  pid_alive "$(backup_server_pid "$h")" && return 0
  in_ns_daemon "$h" pgbackrest server >> "$LAB/$h/pgbackrest/server.log" 2>&1 9>&- &
  echo $! > "$LAB/$h/pgbackrest/server.pid"
}
backup_server_pid() { cat "$LAB/$1/pgbackrest/server.pid" 2>/dev/null || true; }

# The node that answers as primary now.
current_primary() {
  local n
  for n in "${PG_NODES[@]}"; do
    [[ $(sql "$n" 'SELECT pg_is_in_recovery()' 2>/dev/null) == f ]] && { echo "$n"; return 0; }
  done
  die "no node of the lab answers as primary"
}

cmd_backup() {
  local type=full from=standby p s
  while (($#)); do
    case $1 in
      full|diff|incr) type=$1; shift ;;
      --from-primary) from=primary; shift ;;
      *) die "usage: lab backup [full|diff|incr] [--from-primary]; nothing changed" ;;
    esac
  done
  lab_exists || die "the lab is not up (./pgpilot lab up)"
  archive_enabled || die "the lab's archive needs its own emulator (PGPILOT_EMULATOR_ENDPOINT is set)"
  p=$(current_primary)
  # The first standby that streams from the primary, as the automation chooses (BackupSource).
  if [[ $from == standby ]]; then
    s=$(sql "$p" "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming' ORDER BY application_name LIMIT 1")
    [[ -n $s ]] || { echo "pgpilot lab: no standby streams from $p: backing up the primary"; from=primary; }
  fi
  if [[ $from == primary ]]; then
    run_document "$p" pgpilot-Backup cluster="$p" stanza="$STANZA" type="$type"
    tail -n 1 "$LAB/$p/pgpilot-Backup.log"
  else
    run_document "$s" pgpilot-Backup cluster="$s" stanza="$STANZA" type="$type" primaryHost="$p" primaryCluster="$p"
    tail -n 1 "$LAB/$s/pgpilot-Backup.log"
  fi
}

cmd_restore() {
  local type=latest target='' backup='' replace=false
  while (($#)); do
    case $1 in
      --time) (($# >= 2)) || die "--time needs a timestamp; nothing changed"; type='time'; target=$2; shift 2 ;;
      --name) (($# >= 2)) || die "--name needs a restore point; nothing changed"; type=name; target=$2; shift 2 ;;
      --latest) type=latest; shift ;;
      --backup) (($# >= 2)) || die "--backup needs a label; nothing changed"; backup=$2; shift 2 ;;
      --replace) replace=true; shift ;;
      *) die "usage: lab restore [--time 'YYYY-MM-DD HH:MM:SS+00' | --name POINT | --latest] [--backup LABEL] [--replace]; nothing changed" ;;
    esac
  done
  lab_exists || die "the lab is not up (./pgpilot lab up)"
  archive_enabled || die "the lab's archive needs its own emulator (PGPILOT_EMULATOR_ENDPOINT is set)"
  run_document "$RESTORE_HOST" pgpilot-RestoreNode cluster="$RESTORE_CLUSTER" stanza="$STANZA" \
    targetType="$type" target="$target" backup="$backup" replace="$replace" \
    listenAddresses="$(addr "$RESTORE_HOST")" clientCidr="$NET.0/24" port="$RESTORE_PORT"
  tail -n 1 "$LAB/$RESTORE_HOST/pgpilot-RestoreNode.log" | jq -c --arg dsn \
    "postgresql://$DBUSER@$(addr "$RESTORE_HOST"):$RESTORE_PORT/postgres?passfile=$LAB/secrets/pgpass&connect_timeout=2&sslmode=disable" \
    '. + {dsn: $dsn}'
}

# pgBackRest's own record of the backups (backup.info in the repository): one JSON line each.
cmd_backups() {
  (($# == 0)) || die "usage: lab backups"
  lab_exists || die "the lab is not up (./pgpilot lab up)"
  archive_enabled || die "the lab's archive needs its own emulator (PGPILOT_EMULATOR_ENDPOINT is set)"
  in_ns "$(current_primary)" pgbackrest --stanza="$STANZA" --output=json info | jq -c '.[0].backup[]? | {label: .label, type: .type,
    startedAt: (.timestamp.start | todate), durationSeconds: (.timestamp.stop - .timestamp.start),
    databaseBytes: .info.size, repositoryBytes: .info.repository.delta, walStart: .archive.start, walStop: .archive.stop}'
}

cmd_rebuild() {
  local h=${1:-} source=auto p up started
  (($#)) && shift
  while (($#)); do
    case $1 in
      --source) (($# >= 2)) || die "--source needs auto, archive or upstream; nothing changed"; source=$2; shift 2 ;;
      *) die "usage: lab rebuild HOST [--source auto|archive|upstream]; nothing changed" ;;
    esac
  done
  [[ " ${PG_NODES[*]} " == *" $h "* ]] || die "usage: lab rebuild HOST [--source auto|archive|upstream] (HOST: ${PG_NODES[*]}); nothing changed"
  [[ $source =~ ^(auto|archive|upstream)$ ]] || die "--source must be auto, archive or upstream, got '$source'; nothing changed"
  lab_exists || die "the lab is not up (./pgpilot lab up)"
  p=$(current_primary)
  [[ $h != "$p" ]] || die "$h is the primary: only a standby is rebuilt; nothing changed"
  # From the upstream it streams from, so the chain stays as it is; from the primary when it streams from none.
  up=$(sql "$h" 'SELECT sender_host FROM pg_stat_wal_receiver' 2>/dev/null || true)
  [[ " ${PG_NODES[*]} " == *" $up "* ]] || up=$p
  # pgpilot-RebuildStandby is pgpilot-ConfigureStandby with force=true (run_document runs no nested documents).
  started=$(date +%s.%N)
  run_document "$h" pgpilot-ConfigureStandby cluster="$h" upstreamHost="$up" applicationName="$h" force=true source="$source"
  tail -n 1 "$LAB/$h/pgpilot-ConfigureStandby.log" | jq -c --argjson s "$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')" \
    '. + {durationSeconds: $s}'
}

# A restore target the lab's restore made: stopped by PID and dropped.
restore_down() {
  local conf=/etc/postgresql/$PGV/$RESTORE_CLUSTER
  [[ -e $conf/pgpilot-restore ]] || return 0
  stop_pid "$(head -1 "/var/lib/postgresql/$PGV/$RESTORE_CLUSTER/postmaster.pid" 2>/dev/null || true)" QUIT
  pg_dropcluster "$PGV" "$RESTORE_CLUSTER" 2>/dev/null || true
  rm -rf "$conf" "/var/lib/postgresql/$PGV/$RESTORE_CLUSTER"
}

# ---------------------------------------------------------------- AWS API emulator

emulator_start() {
  local py
  py=$("$here/prerequisites.sh" emulator)
  install -d -m 0755 "$LAB/emulator"
  echo "$py" > "$LAB/emulator/python"
  [[ -z $EXTERNAL_EMULATOR ]] || return 0
  # moto server plus the CloudFormation providers that pgpilot's stack needs (cdk/smoke-deploy.sh),
  # and the lab's EC2 lifecycle: its instances stop, start and boot their hosts as EC2's do.
  PGPILOT_LAB_HOOK="$(printf '%q' "$here/lab.sh") instance" PGPILOT_LAB_CLUSTER=$CLUSTER \
    PGPILOT_LAB_METADATA=$NET.1:$METADATA_PORT PGPILOT_LAB_REGION=${AWS_REGION:-us-east-1} \
    PGPILOT_LAB_EVENTS=$NET.1:$EVENTS_PORT PGPILOT_LAB_EMULATOR_PORT=$EMULATOR_PORT \
    PGPILOT_LAB_S3=$S3_ADDR:$S3_PORT PGPILOT_LAB_S3_BUCKET=$BUCKET PGPILOT_LAB_S3_TLS=$LAB/s3 \
    PGPILOT_LAB_DIR=$LAB PGPILOT_LAB_NET=$NET \
    setsid "$py" "$here/emulator_server.py" -H 127.0.0.1 -p "$EMULATOR_PORT" >> "$LAB/emulator/moto.log" 2>&1 9>&- &
  echo $! > "$LAB/emulator/moto.pid"
}

emulator_register() {
  wait_for 20 "the AWS API emulator at $(endpoint)" curl -s -o /dev/null "$(endpoint)"
  local specs=() h spec
  for h in "${HOSTS[@]}"; do
    # A hand-built cluster's database instances carry their Name only, until adoption tags them.
    if is_pg "$h" && [[ $BUILT == hand-built ]]; then specs+=("$h=$(addr "$h")="); continue; fi
    spec="$h=$(addr "$h")=${ROLE[$h]}"
    # What the automation needs to know of a database host: its Debian cluster name (the lab's
    # are named after their hosts; "main" elsewhere), its upstream, whether it is the sync standby.
    if is_pg "$h"; then spec+="=pgcluster:$h"; fi
    if [[ -n ${UPSTREAM[$h]:-} ]]; then spec+="=upstream:${UPSTREAM[$h]}"; fi
    if [[ $h == "$SYNC_STANDBY" ]]; then spec+="=sync:true"; fi
    specs+=("$spec")
  done
  emulator register "$CLUSTER" "$NET.0/16" "$NET.0/24" "${specs[@]}" > "$LAB/instances.tmp"
  mv "$LAB/instances.tmp" "$LAB/instances"
  emulator automation "$CLUSTER" "$DBUSER" < "$LAB/secrets/$DBUSER.password" > "$LAB/automation.env"
}

# emulator ARGS...: lab/emulator.py against the lab's emulator.
emulator() {
  AWS_ENDPOINT_URL=$(endpoint) aws_env "$(cat "$LAB/emulator/python")" "$here/emulator.py" "$@"
}
instance_is() { [[ $(emulator state "$1") == "$2" ]]; }

# The emulator accepts any credentials; these keep a developer's real ones out of the lab.
aws_env() {
  local region=${AWS_REGION:-us-east-1}
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing \
    AWS_REGION=$region AWS_DEFAULT_REGION=$region "$@"
}

# ---------------------------------------------------------------- up / down

lab_healthy() {
  [[ -e $LAB/up ]] || return 1
  if [[ $HA == patroni* ]]; then patroni_healthy || return 1; fi
  local n
  for n in "${PG_NODES[@]}"; do pid_alive "$(postmaster_pid "$n")" || return 1; done
  pid_alive "$(pgpool_pid)" && { [[ -n $EXTERNAL_EMULATOR ]] || pid_alive "$(emulator_pid)"; }
}

lab_exists() {
  if [[ -e $LAB ]] || ip link show "$BRIDGE" >/dev/null 2>&1; then return 0; fi
  local h
  for h in "${HOSTS[@]}"; do [[ -e /run/netns/$h ]] && return 0; done
  return 1
}

cmd_up() {
  local want=pgpilot hand=false built=pgpilot m
  while (($#)); do
    case $1 in
      --ha) want=${2:-}; shift ;;
      --hand-built) hand=true ;;
      *) die "usage: lab up [--ha ${HA_MODES[*]// /|}] [--hand-built]" ;;
    esac
    shift
  done
  for m in "${HA_MODES[@]}"; do [[ $m == "$want" ]] && break; done
  [[ $m == "$want" ]] || die "unknown HA mode '$want' (one of ${HA_MODES[*]}); nothing changed"
  [[ $hand == false || $want == pgpilot ]] || die "--hand-built builds a cluster for pgpilot to adopt: not with --ha $want"
  lock
  # Without --hand-built, a lab that is up and whole is reused however its cluster was built (the
  # drill's `lab up` runs on an adopted one); a new lab's cluster is pgpilot's.
  if [[ $hand == true ]]; then built="hand-built"; elif lab_healthy && [[ $HA == "$want" ]]; then built=$BUILT; fi
  if lab_healthy && [[ $HA == "$want" && $BUILT == "$built" ]]; then
    echo "pgpilot lab: already up (reused, HA by $HA, $(built_by))"
    return 0
  fi
  if lab_exists; then
    say "an earlier lab (HA by $HA, $(built_by)) is incomplete, stopped or of another mode: removing it"
    teardown
  fi
  HA=$want BUILT=$built
  [[ $(id -u) == 0 ]] || die "the lab creates network namespaces: run it as root"
  if [[ $HA == patroni* ]]; then "$here/prerequisites.sh" patroni; fi
  emulator_start
  say "network: bridge $BRIDGE $NET.0/24, hosts ${HOSTS[*]}"
  network_up
  secrets_up
  echo "$HA" > "$LAB/ha"
  echo "$BUILT" > "$LAB/built"
  if [[ $HA == patroni* ]]; then
    patroni_cluster_up
  elif [[ $BUILT == hand-built ]]; then
    # As the source documents build it, with no pgpilot document: pg_basebackup, primary_conninfo
    # with the password, synchronous_standby_names '*', Debian's defaults and start.conf auto.
    say "pg1: primary, built by hand"
    primary_up pg1
    say "pg2: standby of pg1 (${APPLICATION_NAME[pg2]}), then synchronous: synchronous_standby_names '*'"
    standby_up pg2 "${UPSTREAM[pg2]}"
    # Set once a standby streams, as the source documents do: before, every commit would wait.
    echo "synchronous_standby_names = '*'" >> "$(conf_dir pg1)/conf.d/pgpilot-lab.conf"
    in_ns pg1 pg_ctlcluster "$PGV" pg1 reload
    say "pg3: cascading standby of pg2 (${APPLICATION_NAME[pg3]})"
    standby_up pg3 "${UPSTREAM[pg3]}"
  else
    say "pg1: primary"
    primary_up pg1
    say "pg2: synchronous standby of pg1"
    standby_up pg2 "${UPSTREAM[pg2]}"
    say "pg3: downstream standby of pg2 (cascading)"
    standby_up pg3 "${UPSTREAM[pg3]}"
    # As bootstrap-postgres.sh does on AWS: every node configured by pgpilot's own document
    # (pg_hba block, replication role and its pg_rewind grants, settings), so that a failover
    # only has to change synchronous_standby_names.
    local archive=()
    if archive_enabled; then
      say "archive: S3 bucket $BUCKET through https://$S3_HOST ($S3_ADDR), pgBackRest stanza $STANZA"
      archive_prepare
      archive=(archiveStanza="$STANZA")
    fi
    say "pg1 pg2 pg3: pgpilot-ConfigurePrimary"
    run_document pg1 pgpilot-ConfigurePrimary cluster=pg1 replicationCidr="$NET.0/24" syncStandbys="$SYNC_STANDBY" "${archive[@]}"
    run_document pg2 pgpilot-ConfigurePrimary cluster=pg2 replicationCidr="$NET.0/24" "${archive[@]}"
    run_document pg3 pgpilot-ConfigurePrimary cluster=pg3 replicationCidr="$NET.0/24" "${archive[@]}"
    if archive_enabled; then
      say "pg1 pg2 pg3: pgBackRest TLS servers (port 8432), for backups from a standby"
      for n in "${PG_NODES[@]}"; do backup_server_start "$n"; done
      say "pg1: first full backup (pgpilot-Backup)"
      run_document pg1 pgpilot-Backup cluster=pg1 stanza="$STANZA" type=full
    fi
  fi
  say "pgpool1: pgpool-II"
  pgpool_up
  say "emulator: $(endpoint), EC2 instances for ${HOSTS[*]}"
  emulator_register
  touch "$LAB/up"
  say "lab up in $(elapsed)s (HA by $HA, $(built_by))"
  if [[ $BUILT == hand-built ]]; then
    say "pg1 pg2 pg3 carry no pgpilot tags yet: ./pgpilot ctl --cluster $CLUSTER adopt --nodes pg1,pg2,pg3 [--apply]"
  fi
}

# Stops what the lab started, by PID, and removes what it created. Safe on a partial lab.
teardown() {
  local pid n h
  stop_pid "$(pgpool_pid)" TERM
  restore_down
  for n in "${PG_NODES[@]}"; do
    [[ -e $(conf_dir "$n")/$MARKER ]] || continue
    stop_pid "$(postmaster_pid "$n")" QUIT   # immediate shutdown
    pg_dropcluster "$PGV" "$n" 2>/dev/null || rm -rf "$(conf_dir "$n")" "$(data_dir "$n")"
  done
  stop_pid "$(emulator_pid)" TERM
  for h in "${HOSTS[@]}"; do
    [[ -e /run/netns/$h ]] || continue
    # Anything still running inside a lab host was started by the lab.
    for pid in $(ip netns pids "$h" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$h"
    rm -rf "/etc/netns/$h"
  done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE"; fi
  rmdir /etc/pgpilot /etc/pgbackrest 2>/dev/null || true
  # pgpilot-ConfigurePrimary's restore_command program, on the lab's one file system.
  rm -f /usr/local/lib/pgpilot/archive-get /run/postgresql/pgpilot-archive-unreachable.*
  for n in "${PG_NODES[@]}"; do rm -f "/var/log/postgresql/pgpilot-archive-old-timeline-$PGV-$n.log"; done
  rmdir /usr/local/lib/pgpilot 2>/dev/null || true
  # pgpilot-BootGate's gate, on the lab's one file system, when a lab adoption installed it.
  if cmp -s /usr/local/sbin/pgpilot-boot "$BOOT_GATE"; then
    if [[ -e /etc/systemd/system/pgpilot-boot.service ]]; then
      systemctl disable pgpilot-boot.service 2>/dev/null || true
      rm -f /etc/systemd/system/pgpilot-boot.service
    fi
    rm -f /usr/local/sbin/pgpilot-boot
  fi
  rm -rf "$LAB"
}

cmd_down() {
  lock
  if ! lab_exists; then echo "pgpilot lab: not up"; return 0; fi
  teardown
  echo "pgpilot lab: down"
}

# ---------------------------------------------------------------- status

lsn_bytes() { # 16/B374D848 -> bytes
  local hi=${1%/*} lo=${1#*/}
  echo $((16#$hi * 4294967296 + 16#$lo))
}

# One JSON object per node, then the document, assembled by jq.
node_json() {
  local n=$1 row
  if ! row=$(sql "$n" "SELECT pg_is_in_recovery(),
      CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END,
      COALESCE(pg_last_wal_replay_lsn(), pg_current_wal_lsn()),
      CASE WHEN pg_is_in_recovery()
        THEN COALESCE((SELECT received_tli FROM pg_stat_wal_receiver), (SELECT timeline_id FROM pg_control_checkpoint()))
        ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END,
      (SELECT sender_host FROM pg_stat_wal_receiver),
      (SELECT status FROM pg_stat_wal_receiver),
      (SELECT string_agg(application_name || ':' || state || ':' || sync_state, ',') FROM pg_stat_replication)" 2>/dev/null); then
    jq -n --arg name "$n" '{name: $name, reachable: false}'
    return
  fi
  IFS='|' read -r rec received replayed tli sender wal_status downstreams <<< "$row"
  jq -n --arg name "$n" --arg rec "$rec" --arg received "$received" --arg replayed "$replayed" \
    --arg tli "$tli" --arg sender "$sender" --arg walStatus "$wal_status" --arg downstreams "$downstreams" \
    --arg receivedBytes "$(lsn_bytes "$received")" --arg replayedBytes "$(lsn_bytes "$replayed")" '
    {name: $name, reachable: true, inRecovery: ($rec == "t"), timeline: ($tli | tonumber),
     upstream: (if $sender == "" then null else $sender end),
     walReceiver: (if $walStatus == "" then null else $walStatus end),
     receivedBytes: ($receivedBytes | tonumber), replayedBytes: ($replayedBytes | tonumber),
     downstreams: ($downstreams | split(",") | map(select(. != "") | split(":") | {(.[0]): {state: .[1], sync: .[2]}}) | add // {})}'
}

status_json() {
  local n probes=()
  for n in "${PG_NODES[@]}"; do probes+=("$(node_json "$n")"); done
  local addresses=() instances=() dsns=() sockets=() boots=()
  for n in "${PG_NODES[@]}"; do
    addresses+=("$n=$(addr "$n")"); instances+=("$n=$(instance_id "$n")"); dsns+=("$n=$(dsn "$n")")
    sockets+=("$n=$LAB/$n/run"); boots+=("$n=$LAB/$n/boot.log")
  done
  printf '%s\n' "${probes[@]}" | jq -s \
    --arg addresses "${addresses[*]}" --arg instances "${instances[*]}" --arg dsns "${dsns[*]}" \
    --arg sockets "${sockets[*]}" --arg boots "${boots[*]}" --arg psql "/usr/lib/postgresql/$PGV/bin/psql" \
    --arg port "$PORT" --arg pgpoolAddress "$(addr pgpool1)" --arg pgpoolDsn "$(dsn pgpool1)" \
    --arg endpoint "$(endpoint)" --arg emulatorUp "$( { [[ -n $EXTERNAL_EMULATOR ]] || pid_alive "$(emulator_pid)"; } && echo yes)" '
    def kv($s): $s | split(" ") | map(capture("^(?<k>[^=]+)=(?<v>.*)$") | {(.k): .v}) | add;
    kv($addresses) as $addr | kv($instances) as $ids | kv($dsns) as $dsn | kv($sockets) as $socket |
    kv($boots) as $boot |
    (map({(.name): .}) | add) as $by |
    # Name of a node from the host or address its WAL receiver connected to.
    def node_name($h): if $h == null then null else ([$addr | to_entries[] | select(.value == $h) | .key] | first) // $h end;
    ([.[] | select(.reachable and (.inRecovery | not)) | .receivedBytes] | max) as $head |
    {nodes: map(
       node_name(.upstream) as $up |
       {name, address: $addr[.name], port: ($port | tonumber),
        instanceId: (if $ids[.name] == "" then null else $ids[.name] end),
        role: (if .reachable | not then null elif .inRecovery then "standby" else "primary" end),
        state: (if .reachable | not then "down" elif .inRecovery | not then "running"
                else (.walReceiver // "not-streaming") end),
        inRecovery: (if .reachable then .inRecovery else null end),
        upstream: $up,
        syncState: (if $up == null then null else ($by[$up].downstreams[.name].sync // null) end),
        timeline: (.timeline // null),
        receiveLagBytes: (if .reachable and .inRecovery and $head != null then ([$head - .receivedBytes, 0] | max) else null end),
        replayLagBytes: (if .reachable and .inRecovery and $head != null then ([$head - .replayedBytes, 0] | max) else null end),
        dsn: $dsn[.name],
        # Where a client on the machine itself reaches it whatever the network does (peer
        # authentication as the postgres OS user), and what its boot gate said at each boot.
        socketDir: $socket[.name], bootLog: $boot[.name]}),
     psql: $psql,
     pgpool: {name: "pgpool1", address: $pgpoolAddress, port: ($port | tonumber), dsn: $pgpoolDsn},
     emulator: {endpoint: (if $emulatorUp == "yes" then $endpoint else null end)}}'
}

cmd_status() {
  lab_exists || die "the lab is not up (./pgpilot lab up)"
  local json
  json=$(status_json)
  if [[ ${1:-} == --json ]]; then echo "$json"; return; fi
  [[ -z ${1:-} ]] || die "usage: lab status [--json]"
  {
    echo "NODE ADDRESS ROLE UPSTREAM STATE SYNC_STATE TIMELINE RECEIVE_LAG_BYTES REPLAY_LAG_BYTES INSTANCE"
    jq -r '.nodes[] | [.name, .address, .role, .upstream, .state, .syncState, .timeline,
            .receiveLagBytes, .replayLagBytes, .instanceId] | map(. // "-" | tostring) | join(" ")' <<< "$json"
  } | column -t
  jq -r '"\npgpool:   \(.pgpool.dsn)\nemulator: \(.emulator.endpoint // "down")"' <<< "$json"
}

# The environment a pgpilot function runs with against this lab, as CDK would set it in AWS.
cmd_env() {
  [[ -e $LAB/automation.env ]] || die "the lab is not up (./pgpilot lab up)"
  cat "$LAB/automation.env"
  cat <<EOF
PGPILOT_CLUSTER=$CLUSTER
PGPILOT_REPLICATION_CIDR=$NET.0/24
PGPILOT_DB_SSLMODE=verify-ca
PGPILOT_DB_SSLROOTCERT=$LAB/tls/ca.crt
AWS_ENDPOINT_URL=$(endpoint)
EOF
  if archive_enabled && [[ $HA == pgpilot ]]; then echo "PGPILOT_ARCHIVE_STANZA=$STANZA"; fi
}

# ---------------------------------------------------------------- faults

require_host() {
  [[ -n ${1:-} ]] || die "name a lab host (${HOSTS[*]})"
  is_host "$1" || die "unknown lab host '$1' (lab hosts: ${HOSTS[*]}); nothing changed"
  lab_exists || die "the lab is not up (./pgpilot lab up)"
}

# The PID of the host's main server process, checked to live inside that host.
server_pid() {
  local h=$1 pid
  if is_pg "$h"; then pid=$(postmaster_pid "$h")
  elif [[ $h == pgpool1 ]]; then pid=$(pgpool_pid)
  else die "$h runs no server; nothing changed"; fi
  pid_alive "$pid" || die "$h: its server is not running; nothing changed"
  [[ $(ip netns identify "$pid") == "$h" ]] || die "$h: PID $pid is not inside the lab host; nothing changed"
  echo "$pid"
}

cmd_fault() {
  local kind=${1:-} h=${2:-} pid id
  case $kind in
    crash)
      require_host "$h"
      pid=$(server_pid "$h")
      if is_pg "$h" && [[ $HA == patroni* ]] && pid_alive "$(patroni_pid "$h")"; then
        # Patroni would restart a PostgreSQL that died under it: a crash takes the host's HA agent too.
        echo "pgpilot lab: $h: killing Patroni (PID $(patroni_pid "$h")) with SIGKILL"
        kill -KILL "$(patroni_pid "$h")"
      fi
      kill -KILL "$pid"
      echo "pgpilot lab: $h: killed its server (PID $pid) with SIGKILL"
      # A host that crashes takes its pgBackRest with it: an asynchronous archive-push left running
      # would otherwise archive, later, what the crashed server had queued. The host's own PIDs only.
      # Its TLS server stays: the lab host does not reboot, and on AWS systemd starts it at boot.
      for p in $(ip netns pids "$h" 2>/dev/null); do
        if [[ $(cat "/proc/$p/comm" 2>/dev/null) == pgbackrest && $p != "$(backup_server_pid "$h")" ]]; then
          kill -KILL "$p" 2>/dev/null && echo "pgpilot lab: $h: killed pgBackRest (PID $p) with SIGKILL"
        fi
      done
      ;;
    stop|start)
      require_host "$h"
      id=$(instance_id "$h")
      [[ -n $id ]] || die "$h has no EC2 instance in the emulator; nothing changed"
      local wait=yes want
      [[ ${3:-} != --no-wait ]] || wait=no
      # Through the EC2 API, as the console would: the lab's instance lifecycle does the rest.
      emulator "$kind" "$id"
      if [[ $kind == stop ]]; then want=stopped; else want=running; fi
      if [[ $wait == no ]]; then
        echo "pgpilot lab: $h: $kind of EC2 instance $id accepted: $(emulator state "$id")"
        return 0
      fi
      wait_for 300 "$h's instance $id to be $want" instance_is "$id" "$want"
      echo "pgpilot lab: $h: EC2 instance $id $want"
      ;;
    partition)
      require_host "$h"
      shift 2
      [[ $# -gt 0 ]] || die "usage: lab fault partition HOST PEER... (a lab host, automation or s3); nothing changed"
      local peer peers=()
      for peer in "$@"; do
        if [[ $peer == automation ]]; then peers+=("$NET.1")
        elif [[ $peer == s3 ]]; then peers+=("$S3_ADDR")
        elif is_host "$peer" && [[ $peer != "$h" ]]; then peers+=("$(addr "$peer")")
        else die "unknown peer '$peer' (a lab host other than $h, automation or s3); nothing changed"; fi
      done
      # Blackhole routes inside HOST drop what it sends to each peer: connections either way time
      # out, established ones stall, and nothing is routed anywhere else.
      for peer in "${peers[@]}"; do ip -n "$h" route replace blackhole "$peer/32"; done
      echo "pgpilot lab: $h: cut off from $*"
      ;;
    heal)
      require_host "$h"
      local route
      while read -r route; do
        [[ -n $route ]] && ip -n "$h" route del blackhole "$route"
      done < <(ip -n "$h" route show type blackhole | awk '{ print $2 }')
      echo "pgpilot lab: $h: every partition healed"
      ;;
    *) die "usage: lab fault crash|stop|start|heal HOST | lab fault partition HOST PEER..." ;;
  esac
}

# ---------------------------------------------------------------- EC2 lifecycle (the emulator's hook)

# What an OS shutdown (orderly) or a power-off (force) does to a lab host: its servers stop,
# everything else in it ends, and its network goes down, as a stopped instance's does.
host_shutdown() {
  local h=$1 mode=$2 sig=TERM pid
  [[ $mode == force ]] && sig=KILL
  if is_pg "$h"; then
    if [[ $HA == patroni* ]]; then stop_pid "$(patroni_pid "$h")" "$sig"; fi
    pid=$(postmaster_pid "$h")
    if [[ $mode == force ]]; then stop_pid "$pid" KILL
    else stop_pid "$pid" INT; fi   # SIGINT: PostgreSQL's fast shutdown, as its systemd unit stops it
  elif [[ $h == pgpool1 ]]; then
    stop_pid "$(pgpool_pid)" "$sig"
  fi
  for pid in $(ip netns pids "$h"); do kill -"$sig" "$pid" 2>/dev/null || true; done
  ip -n "$h" link set eth0 down
  echo "$h: shut down ($mode)"
}

# What a lab host does when its instance boots: its network comes up, and its servers start as
# its boot would start them; a database host runs the boot gate of the CDK user data.
host_boot() {
  local h=$1
  ip -n "$h" link set eth0 up
  if is_pg "$h" && [[ $HA == patroni* ]]; then
    patroni_node_up "$h"
  elif is_pg "$h"; then
    ip netns exec "$h" env _SYSTEMCTL_SKIP_REDIRECT=1 bash "$BOOT_GATE" 9>&- 2>&1 | tee -a "$LAB/$h/boot.log"
    if archive_enabled; then backup_server_start "$h"; fi
  elif [[ $h == pgpool1 ]]; then
    pgpool_start
  fi
  echo "$h: booted"
}

# Called by the emulator (instance_lifecycle.py) as an instance's state changes; takes no lock,
# as the lab command that stopped or started the instance may hold it.
cmd_instance() {
  local action=${1:-} h=${2:-}
  is_host "$h" || die "instance: unknown lab host '$h'"
  case $action in
    shutdown) [[ ${3:-} == orderly || ${3:-} == force ]] || die "instance shutdown HOST orderly|force"
              host_shutdown "$h" "$3" ;;
    boot) host_boot "$h" ;;
    *) die "usage: lab instance shutdown HOST orderly|force | lab instance boot HOST" ;;
  esac
}

usage() {
  cat <<EOF
usage: pgpilot lab COMMAND
  up [--ha MODE]       create the lab (PostgreSQL pg1 → pg2 → pg3, pgpool1, app1, emulator); MODE is
                       what fails it over: pgpilot (default), or for comparison pgpool (its
                       failover_command), patroni or patroni-tuned (Patroni and etcd on the hosts)
  up --hand-built      the same hosts, the cluster built by hand as the source documents build it
                       (no pgpilot document, tag, hosts block or setting), for ctl adopt
  status [--json]      replication status of every node
  env                  the environment of a pgpilot function run against the lab
  down                 stop everything the lab started and remove it
  fault crash HOST     kill HOST's server with SIGKILL (and its Patroni, in a Patroni lab)
  fault stop HOST [--no-wait]
                       stop HOST's EC2 instance (StopInstances): it is stopping for
                       PGPILOT_LAB_STOPPING_SECONDS (30) with everything still running, then its
                       host shuts down; waits until the instance is stopped unless --no-wait
  fault start HOST [--no-wait]
                       start HOST's EC2 instance: pending for PGPILOT_LAB_PENDING_SECONDS (10),
                       then it boots as the CDK user data makes a host boot (a database host runs
                       the boot gate, pgpilot-boot.sh); waits until it runs unless --no-wait
  fault partition HOST PEER...
                       cut HOST off from each PEER (a lab host, or automation: the root namespace,
                       where the automation and the emulator run; or s3: the WAL archive's
                       S3 endpoint alone); HOST keeps running
  backup [full|diff|incr] [--from-primary]
                       a pgBackRest backup into the archive (pgpilot-Backup), from a standby that
                       streams from the primary (the primary only starts and stops it), or the
                       primary's own files when none streams or with --from-primary
  restore [--time 'YYYY-MM-DD HH:MM:SS[.ffffff]+00' | --name POINT | --latest] [--backup LABEL] [--replace]
                       restore the archive to that point into a separate node, cluster
                       $RESTORE_CLUSTER on $RESTORE_HOST (pgpilot-RestoreNode); it never touches the
                       cluster; --replace replaces an earlier restore
  backups              the archive's backups, one JSON line each (label, type, start,
                       duration, sizes), from pgBackRest's own record in the repository
  rebuild HOST [--source auto|archive|upstream]
                       rebuild standby HOST from its upstream (pgpilot-RebuildStandby): its data
                       from the archive's latest backup (auto, when the archive has one) or a
                       pg_basebackup of the primary; prints the method and the duration
  fault heal HOST      remove every partition of HOST
hosts: ${HOSTS[*]}
EOF
}

main() {
  local cmd=${1:-}
  shift || true
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status "$@" ;;
    env) cmd_env ;;
    fault) cmd_fault "$@" ;;
    backup) cmd_backup "$@" ;;
    restore) cmd_restore "$@" ;;
    rebuild) cmd_rebuild "$@" ;;
    backups) cmd_backups "$@" ;;
    instance) cmd_instance "$@" ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
