#!/usr/bin/env bash
# Readable preview of what a change does to the infrastructure, offline (no AWS credentials):
# synthesizes the base revision and the working tree for a stage, then prints `cdk diff` of the two
# templates (IAM and security-group changes called out by cdk) and a one-line summary.
#   scripts/preview-diff.sh [--stage prod|dev] [--base REV] [--fail]
#   --base   the revision to compare against (default: HEAD)
#   --fail   exit 1 when there is any difference
# Needs: npm ci (the pinned CDK CLI), the .NET SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
stage=prod base=HEAD fail=0
while [ $# -gt 0 ]; do
  case "$1" in
    --stage) stage=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    --fail) fail=1; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
[ -x node_modules/.bin/cdk ] || npm ci --no-audit --no-fund --loglevel=error

work=$(mktemp -d)
cleanup() { git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

synth() { # synth DIR OUT: the CDK app of the tree at DIR into the cloud assembly OUT
  local dir=$1 out=$2
  if [ ! -d "$dir/infra/HomebrewSync.Infra" ]; then return 1; fi
  # A fresh build tree of its own (--artifacts-path): the package does not depend on, or disturb, the
  # developer's or the tests' bin/ and obj/ folders, so equal sources give an equal package hash.
  (cd "$dir" && dotnet publish runtime/HomebrewSync.Lambda -c Release --artifacts-path "$out.build" -o "$out.lambda" --nologo -v quiet -p:DebugType=None -p:ContinuousIntegrationBuild=true >/dev/null \
    && CDK_OUTDIR="$out" CDK_CONTEXT_JSON="{\"stage\":\"$stage\",\"lambdaPackage\":\"$out.lambda\",\"aws:cdk:enable-path-metadata\":true}" \
       dotnet run -c Release --project infra/HomebrewSync.Infra >"$out.log" 2>&1) || { cat "$out.log" >&2; return 3; }
}

git worktree add --detach "$work/base" "$(git rev-parse --verify "$base^{commit}")" >/dev/null 2>&1
echo "Synthesizing $stage at $base ..." >&2
status=0; synth "$work/base" "$work/base-out" || status=$?
[ "$status" -eq 3 ] && { echo "the base revision does not synthesize" >&2; exit 3; }
echo "Synthesizing $stage in the working tree ..." >&2
synth "$PWD" "$work/head-out" || { echo "the working tree does not synthesize (policy violations fail synthesis)" >&2; exit 3; }

stack=$(basename "$(ls "$work"/head-out/*.template.json | head -n 1)" .template.json)
base_template="$work/base-out/$stack.template.json"
[ -f "$base_template" ] || echo '{"Resources":{}}' >"$base_template"
echo "## Infrastructure preview: $stack ($base -> working tree)"
echo
# From the scratch directory: the CLI rewrites the cdk.context.json of the directory it runs in, and the
# repository's pinned lookups must stay as committed.
cdk_cli="$PWD/node_modules/.bin/cdk"
(cd "$work" && "$cdk_cli" diff --no-notices --app "$work/head-out" --template "$base_template" "$stack") 2>&1 \
  | grep -v -e "^!!" -e "Acknowledge with" -e "info-annotation" -e "program.js:" | tee "$work/diff.txt"
echo
node scripts/template-summary.mjs "$base_template" "$work/head-out/$stack.template.json" "$work/diff.txt" | tee "$work/summary.txt"
if [ "$fail" -eq 1 ] && ! head -n 1 "$work/summary.txt" | grep -q '^Summary: 0 added, 0 removed, 0 replaced, 0 changed'; then
  exit 1
fi
