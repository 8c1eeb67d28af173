#!/usr/bin/env bash
# Synthesizes the CDK app offline: builds the functions' jar and the app, then runs the app.
#   cdk/synth.sh [--engine ec2|aurora|existing] [--out DIR] [-c KEY=VALUE]...
#                           a cloud assembly in DIR (default cdk/cdk.out)
#   cdk/synth.sh --templates  rewrites cfn-templates/ (engines ec2 and aurora)
#   cdk/synth.sh --app        what cdk.json runs for the cdk CLI, which sets CDK_OUTDIR and CDK_CONTEXT_JSON itself
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
# jsii (the bridge from Java to the CDK's JavaScript) warns on every run about Node 20's support dates.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=20

die() { echo "pgpilot synth: $*" >&2; exit 2; }

build() {
  command -v node > /dev/null || die "node is missing: the CDK runs on Node.js (./pgpilot setup installs it)"
  # Quiet, and to stderr: under the cdk CLI stdout belongs to the app.
  (cd "$root" && mvn -B -q -ntp -Dstyle.color=never -pl cdk -am package -Dmaven.test.skip=true >&2)
}

run() {
  local class=$1
  shift
  java -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" "$class" "$@"
}

mode=assembly engine="" out="$here/cdk.out"
context=()
while (($#)); do
  case $1 in
    --app) mode=app ;;
    --templates) mode=templates ;;
    --engine) engine=${2:?--engine needs ec2, aurora or existing}; shift ;;
    --out) out=${2:?--out needs a folder}; shift ;;
    -c | --context) context+=("${2:?-c needs KEY=VALUE}"); shift ;;
    *) die "unknown argument '$1'; usage: synth.sh [--engine ec2|aurora|existing] [--out DIR] [-c KEY=VALUE]... | --templates" ;;
  esac
  shift
done
if [[ -n $engine && $engine != ec2 && $engine != aurora && $engine != existing ]]; then
  die "--engine must be ec2, aurora or existing, got '$engine'"
fi

build
case $mode in
  app) cd "$here" && run io.pgpilot.cdk.PgpilotApp ;;
  templates) cd "$root" && run io.pgpilot.cdk.Templates "$root/cfn-templates" ;;
  assembly)
    json='{}'
    [[ -z $engine ]] || context=("engine=$engine" "${context[@]}")
    for kv in "${context[@]}"; do
      [[ $kv == *=* ]] || die "-c takes KEY=VALUE, got '$kv'"
      json=$(jq -c --arg k "${kv%%=*}" --arg v "${kv#*=}" '. + {($k): $v}' <<< "$json")
    done
    mkdir -p "$out"
    out=$(cd "$out" && pwd)
    cd "$root"
    CDK_OUTDIR=$out CDK_CONTEXT_JSON=$json run io.pgpilot.cdk.PgpilotApp
    echo "pgpilot: synthesized $(ls "$out"/*.template.json) (context $json)"
    ;;
esac
