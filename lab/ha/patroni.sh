# Patroni on the lab hosts, for the drill's comparison (`lab up --ha patroni|patroni-tuned`).
# Sourced by lab.sh. The same hosts, addresses, TLS and roles as the pgpilot lab: etcd (one
# member) on app1, a Patroni per database host managing its PostgreSQL 15 in $LAB/HOST/pgdata,
# pg3 replicating from pg2 (tag replicatefrom), synchronous_mode on as in the pgpilot lab, and
# pgpool1 in front, which finds the new primary by itself (sr_check).
# shellcheck shell=bash

# ttl loop_wait retry_timeout: Patroni's defaults, or tightened as far as its rule
# loop_wait + 2 * retry_timeout <= ttl allows with a one-second loop.
patroni_timings() {
  case $HA in
    patroni) echo "30 10 10" ;;
    patroni-tuned) echo "10 1 4" ;;
  esac
}

etcd_pid() { cat "$LAB/etcd/etcd.pid" 2>/dev/null || true; }
patroni_pid() { cat "$LAB/$1/patroni.pid" 2>/dev/null || true; }
patroni_api() { echo "http://$(addr "$1"):8008"; }

etcd_up() {
  local d=$LAB/etcd a
  a=$(addr app1)
  install -d -o postgres -g postgres -m 0700 "$d"   # in_ns runs it as postgres
  in_ns_daemon app1 etcd --name app1 --data-dir "$d/data" \
    --listen-client-urls "http://$a:2379" --advertise-client-urls "http://$a:2379" \
    --listen-peer-urls "http://$a:2380" --initial-advertise-peer-urls "http://$a:2380" \
    --initial-cluster "app1=http://$a:2380" >> "$d/etcd.log" 2>&1 9>&- &
  echo $! > "$d/etcd.pid"
  wait_for 20 "etcd on app1" curl -sf "http://$a:2379/health"
}

patroni_config() {
  local n=$1 ttl loop retry tls=$LAB/$1/tls
  read -r ttl loop retry <<< "$(patroni_timings)"
  cat <<EOF
scope: $CLUSTER
name: $n
restapi:
  listen: $(addr "$n"):8008
  connect_address: $(addr "$n"):8008
etcd3:
  host: $(addr app1):2379
bootstrap:
  dcs:
    ttl: $ttl
    loop_wait: $loop
    retry_timeout: $retry
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_level: replica
        hot_standby: 'on'
        wal_log_hints: 'on'
        max_wal_senders: 10
        wal_keep_size: 256MB
        max_connections: 60
  initdb:
    - encoding: UTF8
  pg_hba:
    - hostssl replication replicator $NET.0/24 scram-sha-256
    - host all all $NET.0/24 scram-sha-256
    - local all all scram-sha-256
postgresql:
  listen: $(addr "$n"):$PORT
  connect_address: $(addr "$n"):$PORT
  data_dir: $LAB/$n/pgdata
  bin_dir: /usr/lib/postgresql/$PGV/bin
  pgpass: $LAB/$n/patroni.pgpass
  authentication:
    superuser:
      username: $DBUSER
      password: '$(cat "$LAB/secrets/$DBUSER.password")'
      sslmode: verify-ca
      sslrootcert: $tls/ca.crt
    replication:
      username: replicator
      password: '$(cat "$LAB/secrets/replicator.password")'
      sslmode: verify-ca
      sslrootcert: $tls/ca.crt
    rewind:
      username: $DBUSER
      password: '$(cat "$LAB/secrets/$DBUSER.password")'
      sslmode: verify-ca
      sslrootcert: $tls/ca.crt
  parameters:
    unix_socket_directories: $LAB/$n/run
    ssl: 'on'
    ssl_cert_file: $tls/server.crt
    ssl_key_file: $tls/server.key
    ssl_ca_file: $tls/ca.crt
    shared_buffers: 32MB
    wal_retrieve_retry_interval: 50ms
    wal_receiver_timeout: 5s
    wal_sender_timeout: 5s
EOF
  if [[ -n ${UPSTREAM[$n]:-} && ${UPSTREAM[$n]} != pg1 ]]; then
    printf 'tags:\n  replicatefrom: %s\n' "${UPSTREAM[$n]}"
  fi
}

patroni_node_up() {
  local n=$1
  patroni_config "$n" > "$LAB/$n/patroni.yml"
  chown postgres:postgres "$LAB/$n/patroni.yml"
  chmod 0600 "$LAB/$n/patroni.yml"
  in_ns_daemon "$n" patroni "$LAB/$n/patroni.yml" \
    >> "$LAB/$n/patroni.log" 2>&1 9>&- &
  echo $! > "$LAB/$n/patroni.pid"
}

patroni_is() { # patroni_is NODE primary|replica: Patroni's REST API answers 200 for the node's role
  curl -sf -o /dev/null "$(patroni_api "$1")/$2"
}

patroni_cluster_up() {
  etcd_up
  say "pg1: Patroni, bootstraps the primary"
  patroni_node_up pg1
  wait_for 60 "Patroni on pg1 to lead" patroni_is pg1 primary
  say "pg2: Patroni, synchronous standby of pg1"
  patroni_node_up pg2
  wait_for 60 "pg2 to stream from pg1" patroni_streams pg2
  say "pg3: Patroni, downstream standby of pg2 (replicatefrom)"
  patroni_node_up pg3
  wait_for 60 "pg3 to stream from pg2" patroni_streams pg3
  wait_for 90 "Patroni to make pg2 synchronous (its loop runs every loop_wait)" patroni_sync pg1 pg2
}

patroni_sync() { # patroni_sync PRIMARY STANDBY: STANDBY is PRIMARY's synchronous standby
  test "$(sql "$1" "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$2'")" = sync
}

patroni_streams() { patroni_is "$1" replica && streams "$1"; }

patroni_healthy() {
  pid_alive "$(etcd_pid)" || return 1
  local n
  for n in "${PG_NODES[@]}"; do pid_alive "$(patroni_pid "$n")" || return 1; done
}
