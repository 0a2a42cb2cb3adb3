#!/usr/bin/env bash
# The main job: the Library sample's tests (ASP.NET Core + EF Core, samples/Library.Api.Tests) on the
# embedded PostgreSQL, no account, no configuration. `bash eng/run-sample.sh TodoApp` runs the smaller
# raw-Npgsql sample instead. The samples use the SDK the way users do (<Sdk Name="Neon.Testing.Sdk"
# Version="..."/>), so the packages are built first. The extension prints what the session did: branches
# created, tests per isolation level, resets (clean / restored / full) and branches deleted.
set -uo pipefail
cd "$(dirname "$0")/.."
sample=${1:-Library.Api}
case "$sample" in
  Library|Library.Api) sample=Library.Api ;;
  TodoApp) ;;
  *) echo "usage: bash eng/run-sample.sh [Library|TodoApp]" >&2; exit 2 ;;
esac
bash eng/ensure-postgres.sh || exit 1
bash eng/pack.sh >/dev/null || { echo "eng/pack.sh failed" >&2; exit 1; }

# The packed version never changes between packs, so the sample restores into this clone's own cache
# and drops our packages from it first: the machine's shared NuGet cache is never written to or pruned.
export NUGET_PACKAGES=$PWD/artifacts/nuget-packages
version=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' Directory.Build.props | head -n1)
for package in artifacts/packages/*."$version".nupkg; do
  id=$(basename "$package" ".$version.nupkg")
  rm -rf "$NUGET_PACKAGES/${id,,}/$version"
done

results=$PWD/artifacts/sample
rm -rf "$results"
started=$(date +%s.%N)
dotnet test --project "samples/$sample.Tests/$sample.Tests.csproj" --results-directory "$results"
status=$?
echo
echo "== Session summary of samples/$sample.Tests, $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s of dotnet test ($results/neon-testing-summary.$sample.Tests.txt; the same numbers as JSON in neon-testing-summary.$sample.Tests.json) =="
cat "$results/neon-testing-summary.$sample.Tests.txt" 2>/dev/null || echo "(no summary written)"
exit "$status"
