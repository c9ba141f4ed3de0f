#!/usr/bin/env bash
# Records Core's public surface after a deliberate change. Microsoft.CodeAnalysis.PublicApiAnalyzers fails the build with
# RS0016 (a public symbol not listed) and RS0017 (a listed symbol gone) until runtime/HomebrewSync.Core/PublicAPI.Shipped.txt
# says so; this adds what RS0016 names and drops the lines RS0017 points at, then checks the build is clean.
set -euo pipefail
cd "$(dirname "$0")/.."
core=runtime/HomebrewSync.Core
list=$core/PublicAPI.Shipped.txt
out=$(dotnet build "$core/HomebrewSync.Core.csproj" -c Release --no-incremental -p:TreatWarningsAsErrors=false 2>&1 || true)
added=$(grep -oP "RS0016: Symbol '\K.*(?=' is not part of the declared public API)" <<<"$out" | sort -u || true)
gone=$(grep -oP "PublicAPI\.Shipped\.txt\(\K[0-9]+(?=,[0-9]+\): (error|warning) RS0017)" <<<"$out" | sort -un || true)
{
  echo '#nullable enable'
  { awk -v gone="$gone" 'BEGIN { n = split(gone, g, "\n"); for (i = 1; i <= n; i++) drop[g[i]] = 1 } FNR > 1 && !(FNR in drop)' "$list"
    if [ -n "$added" ]; then printf "%s\n" "$added"; fi; } | { grep -v "^$" || true; } | sort -u
} > "$list.new"
mv "$list.new" "$list"
echo "$(grep -c . <<<"$added" || true) added, $(grep -c . <<<"$gone" || true) removed; $list lists $(($(wc -l < "$list") - 1)) symbols"
dotnet build "$core/HomebrewSync.Core.csproj" -c Release 2>&1 | grep -E "RS001[67]" && { echo "still out of date" >&2; exit 1; } || true
