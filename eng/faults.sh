#!/usr/bin/env bash
# The fault suite (issue 13): every case in tests/Neon.Testing.Faults.Tests against real processes, a real PostgreSQL
# and the Neon API emulator. Each case asserts its outcome and records its figures; this script merges them into
# artifacts/faults/faults.json. Exit code: the test run's (non-zero when a case failed).
# Usage: eng/faults.sh [--quick]   (--quick: only the cases CI runs, category "CI")
# Honours NEON_LOCAL_DATA_DIR; without it the suite runs on a private cluster that it stops afterwards.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash eng/ensure-postgres.sh || exit 1

filter=()
if [ "${1:-}" = "--quick" ]; then filter=(--filter "TestCategory=CI"); fi

own_cluster=0
if [ -z "${NEON_LOCAL_DATA_DIR:-}" ]; then
  base=/tmp; [ "$(id -u)" -eq 0 ] && base=/var/tmp
  NEON_LOCAL_DATA_DIR=$(mktemp -d "$base/neon-testing-faults.XXXXXX")
  chmod 755 "$NEON_LOCAL_DATA_DIR"
  export NEON_LOCAL_DATA_DIR
  own_cluster=1
fi
cases=$(mktemp -d "${TMPDIR:-/tmp}/neon-faults-cases.XXXXXX")
cleanup() {
  if [ "$own_cluster" = 1 ]; then
    bash eng/local-postgres.sh stop "$NEON_LOCAL_DATA_DIR" >/dev/null 2>&1 || true
    rm -rf "$NEON_LOCAL_DATA_DIR"
  fi
  rm -rf "$cases"
}
trap cleanup EXIT

project=tests/Neon.Testing.Faults.Tests
dotnet build "$project" -c Debug -nologo -clp:ErrorsOnly || exit 1
started=$(date +%s)
NEON_FAULTS_OUT="$cases" dotnet test --project "$project" --no-build -- "${filter[@]}"
status=$?

mkdir -p artifacts/faults
python3 - "$cases" artifacts/faults/faults.json "$status" "$started" <<'PY'
import json, os, sys, time, glob
folder, out, status, started = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
records = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(folder, "*.json")))]
areas = {}
for r in records:
    areas.setdefault(r["area"], []).append(r)
report = {
    "generatedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "seconds": int(time.time()) - started,
    "loadAverage": os.getloadavg(),
    "testExitCode": status,
    "cases": len(records),
    "casesPassed": sum(1 for r in records if r["passed"]),
    "areas": areas,
}
json.dump(report, open(out, "w"), indent=2)
print(f"faults: {report['casesPassed']}/{report['cases']} cases passed -> {out}")
PY
exit "$status"
