#!/usr/bin/env bash
# Tries the whole sync with no network: starts the project's fake Homebrew API and registry on
# 127.0.0.1 with a generated catalog, syncs it into a store, then prints stats and verifies.
#   scripts/try-offline.sh [STORE] [-- fake-server options, e.g. --formulae 300 --faults 5]
# STORE is a folder (default ./mirror-offline) or s3://BUCKET[/PREFIX], which also starts the
# project's S3 test server (moto_server, from the Python package moto[server]).
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:-./mirror-offline}
shift || true
[ "${1:-}" = "--" ] && shift

for p in tests/HomebrewSync.FakeHomebrew runtime/HomebrewSync.Cli; do dotnet build -c Release --nologo -v quiet "$p" >/dev/null; done
work=$(mktemp -d)
extra=()
case "$store" in
  s3://*) bucket=${store#s3://}; extra=(--s3-bucket "${bucket%%/*}") ;;
esac
dotnet tests/HomebrewSync.FakeHomebrew/bin/Release/net10.0/HomebrewSync.FakeHomebrew.dll --url-file "$work/url" "${extra[@]}" "$@" >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; cat "$work/server.log"; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do [ -s "$work/url" ] && break; sleep 0.1; done
[ -s "$work/url" ] || { echo "fake server did not start" >&2; exit 1; }

cli=runtime/HomebrewSync.Cli/bin/Release/net10.0/homebrew-sync.dll
export HOMEBREW_API_URL=$(sed -n 1p "$work/url")
export HOMEBREW_REGISTRY_HOSTS=127.0.0.1  # the fake registry: the token goes only to registry hosts
export RETRY_DELAY_SECONDS=${RETRY_DELAY_SECONDS:-0.2} DOWNLOAD_TIMEOUT_SECONDS=${DOWNLOAD_TIMEOUT_SECONDS:-5}
if [ -n "$(sed -n 2p "$work/url")" ]; then
  export AWS_ENDPOINT_URL_S3=$(sed -n 2p "$work/url") AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
fi
status=0
start=$(date +%s.%N)
dotnet "$cli" sync --store "$store" || status=$?
end=$(date +%s.%N)
echo "sync exit code $status in $(awk "BEGIN{print $end - $start}") s"
dotnet "$cli" stats --store "$store"
dotnet "$cli" verify --store "$store" | tail -1
