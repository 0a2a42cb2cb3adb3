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

# The fault suite's quick subset (kills, bad settings, secrets); eng/faults.sh runs all of it.
faults_log=artifacts/test-output-faults.log
faults_project=tests/Neon.Testing.Faults.Tests
dotnet build "$faults_project" -c Debug -nologo -clp:ErrorsOnly 2>&1 | tee "$faults_log"
faults_status=${PIPESTATUS[0]}
if [ "$faults_status" -eq 0 ]; then
  dotnet test --project "$faults_project" --no-build -- --filter "TestCategory=CI" 2>&1 | tee -a "$faults_log"
  faults_status=${PIPESTATUS[0]}
fi

# MTP prints one summary per run; the last block of each log is the total over its test projects.
count() { grep -E "^\s+$1: [0-9]+" "$2" | tail -n1 | grep -oE '[0-9]+' || echo 0; }
passed=$(( $(count succeeded "$log") + $(count succeeded "$faults_log") ))
failed=$(( $(count failed "$log") + $(count failed "$faults_log") ))
skipped=$(( $(count skipped "$log") + $(count skipped "$faults_log") ))
if [ "$test_status" -eq 0 ]; then test_status=$faults_status; fi
if [ "$test_status" -ne 0 ] && [ "$failed" = 0 ]; then
  failed=1  # the runner failed without reporting a failed test (crash, no tests found, build error)
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$test_status"
