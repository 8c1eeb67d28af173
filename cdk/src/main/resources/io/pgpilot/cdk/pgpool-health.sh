#!/bin/bash
# pgpilot: the load balancer's health check of this pgpool host, one HTTP request on stdin and its
# answer on stdout (systemd socket activation, Accept=yes; the lab runs it the same way). 200 when
# a query through this pgpool reaches a writable primary, 503 with the reason when it does not: a
# pgpool that lost its primary (or every backend) leaves the target group, though it still
# accepts TCP on 5432. Settings: /etc/pgpilot/pgpool-health.env (PGPILOT_HEALTH_DSN, a libpq
# connection string to this pgpool; PGPASSFILE).
set -uo pipefail
env_file=${PGPILOT_HEALTH_ENV:-/etc/pgpilot/pgpool-health.env}

# The request line and headers, bounded in count and time: a check sends a few lines at once.
IFS= read -r -t 2 request || request=''
for _ in $(seq 1 50); do
  IFS= read -r -t 1 header || break
  [ "${header%$'\r'}" = '' ] && break
done

answer() { # STATUS TEXT
  local body="$2"$'\n'
  printf 'HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "$1" "${#body}" "$body"
}

case ${request%% *} in
  GET|HEAD) ;;
  *) answer "405 Method Not Allowed" "pgpilot pgpool health: GET / only"; exit 0 ;;
esac
if ! [ -r "$env_file" ]; then
  answer "503 Service Unavailable" "pgpilot pgpool health: no settings in $env_file"
  exit 0
fi
# shellcheck source=/dev/null
. "$env_file"
export PGPASSFILE
# /*NO LOAD BALANCE*/: pgpool sends the query to the primary, not to a standby it balances reads over.
reply=$(timeout 4 psql "$PGPILOT_HEALTH_DSN" -X -A -t -c '/*NO LOAD BALANCE*/ SELECT pg_is_in_recovery()' 2>&1)
if [ "$reply" = f ]; then
  answer "200 OK" "pgpool reaches a writable primary"
else
  answer "503 Service Unavailable" "pgpool reaches no writable primary: $(head -n 1 <<< "${reply:-no answer within 4 s}")"
fi
