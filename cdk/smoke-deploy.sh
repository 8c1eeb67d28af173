#!/usr/bin/env bash
# Smoke deploy: the real `cdk bootstrap` and `cdk deploy` of the app (engine ec2) against the AWS API
# emulator that AWS_ENDPOINT_URL names: the lab's, moto server plus pgpilot's CloudFormation
# providers (lab/emulator_server.py). What it proves and what it does not: README, "Smoke deploy".
#
#   cdk/smoke-deploy.sh [--keep] [SUFFIX]   bootstrap, deploy, check CREATE_COMPLETE, print the stack's
#                                           name; then destroy the stack and the bootstrap (--keep:
#                                           leave both for a look around, and say how to destroy them)
#   cdk/smoke-deploy.sh --destroy SUFFIX    destroy what `--keep SUFFIX` left
#
# SUFFIX (1-6 of a-z0-9, default random) names everything: stack pgpilot-smoke-SUFFIX (cluster
# smoke-SUFFIX), toolkit stack pgpilot-smoke-SUFFIX-toolkit, qualifier pgsSUFFIX. The region is
# PGPILOT_SMOKE_REGION (default us-west-2, away from the lab's cluster in us-east-1). Every name
# derives from the cluster's, so runs with different suffixes stand side by side in one region.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")

die() { echo "pgpilot smoke-deploy: $*" >&2; exit 1; }
say() { echo "pgpilot smoke-deploy: $*" >&2; }

mode=deploy suffix=""
while (($#)); do
  case $1 in
    --keep) mode=keep ;;
    --destroy) mode=destroy ;;
    -*) die "unknown option '$1'; usage: smoke-deploy.sh [--keep] [SUFFIX] | --destroy SUFFIX" ;;
    *) suffix=$1 ;;
  esac
  shift
done
if [[ -z $suffix ]]; then
  [[ $mode != destroy ]] || die "--destroy needs the SUFFIX of the run to destroy"
  suffix=$(tr -dc 'a-z0-9' < /dev/urandom | head -c 6 || true)
fi
[[ $suffix =~ ^[a-z0-9]{1,6}$ ]] || die "SUFFIX must be 1-6 of a-z0-9, got '$suffix'"

# Never a real account: an emulator's endpoint, and credentials that only an emulator accepts.
[[ -n ${AWS_ENDPOINT_URL:-} ]] || die "AWS_ENDPOINT_URL is unset: name the AWS API emulator (the lab's is http://127.0.0.1:45660)"
unset AWS_PROFILE AWS_DEFAULT_PROFILE
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_REGION=${PGPILOT_SMOKE_REGION:-us-west-2}
export AWS_DEFAULT_REGION=$AWS_REGION
# The CLI hands CloudFormation the template's S3 address made from this endpoint; moto reads such an
# address path-style (/bucket/key) only when it says "localhost", otherwise it takes the host's
# first label for the bucket and finds no such bucket.
export AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION=${AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION:-${AWS_ENDPOINT_URL/:\/\/127.0.0.1/://localhost}}
# No calls home (notices, telemetry) and no Node.js support-date warnings.
export CDK_DISABLE_CLI_TELEMETRY=true NODE_NO_WARNINGS=1
cdk=$here/node_modules/.bin/cdk
[[ -x $cdk ]] || die "the aws-cdk CLI is missing: ./pgpilot setup installs it into cdk/node_modules"

cluster=smoke-$suffix
stack=pgpilot-$cluster
toolkit=$stack-toolkit
qualifier=pgs$suffix
# The cloud assembly that `cdk deploy` synthesizes; `cdk destroy` reads it instead of synthesizing again.
assembly=${TMPDIR:-/tmp}/pgpilot-$cluster.out
# The emulator has no Debian image parameter; the instances boot nothing anyway. Termination
# protection stays on (cdk-nag requires it); the emulator does not enforce it on delete.
app_context=(-c "@aws-cdk/core:bootstrapQualifier=$qualifier" -c engine=ec2 -c "clusterName=$cluster"
  -c amiParameter=/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64)

emulator() {
  local py
  py=$("$root/lab/prerequisites.sh" emulator)
  "$py" "$root/lab/emulator.py" "$@"
}

destroy() {
  local ok=0
  if [[ -e $assembly/manifest.json ]]; then
    (cd "$root" && "$cdk" destroy --force --no-notices --app "$assembly" "$stack") >&2 || ok=1
  else  # synthesized again, with the deploy's context
    (cd "$here" && "$cdk" destroy --force --no-notices --output "$assembly" "${app_context[@]}" "$stack") >&2 || ok=1
  fi
  emulator unbootstrap "$toolkit" >&2 || ok=1
  rm -rf "$assembly"
  ((ok == 0)) || say "could not destroy everything of run $suffix"
  return "$ok"
}

if [[ $mode == destroy ]]; then
  destroy
  say "destroyed $stack and $toolkit"
  exit 0
fi

started=$SECONDS
# A failed run cleans up after itself too, unless told to keep what it made.
if [[ $mode == deploy ]]; then trap 'destroy || true' EXIT; fi
say "bootstrap $toolkit (qualifier $qualifier) in $AWS_REGION at $AWS_ENDPOINT_URL"
# Outside cdk/ (no cdk.json), so that the CLI does not synthesize the app for it.
(cd "$root" && "$cdk" bootstrap "aws://unknown-account/$AWS_REGION" --no-notices \
  --toolkit-stack-name "$toolkit" --qualifier "$qualifier") >&2
say "deploy $stack"
if ! (cd "$here" && "$cdk" deploy "$stack" --no-notices --require-approval never --output "$assembly" \
    --toolkit-stack-name "$toolkit" "${app_context[@]}") >&2; then
  die "cdk deploy failed; is $AWS_ENDPOINT_URL lab/emulator_server.py (moto plus pgpilot's providers)? Plain moto cannot create this stack"
fi
read -r status resources <<< "$(emulator stack-status "$stack")"
[[ $status == CREATE_COMPLETE ]] || die "$stack is $status, not CREATE_COMPLETE"
say "$stack: $status, $resources resources, bootstrap and deploy in $((SECONDS - started)) s"
if [[ $mode == keep ]]; then
  say "kept; destroy with: AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL PGPILOT_SMOKE_REGION=$AWS_REGION $0 --destroy $suffix"
else
  trap - EXIT
  destroy
  say "destroyed $stack and $toolkit"
fi
echo "$stack"
