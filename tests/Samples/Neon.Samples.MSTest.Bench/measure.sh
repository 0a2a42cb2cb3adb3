#!/usr/bin/env bash
# Per-test and start-up cost of the MTP extension, seen from the test run: wall time of the bench
# sample (1, 200 reading, 200 writing tests) with the extension on, and off against a fixed database
# (--neon-enabled false, DATABASE_URL set, no isolation). Needs psql and a running embedded cluster
# in NEON_LOCAL_DATA_DIR (start one by running any sample with that variable set).
#   per-test overhead = ((on - off)[200 tests] - (on - off)[1 test]) / 199
set -eu
cd "$(dirname "$0")"
D=${NEON_LOCAL_DATA_DIR:?set NEON_LOCAL_DATA_DIR to the embedded cluster folder}
dotnet build -c Release -nologo -clp:ErrorsOnly >/dev/null
B=./bin/Release/net10.0/Neon.Samples.MSTest.Bench
PORT=$(sed -n 4p "$D/data/postmaster.pid"); export PGPASSWORD=$(cat "$D/superuser.password")
psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qc 'DROP DATABASE IF EXISTS "bench_baseline"' -c 'CREATE DATABASE "bench_baseline"'
cat ../sql/*.sql | psql -h 127.0.0.1 -p "$PORT" -U postgres -d bench_baseline -q
BASE="Host=127.0.0.1;Port=$PORT;Username=postgres;Password=$PGPASSWORD;Database=bench_baseline"
out=$(mktemp -d)
for rep in 1 2 3; do
  for cat in single clean writing; do
    s=$(date +%s.%N); $B --filter TestCategory=$cat --results-directory "$out/$cat-$rep" >"$out/$cat-$rep.log" 2>&1 || true; e=$(date +%s.%N); on=$(echo "$e - $s" | bc)
    s=$(date +%s.%N); DATABASE_URL="$BASE" $B --filter TestCategory=$cat --neon-enabled false >"$out/off-$cat-$rep.log" 2>&1 || true; e=$(date +%s.%N); off=$(echo "$e - $s" | bc)
    python3 - "$out/$cat-$rep/neon-testing-summary.Neon.Samples.MSTest.Bench.json" "$cat" "$rep" "$on" "$off" <<'PY'
import json, sys
path, cat, rep, on, off = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
d = json.load(open(path))
print(f"{cat:8} rep{rep} on={on:6.2f}s off={off:5.2f}s sessionStart={d['sessionStartMs']:7.1f}ms isolating={d['isolationMs']:7.1f}ms resets={d['resets']}")
PY
  done
done
psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qc 'DROP DATABASE IF EXISTS "bench_baseline"'
