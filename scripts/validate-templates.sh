#!/usr/bin/env bash
# The two independent checks of every synthesized template, after the app's own policy pack:
#   cdk-nag's AwsSolutions pack (scripts/nag-templates.js, each template loaded with CfnInclude);
#   cfn-lint in the stack's region (scripts/lint-templates.js), where warnings fail like errors.
# The findings we accept are in one reviewed file, infra/policy-suppressions.json, each with its reason; an entry
# that matches nothing fails too.
# Usage: scripts/validate-templates.sh CDK_OUT_DIR...   (exit 1 on any finding not accepted, 2 on a usage or load error)
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
targets=()
for i in "${!templates[@]}"; do targets+=("${templates[$i]}@${regions[$i]}"); done
node "$root/scripts/lint-templates.js" --fail-on-unused -s "$root/infra/policy-suppressions.json" "${targets[@]}" || { rc=$?; [ "$rc" -gt "$status" ] && status=$rc; }
exit "$status"
