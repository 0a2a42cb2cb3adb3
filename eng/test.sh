#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what is missing, checks the generated Neon
# API client for drift, runs every test project against a throwaway embedded PostgreSQL that it
# stops afterwards, and ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p artifacts
log=artifacts/test-output.log

bash eng/ensure-postgres.sh || exit 1
bash eng/codegen.sh --check || { echo "0 passed, 1 failed"; exit 1; }

# A cluster of its own for this run, so results never depend on a developer's warm cluster.
own_cluster=0
if [ -z "${NEON_LOCAL_DATA_DIR:-}" ]; then
  base=/tmp; [ "$(id -u)" -eq 0 ] && base=/var/tmp
  NEON_LOCAL_DATA_DIR=$(mktemp -d "$base/neon-testing-run.XXXXXX")
  chmod 755 "$NEON_LOCAL_DATA_DIR"
  export NEON_LOCAL_DATA_DIR
  own_cluster=1
fi
cleanup() {
  if [ "$own_cluster" = 1 ]; then
    bash eng/local-postgres.sh stop "$NEON_LOCAL_DATA_DIR" >/dev/null 2>&1 || true
    rm -rf "$NEON_LOCAL_DATA_DIR"
  fi
}
trap cleanup EXIT

dotnet build Neon.Testing.Sdk.sln -c Debug -nologo -clp:ErrorsOnly 2>&1 | tee "$log"
build_status=${PIPESTATUS[0]}
if [ "$build_status" -ne 0 ]; then
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test --solution Neon.Testing.Sdk.sln --no-build 2>&1 | tee -a "$log"
test_status=${PIPESTATUS[0]}

# MTP prints one summary per run; the last block is the total over every test project.
count() { grep -E "^\s+$1: [0-9]+" "$log" | tail -n1 | grep -oE '[0-9]+' || echo 0; }
passed=$(count succeeded)
failed=$(count failed)
skipped=$(count skipped)
if [ "$test_status" -ne 0 ] && [ "$failed" = 0 ]; then
  failed=1  # the runner failed without reporting a failed test (crash, no tests found)
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$test_status"
