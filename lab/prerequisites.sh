#!/usr/bin/env bash
# Installs what pgpilot's lab and tests need, idempotently, at the versions in versions.env.
# Nothing is downloaded when everything is already present at the pinned version.
#   lab/prerequisites.sh            install (as root) what is missing
#   lab/prerequisites.sh emulator   print the Python interpreter that runs moto server
#   lab/prerequisites.sh patroni    install Patroni and etcd, for `lab up --ha patroni` (the drill's --compare)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
# shellcheck source=lab/versions.env
. "$here/versions.env"

die() { echo "pgpilot: $*" >&2; exit 1; }

installed_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }

# version_matches VERSION PATTERN: apt-style glob match of a Debian version.
version_matches() {
  # shellcheck disable=SC2053  # the pattern is a glob on purpose
  [[ -n $1 && $1 == $2 ]]
}

apt_packages_missing() {
  local missing=()
  [[ -n $(installed_version "postgresql-$POSTGRESQL_MAJOR") ]] || missing+=("postgresql-$POSTGRESQL_MAJOR")
  version_matches "$(installed_version pgpool2)" "$PGPOOL2_VERSION" || missing+=("pgpool2=$PGPOOL2_VERSION")
  local cmd pkg
  # The drill's chart is drawn by headless Java2D: text needs fontconfig's library and one font.
  # Debian's JDK brings them; a JDK from elsewhere (Temurin's tarball) does not.
  for pkg in libfontconfig1 fonts-dejavu-core; do
    [[ -n $(installed_version "$pkg") ]] || missing+=("$pkg")
  done
  # pgpool's failover_command reports with the AWS CLI, as on AWS (bootstrap-common.sh installs
  # Debian's): Debian's, not one in a user's home, since pgpool runs as postgres.
  [[ -n $(installed_version awscli) ]] || missing+=(awscli)
  # The WAL archive: pgBackRest, Debian's, as bootstrap installs it on AWS.
  version_matches "$(installed_version pgbackrest)" "$PGBACKREST_VERSION" || missing+=("pgbackrest=$PGBACKREST_VERSION")
  for cmd in ip:iproute2 jq:jq openssl:openssl setpriv:util-linux flock:util-linux curl:curl \
             mvn:maven javac:openjdk-17-jdk-headless python3:python3 shellcheck:shellcheck \
             column:bsdextrautils node:nodejs npm:npm; do
    pkg=${cmd#*:}
    command -v "${cmd%%:*}" >/dev/null 2>&1 || missing+=("$pkg")
  done
  printf '%s\n' "${missing[@]}" | sort -u
}

# Only the drill's comparison needs them, so only `lab up --ha patroni*` installs them.
patroni_packages_missing() {
  version_matches "$(installed_version patroni)" "$PATRONI_VERSION" || echo "patroni=$PATRONI_VERSION"
  version_matches "$(installed_version etcd-server)" "$ETCD_VERSION" || echo "etcd-server=$ETCD_VERSION"
}

# install_apt_packages LISTER: installs what the function LISTER prints as missing.
install_apt_packages() {
  local missing
  mapfile -t missing < <("$1" | sed '/^$/d')
  ((${#missing[@]} == 0)) && return 0
  [[ $(id -u) == 0 ]] || die "missing packages (${missing[*]}); run as root to install them"
  echo "pgpilot: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The packages' own services must not start: the lab runs its own clusters and pgpool.
  local policy=/usr/sbin/policy-rc.d ours=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && ours=1
  fi
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  ((ours)) && rm -f "$policy"
  mapfile -t missing < <("$1" | sed '/^$/d')
  ((${#missing[@]} == 0)) || die "still not at the pinned versions after installing: ${missing[*]}"
}

# Prints the Python that runs moto server $MOTO_VERSION, installing a venv when PyPI is reachable.
emulator_python() {
  local venv="$root/.venv/emulator" py
  for py in "$venv/bin/python" "$(command -v python3 || true)"; do
    [[ -x $py ]] || continue
    if [[ $("$py" -c 'import moto, flask, boto3; print(moto.__version__)' 2>/dev/null) == "$MOTO_VERSION" ]]; then
      echo "$py"
      return 0
    fi
  done
  command -v python3 >/dev/null || die "python3 is missing"
  echo "pgpilot: installing moto[server]==$MOTO_VERSION into $venv" >&2
  if ! python3 -m venv "$venv" >&2 2>/dev/null; then
    if ! { [[ $(id -u) == 0 ]] && apt-get install -y -q python3-venv >/dev/null 2>&1 && python3 -m venv "$venv" >&2; }; then
      die "cannot create a Python venv at $venv (install python3-venv)"
    fi
  fi
  if ! timeout 300 "$venv/bin/pip" install -q "moto[server]==$MOTO_VERSION" >&2; then
    rm -rf "$venv"
    die "no AWS API emulator: no Python here has moto[server]==$MOTO_VERSION and PyPI cannot be reached to install it. Install it into python3 (pip install 'moto[server]==$MOTO_VERSION') or allow access to PyPI."
  fi
  echo "$venv/bin/python"
}

# The aws-cdk CLI at $AWS_CDK_CLI_VERSION in cdk/node_modules (cdk bootstrap, cdk deploy).
cdk_cli() {
  local dir="$root/cdk" have
  have=$("$dir/node_modules/.bin/cdk" --version 2>/dev/null || true)
  [[ $have == "$AWS_CDK_CLI_VERSION "* ]] && return 0
  grep -q "\"aws-cdk\": \"$AWS_CDK_CLI_VERSION\"" "$dir/package.json" \
    || die "cdk/package.json does not pin aws-cdk $AWS_CDK_CLI_VERSION (lab/versions.env); make them agree"
  echo "pgpilot: installing the aws-cdk CLI $AWS_CDK_CLI_VERSION into cdk/node_modules"
  timeout 300 npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null \
    || die "cannot install the aws-cdk CLI from the npm registry (npm ci in cdk/)"
}

# cfn-lint at $CFN_LINT_VERSION: the machine's, else .venv/cfn-lint. Without it the CDK tests skip
# the lint (and say so), so a failure here warns rather than stops.
cfn_lint() {
  local venv="$root/.venv/cfn-lint" cmd
  for cmd in "$venv/bin/cfn-lint" cfn-lint; do
    [[ $("$cmd" --version 2>/dev/null) == "cfn-lint $CFN_LINT_VERSION" ]] && return 0
  done
  [[ $(python3 -m cfnlint --version 2>/dev/null) == "cfn-lint $CFN_LINT_VERSION" ]] && return 0
  echo "pgpilot: installing cfn-lint==$CFN_LINT_VERSION into $venv" >&2
  if { [[ -x $venv/bin/pip ]] || python3 -m venv "$venv" >&2; } \
      && timeout 300 "$venv/bin/pip" install -q "cfn-lint==$CFN_LINT_VERSION" >&2; then
    return 0
  fi
  rm -rf "$venv"
  echo "pgpilot: WARNING: no cfn-lint $CFN_LINT_VERSION here and PyPI cannot be reached; the CDK tests will skip linting the templates" >&2
}

case "${1:-install}" in
  install) install_apt_packages apt_packages_missing; emulator_python >/dev/null; cdk_cli; cfn_lint ;;
  emulator) emulator_python ;;
  patroni) install_apt_packages patroni_packages_missing ;;
  *) die "usage: prerequisites.sh [install|emulator|patroni]" ;;
esac
