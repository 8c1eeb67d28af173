# A PostgreSQL node: Debian's postgresql, TLS from the cluster's CA, then the SSM documents.
# From CDK: PGPILOT_CLUSTER PGPILOT_DOCUMENT_PREFIX PGPILOT_NODE PGPILOT_ROLE (primary|standby) PGPILOT_UPSTREAM (address,
# standbys only) PGPILOT_SYNC_STANDBYS PGPILOT_PG_VERSION PGPILOT_REPLICATION_CIDR
# PGPILOT_CLIENT_CIDR PGPILOT_CA_SECRET PGPILOT_MONITOR_SECRET PGPILOT_ADMIN_SECRET PGPILOT_HOSTS, and
# with a WAL archive PGPILOT_ARCHIVE_BUCKET PGPILOT_ARCHIVE_STANZA PGPILOT_ARCHIVE_KMS_KEY
# PGPILOT_ARCHIVE_RETENTION_FULL
V=$PGPILOT_PG_VERSION
CONF=/etc/postgresql/$V/main
TLS=$CONF/pgpilot-tls

install_base
retry 5 15 apt-get install -y -q --no-install-recommends "postgresql-$V" || die "cannot install postgresql-$V"

# The WAL archive: pgBackRest's repository in the cluster's bucket, under its prefix, with the
# instance role's credentials, through the VPC's S3 endpoint, over TLS.
archive=()
if [ -n "${PGPILOT_ARCHIVE_BUCKET:-}" ]; then
  retry 5 15 apt-get install -y -q --no-install-recommends pgbackrest || die "cannot install pgbackrest"
  # pgpilot's settings (pgbackrest.conf, installed above), then the cluster's stanza.
  cat >> /etc/pgbackrest/pgbackrest.conf << CONF

[$PGPILOT_ARCHIVE_STANZA]
repo1-type=s3
repo1-s3-bucket=$PGPILOT_ARCHIVE_BUCKET
repo1-s3-endpoint=s3.$REGION.amazonaws.com
repo1-s3-region=$REGION
repo1-s3-key-type=auto
repo1-s3-kms-key-id=$PGPILOT_ARCHIVE_KMS_KEY
repo1-path=/$PGPILOT_ARCHIVE_STANZA
repo1-retention-full=$PGPILOT_ARCHIVE_RETENTION_FULL
pg1-path=/var/lib/postgresql/$V/main
CONF
  chmod 0644 /etc/pgbackrest/pgbackrest.conf
  archive=(archiveStanza="$PGPILOT_ARCHIVE_STANZA")
else
  rm -f /etc/pgbackrest/pgbackrest.conf
fi

# The cluster's CA lives in a secret that the deploy filled before this node was created
# (ClusterCa); a node reads it and can never write it.
ca_ready() { secret "$PGPILOT_CA_SECRET" | jq -e '.certificate and .key' > /dev/null 2>&1; }
retry 6 10 ca_ready || die "the cluster CA is not in $PGPILOT_CA_SECRET: the deploy makes it (Custom::PgpilotClusterCa)"
install -d -m 0755 /etc/pgpilot /etc/pgpilot/tls
install -d -o postgres -g postgres -m 0700 "$TLS"
secret "$PGPILOT_CA_SECRET" | jq -r .certificate > /etc/pgpilot/tls/ca.crt
(
  umask 077
  work=$(mktemp -d)
  secret "$PGPILOT_CA_SECRET" | jq -r .key > "$work/ca.key"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$PGPILOT_NODE" \
    -keyout "$TLS/server.key" -out "$work/server.csr" 2> /dev/null
  openssl x509 -req -in "$work/server.csr" -CA /etc/pgpilot/tls/ca.crt -CAkey "$work/ca.key" -CAcreateserial \
    -days 3650 -out "$TLS/server.crt" \
    -extfile <(printf 'subjectAltName=DNS:%s,IP:%s\n' "$PGPILOT_NODE" "$PRIVATE_IP") 2> /dev/null
  rm -rf "$work"
)
cp /etc/pgpilot/tls/ca.crt "$TLS/ca.crt"
chown postgres:postgres "$TLS"/*

# With the archive, a backup runs on a standby and reaches the primary's pgBackRest TLS server
# (port 8432, any node may be primary): it lets in the cluster CA's certificates with CN
# pgpilot-backup, which every node holds as its client certificate.
if [ -n "${PGPILOT_ARCHIVE_BUCKET:-}" ]; then
  (
    umask 077
    work=$(mktemp -d)
    secret "$PGPILOT_CA_SECRET" | jq -r .key > "$work/ca.key"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=pgpilot-backup" \
      -keyout /etc/pgpilot/tls/backup-client.key -out "$work/client.csr" 2> /dev/null
    openssl x509 -req -in "$work/client.csr" -CA /etc/pgpilot/tls/ca.crt -CAkey "$work/ca.key" -CAcreateserial \
      -days 3650 -out /etc/pgpilot/tls/backup-client.crt 2> /dev/null
    rm -rf "$work"
  )
  chown postgres:postgres /etc/pgpilot/tls/backup-client.key
  chmod 0644 /etc/pgpilot/tls/backup-client.crt
  cat >> /etc/pgbackrest/pgbackrest.conf << CONF

[global:server]
tls-server-address=$PRIVATE_IP
tls-server-cert-file=$TLS/server.crt
tls-server-key-file=$TLS/server.key
tls-server-ca-file=/etc/pgpilot/tls/ca.crt
tls-server-auth=pgpilot-backup=$PGPILOT_ARCHIVE_STANZA
CONF
  cat > /etc/systemd/system/pgpilot-backup-server.service << 'UNIT'
[Unit]
Description=pgpilot: pgBackRest TLS server, for backups taken from a standby
After=network-online.target
Wants=network-online.target

[Service]
User=postgres
ExecStart=/usr/bin/pgbackrest server
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
  systemctl enable --now pgpilot-backup-server.service
fi

# What the documents do not manage: where to listen, TLS, and how fast a standby notices a dead upstream.
cat > "$CONF/conf.d/pgpilot.conf" << CONF
listen_addresses = '*'
ssl = on
ssl_cert_file = '$TLS/server.crt'
ssl_key_file = '$TLS/server.key'
ssl_ca_file = '$TLS/ca.crt'
password_encryption = 'scram-sha-256'
hot_standby_feedback = on
wal_receiver_timeout = '5s'
wal_sender_timeout = '5s'
CONF
rule="hostssl all all $PGPILOT_CLIENT_CIDR scram-sha-256"
grep -qxF "$rule" "$CONF/pg_hba.conf" || echo "$rule" >> "$CONF/pg_hba.conf"
pg_ctlcluster "$V" main restart

# At every later boot PostgreSQL starts only as what pgpilot says this node is: Debian's `auto`
# would start an old primary that pgpilot replaced as a second primary. The gate (installed above
# from pgpilot-boot.sh) reads this node's pgpilot:role tag from the instance metadata; the document
# sets start.conf manual and enables its unit, as it does on an adopted node.
run_document BootGate pgVersion="$V" cluster=main || die "BootGate failed"

# The nodes made before this one, then itself; pgpilot publishes the whole map once all run.
self="$PRIVATE_IP $PGPILOT_NODE"
if [ "$PGPILOT_ROLE" = primary ]; then self+=" pg-primary"; fi
retry 5 10 run_document UpdateHosts entries="${PGPILOT_HOSTS:+$PGPILOT_HOSTS,}$self" \
  || die "UpdateHosts failed"

# psql_stdin: statements on stdin only, so no password is in a command line or the server log.
psql_stdin() { runuser -u postgres -- psql --cluster "$V/main" -X -q -v ON_ERROR_STOP=1 -d postgres > /dev/null; }
create_role() { # SECRET ATTRIBUTES...; sets ROLE_NAME
  local json user password
  json=$(secret "$1")
  user=$(jq -r .username <<< "$json")
  ROLE_NAME=$user
  password=$(jq -r .password <<< "$json")
  shift
  {
    echo "SET log_statement = 'none'; SET synchronous_commit = local;"
    printf "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%s') THEN CREATE ROLE \"%s\"; END IF; END \$\$;\n" "$user" "$user"
    printf "ALTER ROLE \"%s\" WITH LOGIN %s PASSWORD '%s';\n" "$user" "$*" "${password//\'/\'\'}"
  } | psql_stdin
  log "role $user"
}

if [ "$PGPILOT_ROLE" = primary ]; then
  create_role "$PGPILOT_MONITOR_SECRET" ""
  printf 'GRANT pg_monitor TO "%s";\n' "$ROLE_NAME" | psql_stdin
  create_role "$PGPILOT_ADMIN_SECRET" CREATEDB CREATEROLE
  run_document ConfigurePrimary replicationCidr="$PGPILOT_REPLICATION_CIDR" \
    syncStandbys="$PGPILOT_SYNC_STANDBYS" "${archive[@]}" || die "ConfigurePrimary failed"
  if [ "${#archive[@]}" -gt 0 ]; then
    run_document Backup stanza="$PGPILOT_ARCHIVE_STANZA" type=full || log "the first full backup failed; take it with the Backup document"
  fi
else
  # The upstream boots at the same time: ConfigureStandby refuses until it takes replication connections.
  retry 60 20 run_document ConfigureStandby upstreamHost="$PGPILOT_UPSTREAM" \
    applicationName="$PGPILOT_NODE" || die "ConfigureStandby from $PGPILOT_UPSTREAM failed"
  # pg_hba.conf and the replication settings are not copied by a base backup, and a cascading
  # standby serves its own downstream: the same document writes them (the role comes through WAL).
  run_document ConfigurePrimary replicationCidr="$PGPILOT_REPLICATION_CIDR" "${archive[@]}" \
    || die "ConfigurePrimary on standby $PGPILOT_NODE failed"
fi
log "node $PGPILOT_NODE of cluster $PGPILOT_CLUSTER is up as $PGPILOT_ROLE"
