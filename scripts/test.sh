#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone: makes sure the tools the tests drive are there (moto's S3
# server, the pinned CDK CLI, cdk-nag, cfn-lint), restores, builds (warnings are errors), tests every
# project, and prints one closing line "N passed, N failed, N skipped". Servers are started by the tests
# themselves, on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-test-tools.sh
# moto_server and cfn-lint, when install-test-tools.sh had to put them in the project's own Python environment.
[ -d .tools/python/bin ] && export PATH="$PWD/.tools/python/bin:$PATH"

log=$(mktemp)
trap 'rm -f "$log"' EXIT

status=0
dotnet test HomebrewSync.sln -c Release --nologo 2>&1 | tee "$log" || status=$?

passed=0; failed=0; skipped=0
while read -r f p s; do
  failed=$((failed + f)); passed=$((passed + p)); skipped=$((skipped + s))
done < <(sed -nE 's/.*(Passed|Failed)!  - Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\2 \3 \4/p' "$log")

echo
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
