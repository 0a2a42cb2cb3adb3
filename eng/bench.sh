#!/usr/bin/env bash
# Benchmarks the per-test isolation step (change tracking vs re-clone, truncate-all and rollback) on the product's
# embedded PostgreSQL, which the benchmark starts itself (honours NEON_LOCAL_DATA_DIR).
# Writes artifacts/bench/isolation.json. Exit code: 0 all targets met, 3 a target missed, 1 a verification failed.
# Usage: eng/bench.sh [--quick]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dotnet build bench/Neon.Testing.Benchmarks -c Release --nologo -v quiet -clp:ErrorsOnly
exec dotnet bench/Neon.Testing.Benchmarks/bin/Release/net10.0/Neon.Testing.Benchmarks.dll --output "$root/artifacts/bench/isolation.json" "$@"
