#!/usr/bin/env bash
# Packs every shipped package into artifacts/packages with the one version set in Directory.Build.props.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f artifacts/packages/*.nupkg artifacts/packages/*.snupkg
dotnet pack Neon.Testing.Sdk.sln -c Release -o artifacts/packages -nologo -clp:ErrorsOnly "$@"
ls -1 artifacts/packages/*.nupkg
