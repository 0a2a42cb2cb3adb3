#!/usr/bin/env bash
# Local engine numbers for the sample's schema: embedded cluster cold/warm start, session set-up
# cold vs fingerprint hit, branch clone and full reset. Writes artifacts/bench/local-engine.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash eng/ensure-postgres.sh
dotnet run -c Release --project bench/Neon.Testing.LocalEngineBenchmark -- "$PWD/artifacts/bench/local-engine.json" "${1:-10}"
