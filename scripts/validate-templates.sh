#!/usr/bin/env bash
# The two independent checks of every synthesized template, after the app's own policy pack:
#   cdk-nag's AwsSolutions pack (scripts/nag-templates.js, each template loaded with CfnInclude), with the
#   findings we accept suppressed in infra/policy-suppressions.json, each with its reason;
#   cfn-lint in the stack's region (W3005 ignored: CDK writes a DependsOn beside a GetAtt of the same role).
# Usage: scripts/validate-templates.sh CDK_OUT_DIR...   (exit 1 on any error, 2 on a usage or load error)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -gt 0 ] || { echo "usage: $0 CDK_OUT_DIR..." >&2; exit 2; }
status=0
templates=(); regions=()
for dir in "$@"; do
  # "<template file>\t<region>" for every stack of the assembly.
  stacks=$(node -e '
    const m = require(require("path").resolve(process.argv[1], "manifest.json"));
    for (const a of Object.values(m.artifacts || {})) {
      if (a.type !== "aws:cloudformation:stack") continue;
      const region = (a.environment || "").split("/").pop();
      console.log(`${a.properties.templateFile}\t${/^[a-z]{2}(-[a-z]+)+-\d$/.test(region) ? region : "us-east-1"}`);
    }' "$dir") || exit 2
  while IFS=$'\t' read -r template region; do
    [ -n "$template" ] && { templates+=("$dir/$template"); regions+=("$region"); }
  done <<< "$stacks"
done
[ ${#templates[@]} -gt 0 ] || { echo "no stack templates found" >&2; exit 2; }
echo "### cdk-nag AwsSolutions"
node "$root/scripts/nag-templates.js" --fail-on-unused -s "$root/infra/policy-suppressions.json" "${templates[@]}" || status=$?
for i in "${!templates[@]}"; do
  echo "### cfn-lint ${templates[$i]} (${regions[$i]})"
  cfn-lint -r "${regions[$i]}" -i W3005 --non-zero-exit-code error -- "${templates[$i]}" || { [ "$status" -lt 1 ] && status=1; }
done
exit "$status"
