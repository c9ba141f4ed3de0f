#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone: makes sure the tools the tests drive are there (moto's S3
# server, the pinned CDK CLI, cdk-nag, cfn-lint), restores, builds (warnings are errors), tests every
# project, then publishes the CLI as users install it (one native executable, Native AOT) and runs the
# tests that start the CLI as a process again against that executable. Prints one closing line
# "N passed, N failed, N skipped" over both. Servers are started by the tests themselves, on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-test-tools.sh
# moto_server and cfn-lint, when install-test-tools.sh had to put them in the project's own Python environment.
[ -d .tools/python/bin ] && export PATH="$PWD/.tools/python/bin:$PATH"

log=$(mktemp)
trap 'rm -f "$log"' EXIT

status=0
dotnet test HomebrewSync.sln -c Release --nologo 2>&1 | tee "$log" || status=$?

# The native CLI: its publish fails on any trim or AOT warning (warnings are errors), and the process-level
# tests run the executable instead of the build beside them (HOMEBREW_SYNC_TEST_CLI).
native=artifacts/native-cli
echo "publishing the native CLI (Native AOT) into $native ..."
if dotnet publish runtime/HomebrewSync.Cli -c Release --artifacts-path artifacts/native-cli-build -o "$native" --nologo -v quiet 2>&1 | tee -a "$log"; then
  for p in tests/HomebrewSync.Cli.Tests tests/HomebrewSync.Lambda.Tests; do
    HOMEBREW_SYNC_TEST_CLI="$PWD/$native/homebrew-sync" dotnet test "$p" -c Release --no-build --nologo 2>&1 | tee -a "$log" || status=$?
  done
else
  echo "publishing the native CLI failed" >&2
  status=1
fi

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
