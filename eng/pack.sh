#!/usr/bin/env bash
# Packs every shipped package (src/*) into artifacts/packages with the one version set in
# Directory.Build.props: Release build, XML docs, package README, SourceLink (deterministic CI build,
# repository URL and commit, untracked sources embedded) and symbol packages.
# The samples and end-to-end tests consume the SDK from there by version (NuGet.config's "local" source).
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/packages
mkdir -p "$out"
rm -f "$out"/*.nupkg "$out"/*.snupkg

# Only src/: the samples use the packed SDK, so packing them would need the packages being made.
filter=artifacts/pack.slnf
{
  echo '{ "solution": { "path": "../Neon.Testing.Sdk.sln", "projects": ['
  ls src/*/*.csproj | sed 's|/|\\\\|g; s|.*|    "&",|' | sed '$ s/,$//'
  echo '] } }'
} > "$filter"

dotnet pack "$filter" -c Release -o "$out" -nologo -clp:ErrorsOnly \
  -p:ContinuousIntegrationBuild=true -p:IncludeSymbols=true -p:SymbolPackageFormat=snupkg "$@"

# No NuGet cache is touched here: the shared one belongs to every clone on this machine. Consumers of
# these packages restore into a cache of their own (eng/run-sample.sh, the end-to-end tests).
ls -1 "$out"/*.nupkg
