#!/usr/bin/env bash
# Regenerates every shipped library's PublicAPI.Shipped.txt from the code as it is now (the baseline),
# leaving PublicAPI.Unshipped.txt empty. The build (PublicApiAnalyzers, warnings as errors) fails with
# RS0016/RS0017 whenever a public API changes without these files changing; run this after a deliberate
# change (or a merge) and review the diff of the PublicAPI files like any other code.
# Usage: eng/public-api.sh [project.csproj ...]   (default: every src/ project with PublicAPI files)
# How: both files are reset to the "#nullable enable" header, `dotnet format analyzers` applies the
# analyzer's own RS0016 code fix (every public symbol into Unshipped), then Unshipped moves into Shipped.
set -euo pipefail
cd "$(dirname "$0")/.."

header='#nullable enable'
if [[ $# -gt 0 ]]; then
  projects=("$@")
else
  projects=()
  for file in src/*/PublicAPI.Shipped.txt; do
    projects+=("$(ls "$(dirname "$file")"/*.csproj)")
  done
fi

for project in "${projects[@]}"; do
  dir="$(dirname "$project")"
  echo "$header" > "$dir/PublicAPI.Shipped.txt"
  echo "$header" > "$dir/PublicAPI.Unshipped.txt"
done

for project in "${projects[@]}"; do
  dotnet format analyzers "$project" --diagnostics RS0016 RS0017 --severity info -v q
done

for project in "${projects[@]}"; do
  dir="$(dirname "$project")"
  { echo "$header"; { grep -v -e "^$header\$" -e '^$' "$dir/PublicAPI.Unshipped.txt" || true; } | LC_ALL=C sort -u; } > "$dir/PublicAPI.Shipped.txt"
  echo "$header" > "$dir/PublicAPI.Unshipped.txt"
  echo "public-api: $dir/PublicAPI.Shipped.txt ($(($(wc -l <"$dir/PublicAPI.Shipped.txt") - 1)) entries)"
done
