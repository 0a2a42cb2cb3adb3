#!/usr/bin/env bash
# The main job: the TodoApp sample's tests on the embedded PostgreSQL, no account, no configuration.
# Shows the branches the session creates, how each test is isolated, and that everything is removed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash eng/ensure-postgres.sh || exit 1

export NEON_SAMPLE_LOG=${NEON_SAMPLE_LOG:-$PWD/artifacts/sample/neon-session.log}
mkdir -p "$(dirname "$NEON_SAMPLE_LOG")"
rm -f "$NEON_SAMPLE_LOG"

dotnet test --project samples/TodoApp.Tests/TodoApp.Tests.csproj
status=$?
echo
echo "== What the Neon test session did ($NEON_SAMPLE_LOG) =="
cat "$NEON_SAMPLE_LOG" 2>/dev/null || echo "(no session log)"
exit "$status"
