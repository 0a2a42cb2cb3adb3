#!/usr/bin/env bash
# Benchmarks the per-test isolation step (change tracking vs re-clone, truncate-all, Respawn 7 and rollback, as a
# superuser and as a database owner) on the product's embedded PostgreSQL, which the benchmark starts itself (honours
# NEON_LOCAL_DATA_DIR); then the same resets through a loopback proxy adding latency (round trips counted); the full run
# also measures cost growth (500 and 2,000 tables, 100k and 1M seeded rows). Targets are relative to the bare ROLLBACK
# round trip measured in the same run. Writes artifacts/bench/isolation.json.
# Exit code: 0 all targets met, 3 a target missed, 1 a verification failed (Respawn with ignored tables leaks by design:
# its leaks are counted, not failed).
# Usage: eng/bench.sh [--quick] [--growth] [--latency <ms each way>] [--only <scenario>] [--strategies a,b]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dotnet build bench/Neon.Testing.Benchmarks -c Release --nologo -v quiet -clp:ErrorsOnly
exec dotnet bench/Neon.Testing.Benchmarks/bin/Release/net10.0/Neon.Testing.Benchmarks.dll --output "$root/artifacts/bench/isolation.json" "$@"
