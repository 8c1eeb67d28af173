# A pgpool-II host of the Auto Scaling group: one endpoint for the cluster, writes to the primary,
# reads balanced over the standbys (the seed's settings, in pgpool-II 4.3's names).
# From CDK: PGPILOT_CLUSTER PGPILOT_DOCUMENT_PREFIX PGPILOT_ENGINE (ec2|aurora) PGPILOT_BACKENDS (HOST:PORT:WEIGHT:FLAG,...)
# PGPILOT_HOSTS (UpdateHosts entries, ec2 only) PGPILOT_CLIENT_CIDRS PGPILOT_MONITOR_SECRET
# PGPILOT_POOL_SECRETS (secrets {"username","password"} clients log in with) PGPILOT_PCP_SECRET
ETC=/etc/pgpool2

install_base
retry 5 15 apt-get install -y -q --no-install-recommends pgpool2 postgresql-client || die "cannot install pgpool2"
systemctl stop pgpool2 || true

# pgpilot finds its hosts by pgpilot:name; an Auto Scaling group gives every instance the same
# tags, so each names itself (the role allows exactly this tag on the group's own instances).
NAME="pgpool-${INSTANCE_ID#i-}"
aws ec2 create-tags --resources "$INSTANCE_ID" --tags "Key=pgpilot:name,Value=$NAME"
# A host that replaces one boots into the cluster as its tags say it is now, not as it was
# deployed: after a failover pg-primary and the backends' weights follow the pgpilot:role tags.
# (PgpoolHealthIT runs this block, from here to its "fi", against the emulator's EC2.)
if [ "$PGPILOT_ENGINE" = ec2 ]; then
  # shellcheck disable=SC2016 # the backquotes are JMESPath literals, not the shell's
  nodes=$(aws ec2 describe-instances --output text \
    --filters "Name=tag:pgpilot:cluster,Values=$PGPILOT_CLUSTER" "Name=tag:pgpilot:role,Values=primary,standby,rebuild" \
    "Name=instance-state-name,Values=pending,running,stopping,stopped" \
    --query 'Reservations[].Instances[].[Tags[?Key==`pgpilot:name`]|[0].Value,PrivateIpAddress,Tags[?Key==`pgpilot:role`]|[0].Value]' \
    | sort) || nodes=''
  if [ -n "$nodes" ]; then
    # In awk's printf a bare ">" would redirect: every condition is in parentheses.
    PGPILOT_HOSTS=$(awk '{printf "%s%s %s%s", (NR > 1 ? "," : ""), $2, $1, ($3 == "primary" ? " pg-primary" : "")}' <<< "$nodes")
    PGPILOT_BACKENDS=$(awk '{printf "%s%s:5432:%d:ALLOW_TO_FAILOVER", (NR > 1 ? "," : ""), $1, ($3 == "standby")}' <<< "$nodes")
    log "the cluster's nodes now: $(tr '\n' ' ' <<< "$nodes")"
  fi
fi
if [ -n "$PGPILOT_HOSTS" ]; then
  retry 5 10 run_document UpdateHosts entries="$PGPILOT_HOSTS" || die "UpdateHosts failed"
fi

install -d -o postgres -g postgres -m 0700 "$ETC/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj "/CN=$NAME" \
  -keyout "$ETC/tls/server.key" -out "$ETC/tls/server.crt" 2> /dev/null

health_user=$(secret "$PGPILOT_MONITOR_SECRET" | jq -r .username)
if [ "$PGPILOT_ENGINE" = aurora ]; then
  # Aurora: it fails over itself and offers no replication-delay functions.
  sr_check_period=0 health_retries=20 health_period=5 health_timeout=5 failover_command='' backend_error=off
  search_timeout=0
else
  # pgpool is pgpilot's sensor: it detaches a backend at a session's error or a failed health check
  # (every second) and its failover_command reports it to pgpilot, which confirms and decides.
  # Measured on the lab: 0.16 s from a crash to pgpool's failover_command with
  # failover_on_backend_error on, 1.06 s with it off (health check every second). A detach that
  # pgpilot does not confirm costs a re-attach, not a failover.
  sr_check_period=5 health_retries=0 health_period=1 health_timeout=2 backend_error=on
  failover_command='/usr/local/sbin/pgpilot-pgpool-report %d %h %p %P'
  # A 1 s search: while pgpool searches for a primary it queues every re-attach, so after a blip
  # between pgpool and a live primary writes wait for the search's end (an endless one: for good).
  # pgpilot's promotion comes after the search on AWS anyway; pgpilot-PgpoolBackends tells pgpool.
  search_timeout=1
fi
# What the failover_command reports with (no secret: the role may only put pgpool's own events).
install -d -m 0755 /etc/pgpilot
printf 'PGPILOT_CLUSTER=%s\nPGPILOT_PGPOOL_NAME=%s\nAWS_DEFAULT_REGION=%s\n' "$PGPILOT_CLUSTER" "$NAME" "$REGION" \
  > /etc/pgpilot/pgpool-report.env
chmod 0644 /etc/pgpilot/pgpool-report.env
{
  cat << CONF
# Written by the pgpilot bootstrap. Backends: the pgpilot block below (pgpilot-PgpoolBackends).
backend_clustering_mode = 'streaming_replication'
listen_addresses = '*'
port = 5432
unix_socket_directories = '/var/run/postgresql'
pcp_listen_addresses = 'localhost'
pcp_port = 9898
pcp_socket_dir = '/var/run/postgresql'
pid_file_name = '/var/run/postgresql/pgpool.pid'
enable_pool_hba = on
pool_passwd = 'pool_passwd'
ssl = on
ssl_cert = '$ETC/tls/server.crt'
ssl_key = '$ETC/tls/server.key'
num_init_children = 64
max_pool = 2
load_balance_mode = on
sr_check_period = $sr_check_period
sr_check_user = '$health_user'
sr_check_password = ''
health_check_period = $health_period
health_check_timeout = $health_timeout
health_check_user = '$health_user'
health_check_password = ''
health_check_database = 'postgres'
health_check_max_retries = $health_retries
health_check_retry_delay = 1
# A backend whose instance is stopped answers nothing: with the default 10 s, pgpool's restart of
# every child after a failover waited on a connection to it (the lab measured 10 s of no reads or
# writes), and so did pcp_node_info. A connection inside one VPC takes milliseconds.
connect_timeout = 2000
# pgpilot, not pgpool, decides failovers (Aurora decides its own): pgpool only reports.
failover_command = '$failover_command'
failover_on_backend_error = $backend_error
search_primary_node_timeout = $search_timeout
# BEGIN pgpilot backends
# Managed by pgpilot-PgpoolBackends; edits here are overwritten.
CONF
  i=0
  IFS=, read -ra backends <<< "$PGPILOT_BACKENDS"
  for b in "${backends[@]}"; do
    IFS=: read -r host port weight flag <<< "$b"
    printf "backend_hostname%d = '%s'\nbackend_port%d = %s\nbackend_weight%d = %s\nbackend_flag%d = '%s'\nbackend_application_name%d = '%s'\n" \
      "$i" "$host" "$i" "$port" "$i" "$weight" "$i" "$flag" "$i" "${host%%.*}"
    i=$((i + 1))
  done
  echo "# END pgpilot backends"
} > "$ETC/pgpool.conf"

IFS=, read -ra cidrs <<< "$PGPILOT_CLIENT_CIDRS"
{
  for c in "${cidrs[@]}"; do echo "hostssl all all $c scram-sha-256"; done
  # The health check's own query, from this host only.
  echo "hostssl postgres $health_user 127.0.0.1/32 scram-sha-256"
} > "$ETC/pool_hba.conf"
# pool_passwd: the logins pgpool answers for (readable by postgres alone).
(
  umask 077
  IFS=, read -ra logins <<< "$PGPILOT_MONITOR_SECRET,$PGPILOT_POOL_SECRETS"
  for s in "${logins[@]}"; do
    [ -n "$s" ] && secret "$s" | jq -r '"\(.username):TEXT\(.password)"'
  done | sort -u > "$ETC/pool_passwd"
  printf 'pgpilot:%s\n' "$(secret "$PGPILOT_PCP_SECRET" | tr -d '\n' | md5sum | cut -d' ' -f1)" > "$ETC/pcp.conf"
)
chown -R postgres:postgres "$ETC"
chmod 0600 "$ETC/pool_passwd" "$ETC/pcp.conf"
systemctl enable pgpool2
systemctl restart pgpool2
retry 30 2 pg_isready -h 127.0.0.1 -p 5432 || die "pgpool does not answer on 5432"

# The load balancer's health check (port 8081): one pgpilot-pgpool-health per connection, as a
# user of its own that reads only its password file.
id pgpilot-health > /dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin pgpilot-health
(
  umask 077
  printf '127.0.0.1:5432:postgres:%s:%s\n' "$health_user" "$(secret "$PGPILOT_MONITOR_SECRET" | jq -r .password)" \
    > /etc/pgpilot/pgpool-health.pgpass
)
chown pgpilot-health /etc/pgpilot/pgpool-health.pgpass
cat > /etc/pgpilot/pgpool-health.env << ENV
PGPILOT_HEALTH_DSN='host=127.0.0.1 port=5432 dbname=postgres user=$health_user sslmode=require connect_timeout=2'
PGPASSFILE=/etc/pgpilot/pgpool-health.pgpass
ENV
cat > /etc/systemd/system/pgpilot-pgpool-health.socket << 'UNIT'
[Unit]
Description=pgpilot: the load balancer's health check of this pgpool host

[Socket]
ListenStream=8081
Accept=yes
MaxConnections=16

[Install]
WantedBy=sockets.target
UNIT
cat > /etc/systemd/system/pgpilot-pgpool-health@.service << 'UNIT'
[Unit]
Description=pgpilot: one health check of this pgpool host

[Service]
User=pgpilot-health
ExecStart=/usr/local/sbin/pgpilot-pgpool-health
StandardInput=socket
StandardOutput=socket
StandardError=journal
RuntimeMaxSec=10
UNIT
systemctl daemon-reload
systemctl enable --now pgpilot-pgpool-health.socket
log "pgpool host $NAME of cluster $PGPILOT_CLUSTER is up"
