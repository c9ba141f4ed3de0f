#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone: installs the S3-protocol test server from npm
# (tools/s3-test-server; the tests start and stop it on 127.0.0.1), restores, builds (warnings are
# errors), tests every project, and prints one closing line "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

command -v node >/dev/null || { echo "Node.js is required (the S3 test server runs on it)" >&2; exit 1; }
npm ci --prefix tools/s3-test-server --no-audit --no-fund --loglevel=error

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
