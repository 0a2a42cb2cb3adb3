#!/usr/bin/env bash
# The main job: the TodoApp sample's tests on the embedded PostgreSQL, no account, no configuration.
# The sample uses the SDK the way users do (<Sdk Name="Neon.Testing.Sdk" Version="..."/>), so the
# packages are built first. The extension prints what the session did: branches created, tests per
# isolation level, resets (clean / restored / full) and branches deleted.
set -uo pipefail
cd "$(dirname "$0")/.."
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
dotnet test --project samples/TodoApp.Tests/TodoApp.Tests.csproj --results-directory "$results"
status=$?
echo
echo "== Session summary ($results/neon-testing-summary.txt; the same numbers as JSON in neon-testing-summary.json) =="
cat "$results/neon-testing-summary.txt" 2>/dev/null || echo "(no summary written)"
exit "$status"
