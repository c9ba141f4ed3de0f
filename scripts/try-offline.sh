#!/usr/bin/env bash
# Tries the whole sync with no network: starts the project's fake Homebrew API and registry on
# 127.0.0.1 with a generated catalog, syncs it into a local folder, then prints stats and verifies.
#   scripts/try-offline.sh [STORE] [-- extra fake-server options, e.g. --formulae 300 --faults 5]
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:-./mirror-offline}
shift || true
[ "${1:-}" = "--" ] && shift

for p in tests/HomebrewSync.FakeHomebrew runtime/HomebrewSync.Cli; do dotnet build -c Release --nologo -v quiet "$p" >/dev/null; done
work=$(mktemp -d)
dotnet tests/HomebrewSync.FakeHomebrew/bin/Release/net10.0/HomebrewSync.FakeHomebrew.dll --url-file "$work/url" "$@" >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; cat "$work/server.log"; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do [ -s "$work/url" ] && break; sleep 0.1; done
[ -s "$work/url" ] || { echo "fake server did not start" >&2; exit 1; }

cli=runtime/HomebrewSync.Cli/bin/Release/net10.0/homebrew-sync.dll
export HOMEBREW_API_URL=$(cat "$work/url") RETRY_DELAY_SECONDS=${RETRY_DELAY_SECONDS:-0.2} DOWNLOAD_TIMEOUT_SECONDS=${DOWNLOAD_TIMEOUT_SECONDS:-5}
status=0
start=$(date +%s.%N)
dotnet "$cli" sync --store "$store" || status=$?
end=$(date +%s.%N)
echo "sync exit code $status in $(echo "$end - $start" | bc) s"
dotnet "$cli" stats --store "$store"
dotnet "$cli" verify --store "$store" | tail -1
exit 0
