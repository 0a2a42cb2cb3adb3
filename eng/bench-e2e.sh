#!/usr/bin/env bash
# Whole-process benchmarks of what users run (issue 12, items 5-7), on a private embedded PostgreSQL:
#   start  session start: process start to the first test of a one-test EF Core project (the Library app's context),
#          warm (cluster up, template cached, fingerprint remembered), with the fingerprint forgotten, without a
#          template cache (migrations run), with Neon.Testing off (the floor), and once on a new cluster;
#          the product's share and its phases from the run summary         -> artifacts/bench/session-start.json
#   e2e    the Library sample's suite three ways, interleaved A B C A B C: A with the SDK (the sample as it is),
#          B with Respawn 7 resetting and reseeding in each test's setup (a generated copy, one test at a time:
#          one database cannot serve parallel tests), C with no isolation (a generated copy on one migrated
#          database, the sample's parallelism). All three skip the tests Respawn and C cannot run (schema
#          changes, the read-only endpoint)                                  -> artifacts/bench/e2e.json
#   scale  N generated isolated tests (default 1000) over 4 workers and over 1, with Neon.Testing on and off:
#          per-test overhead and the test process's peak memory             -> artifacts/bench/scale.json
# Exit status 1 when a target is missed: start warm product share <= 150 ms; SDK overhead over no isolation
# <= 10% of the wall time; SDK >= 1.5x faster than Respawn. Load average is recorded with every part.
#   bash eng/bench-e2e.sh [start,e2e,scale]     (BENCH_E2E_RUNS rounds, default 3; BENCH_E2E_SCALE_TESTS; BENCH_E2E_SKIP_PACK=1)
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
parts=${1:-start,e2e,scale}
runs=${BENCH_E2E_RUNS:-3}
scale_tests=${BENCH_E2E_SCALE_TESTS:-1000}
out=$repo/artifacts/bench
work=$repo/artifacts/bench-e2e
records=$work/records.jsonl
mkdir -p "$out"
rm -rf "$work"
mkdir -p "$work"
chmod 755 "$work"

own_cluster=
if [ -z "${NEON_LOCAL_DATA_DIR:-}" ]; then
  NEON_LOCAL_DATA_DIR=$(mktemp -d /var/tmp/neon-bench-e2e.XXXXXX)
  chmod 755 "$NEON_LOCAL_DATA_DIR"
  own_cluster=$NEON_LOCAL_DATA_DIR
fi
export NEON_LOCAL_DATA_DIR
cold_cluster=
cleanup() {
  for dir in $cold_cluster $own_cluster; do
    bash "$repo/eng/local-postgres.sh" stop "$dir" >/dev/null 2>&1
    rm -rf "$dir"
  done
}
trap cleanup EXIT
# The EF fingerprint memo lives in the cache folder: a private one, so that a start without it can be measured.
export XDG_CACHE_HOME=$work/cache

bash eng/ensure-postgres.sh || exit 1
# BENCH_E2E_SKIP_PACK=1 reuses artifacts/packages as they are (only when the sources have not changed since they were packed).
if [ -z "${BENCH_E2E_SKIP_PACK:-}" ] || ! ls artifacts/packages/*.nupkg >/dev/null 2>&1; then
  bash eng/pack.sh >/dev/null || { echo "eng/pack.sh failed" >&2; exit 1; }
fi
export NUGET_PACKAGES=$repo/artifacts/nuget-packages
version=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' Directory.Build.props | head -n1)
for package in artifacts/packages/*."$version".nupkg; do
  id=$(basename "$package" ".$version.nupkg")
  rm -rf "$NUGET_PACKAGES/${id,,}/$version"
done

build() { dotnet build "$1" -c Debug -nologo -clp:ErrorsOnly -v:q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; echo "build of $1 failed" >&2; exit 1; }; }
exe_of() { echo "$(dirname "$1")/bin/Debug/net10.0/$(basename "$1" .csproj)"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# psql on the private cluster, as its superuser.
sql() {
  local port
  port=$(sed -n 4p "$NEON_LOCAL_DATA_DIR/data/postmaster.pid")
  PGPASSWORD=$(cat "$NEON_LOCAL_DATA_DIR/superuser.password") psql -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"
}
url() {
  echo "Host=127.0.0.1;Port=$(sed -n 4p "$NEON_LOCAL_DATA_DIR/data/postmaster.pid");Username=postgres;Password=$(cat "$NEON_LOCAL_DATA_DIR/superuser.password");Database=$1"
}

# run PART VARIANT ROUND EXE [ARGS...]: one timed test process; appends its record (wall, peak memory, test counts,
# the session summary when there is one, the probe's figure when it wrote one).
run() {
  local part=$1 variant=$2 round=$3; shift 3
  local dir=$work/runs/$part-$variant-$round
  mkdir -p "$dir"
  local started ended
  started=$(date +%s.%N)
  BENCH_E2E_PROBE=$dir/probe.txt /usr/bin/time -f "%M" -o "$dir/rss.txt" "$@" --results-directory "$dir" >"$dir/output.log" 2>&1
  local status=$?
  ended=$(date +%s.%N)
  python3 - "$part" "$variant" "$round" "$started" "$ended" "$status" "$dir" "$(loadavg)" >>"$records" <<'EOF'
import json, re, sys, os
part, variant, rnd, started, ended, status, d, load = sys.argv[1:]
log = open(os.path.join(d, "output.log"), errors="replace").read()
def count(name):
    m = re.findall(r"^\s*%s: (\d+)" % name, log, re.M)
    return int(m[-1]) if m else None
rec = {"part": part, "variant": variant, "round": int(rnd), "wall_s": round(float(ended) - float(started), 3),
       "exit": int(status), "total": count("total"), "failed": count("failed"), "load": load}
try: rec["peak_rss_mb"] = round(int(open(os.path.join(d, "rss.txt")).read().split()[-1]) / 1024, 1)
except Exception: pass
import glob
# One summary per test assembly (neon-testing-summary.<assembly>.json); the unnamed one from older versions.
summaries = sorted(glob.glob(os.path.join(d, "neon-testing-summary*.json")))
try: rec["summary"] = json.load(open(summaries[0]))
except Exception: pass
# A run with the platform's diagnostic log: its phases (eng/bench-e2e/timeline.py).
sys.path.insert(0, "eng/bench-e2e")
import timeline
phases = timeline.read_folder(os.path.join(d, "diag")) if os.path.isdir(os.path.join(d, "diag")) else None
if phases: rec["timeline_ms"] = phases
# The probe writes when its test started and when its first query was answered.
try: rec["first_test_ms"], rec["first_query_ms"] = (float(v) for v in open(os.path.join(d, "probe.txt")).read().split())
except Exception: pass
print(json.dumps(rec))
EOF
  echo "  $part $variant #$round: $(tail -n1 "$records" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["wall_s"], "s,", r.get("first_test_ms", "-"), "ms to the first test,", r.get("first_query_ms", "-"), "to its first query, session", (r.get("summary") or {}).get("sessionStartMs", "-"), "ms,", r["failed"], "of", r["total"], "failed")')"
}

# The last run must have passed (a warm-up): otherwise the figures would time a failure.
require_ok() {
  local last
  last=$(tail -n1 "$records")
  if ! python3 -c 'import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if r["exit"] == 0 else 1)' "$last"; then
    local dir
    dir=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["part"] + "-" + r["variant"] + "-" + str(r["round"]))' "$last")
    tail -n 30 "$work/runs/$dir/output.log" >&2
    echo "the warm-up run $dir failed: nothing to measure" >&2
    exit 1
  fi
}

# ---------------------------------------------------------------- start
if [[ $parts == *start* ]]; then
  echo "== session start (load $(loadavg))"
  dir=$work/start
  mkdir -p "$dir"
  cp eng/bench-e2e/Probe.cs "$dir/"
  cat >"$dir/StartProbe.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <Sdk Name="Neon.Testing.Sdk" Version="$version" />
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <EnableMSTestRunner>true</EnableMSTestRunner>
    <NeonDbContext>LibraryDbContext</NeonDbContext>
    <NeonConnectionStringName>Library</NeonConnectionStringName>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="MSTest.TestFramework" />
    <PackageReference Include="MSTest.TestAdapter" />
  </ItemGroup>
  <ItemGroup>
    <ProjectReference Include="$repo/samples/Library.Api/Library.Api.csproj" />
  </ItemGroup>
</Project>
EOF
  build "$dir/StartProbe.csproj"
  probe=$(exe_of "$dir/StartProbe.csproj")
  run start warmup 0 "$probe"            # starts the cluster, builds the template, remembers the fingerprint
  require_ok
  for round in $(seq 1 "$runs"); do
    run start warm "$round" "$probe"
    NEON_ENABLED=false DATABASE_URL="$(url postgres)" run start off "$round" "$probe"
    rm -rf "$XDG_CACHE_HOME/neon-testing/ef-fingerprints"
    run start cold-fingerprint "$round" "$probe"
    NEON_MIGRATION_CACHE_EXPIRY=0 run start cold-template "$round" "$probe"
  done
  cold_cluster=$(mktemp -d /var/tmp/neon-bench-e2e-cold.XXXXXX)
  chmod 755 "$cold_cluster"
  NEON_LOCAL_DATA_DIR=$cold_cluster run start cold-cluster 1 "$probe"
  bash eng/local-postgres.sh stop "$cold_cluster" >/dev/null 2>&1
fi

# ---------------------------------------------------------------- e2e
if [[ $parts == *e2e* ]]; then
  echo "== Library sample end to end (load $(loadavg))"
  build samples/Library.Api.Tests/Library.Api.Tests.csproj
  sdk_exe=$(exe_of samples/Library.Api.Tests/Library.Api.Tests.csproj)
  # A copy of the sample's tests without Neon.Testing: the plain factory on ConnectionStrings__Library, a stub for
  # [ReadOnly], and a base class in front of LibraryTest that resets with Respawn (B) or does nothing (C).
  for variant in respawn none; do
    dir=$work/$variant
    mkdir -p "$dir"
    cp samples/Library.Api.Tests/*.cs "$dir/"
    cp eng/bench-e2e/PlainLibraryApp.cs "$dir/LibraryApp.cs"
    cp eng/bench-e2e/NeonStub.cs eng/bench-e2e/BenchSetup.cs "$dir/"
    sed -i 's/^public abstract class LibraryTest$/public abstract class LibraryTest : IsolationBase/' "$dir/LibraryTest.cs"
    grep -q 'class LibraryTest : IsolationBase' "$dir/LibraryTest.cs" || { echo "LibraryTest.cs changed shape: cannot insert the reset" >&2; exit 1; }
    if [ "$variant" = respawn ]; then
      cp eng/bench-e2e/RespawnReset.cs "$dir/"
      # One database: Respawn's tests run one at a time.
      echo '[assembly: DoNotParallelize]' >"$dir/AssemblySetup.cs"
      respawn_ref='<PackageReference Include="Respawn" />'
    else
      cp eng/bench-e2e/NoReset.cs "$dir/"
      # The same work without isolation: the copy does not check its start state, which fails every test that starts
      # after another wrote (at its first line, skipping the rest of its work); what leaks shows in the tests' own asserts.
      sed -i -e '/^        Assert\.AreEqual(SeedData\./d' -e 's/^        Assert\.IsFalse(counts\.Written, .*$/        _ = counts;/' "$dir/LibraryTest.cs"
      if grep -q 'Assert\.AreEqual(SeedData\.' "$dir/LibraryTest.cs" || ! grep -q '^        _ = counts;$' "$dir/LibraryTest.cs"; then
        echo "LibraryTest.cs changed shape: cannot remove its start-state check" >&2; exit 1
      fi
      # The twin writer classes write the same unique values at once: on one database the second gets a conflict at its
      # first assert and skips its 200 ms overlaps. Without isolation a suite gives each class values of its own; the
      # work (a request, the overlap, a count) stays the same, and what leaks still fails the counts.
      sed -i -e 's/"Parallel Author"/("Parallel Author " + GetType().Name)/g' \
        -e 's/"978-9-99-999999-9"/("978-9-99-999999-" + GetType().Name[^1])/' \
        -e 's/"parallel@example.org"/("parallel-" + GetType().Name + "@example.org")/' "$dir/ParallelIsolationTests.cs"
      if [ "$(grep -c 'GetType().Name' "$dir/ParallelIsolationTests.cs")" -ne 4 ]; then
        echo "ParallelIsolationTests.cs changed shape: cannot give the writer classes values of their own" >&2; exit 1
      fi
      respawn_ref=
    fi
    cat >"$dir/Library.Api.Tests.$variant.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <EnableMSTestRunner>true</EnableMSTestRunner>
    <RootNamespace>Library.Api.Tests</RootNamespace>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="MSTest.TestFramework" />
    <PackageReference Include="MSTest.TestAdapter" />
    <PackageReference Include="Microsoft.AspNetCore.Mvc.Testing" />
    $respawn_ref
  </ItemGroup>
  <ItemGroup>
    <ProjectReference Include="$repo/samples/Library.Api/Library.Api.csproj" />
  </ItemGroup>
</Project>
EOF
    build "$dir/Library.Api.Tests.$variant.csproj"
  done
  respawn_exe=$(exe_of "$work/respawn/Library.Api.Tests.respawn.csproj")
  none_exe=$(exe_of "$work/none/Library.Api.Tests.none.csproj")

  # One migrated database (EF's own MigrateAsync), and its seed rows as SQL for Respawn to insert again.
  [ -f "$NEON_LOCAL_DATA_DIR/data/postmaster.pid" ] || run e2e prepare-cluster 0 "$sdk_exe" --filter "FullyQualifiedName~Catalogue_IsReadable"
  sql -d postgres -c 'DROP DATABASE IF EXISTS bench_e2e_migrated' -c 'CREATE DATABASE bench_e2e_migrated'
  ConnectionStrings__Library=$(url bench_e2e_migrated) BENCH_E2E_MIGRATE=1 "$none_exe" --filter "FullyQualifiedName~Catalogue_IsReadable" >"$work/migrate.log" 2>&1 \
    || { cat "$work/migrate.log" >&2; echo "migrating bench_e2e_migrated failed" >&2; exit 1; }
  seed=$work/seed.sql
  : >"$seed"
  for table in Authors Members Books Loans; do
    PGPASSWORD=$(cat "$NEON_LOCAL_DATA_DIR/superuser.password") pg_dump -h 127.0.0.1 -p "$(sed -n 4p "$NEON_LOCAL_DATA_DIR/data/postmaster.pid")" -U postgres \
      --data-only --inserts -t "public.\"$table\"" bench_e2e_migrated | grep -E '^(INSERT INTO|SELECT pg_catalog.setval)' >>"$seed"
  done
  [ -s "$seed" ] || { echo "no seed rows dumped" >&2; exit 1; }

  # What all three can run: not the schema changes (Respawn cannot undo them) nor the read-only endpoint.
  filter='FullyQualifiedName!~SchemaChangeTests&FullyQualifiedName!~Writes_FailInTheDatabase'
  fresh() { sql -d postgres -c 'DROP DATABASE IF EXISTS bench_e2e_run WITH (FORCE)' -c 'CREATE DATABASE bench_e2e_run TEMPLATE bench_e2e_migrated'; }
  run e2e sdk-warmup 0 "$sdk_exe" --filter "$filter"
  require_ok
  for round in $(seq 1 "$runs"); do
    run e2e sdk "$round" "$sdk_exe" --filter "$filter"
    fresh
    ConnectionStrings__Library=$(url bench_e2e_run) BENCH_E2E_SEED_SQL=$seed run e2e respawn "$round" "$respawn_exe" --filter "$filter"
    fresh
    ConnectionStrings__Library=$(url bench_e2e_run) run e2e none "$round" "$none_exe" --filter "$filter"
  done
  # One more run of each, untimed, with the platform's diagnostic log: when the first test started and ended, when the
  # last ended, when the session ended (the log itself slows the run; its phases are compared, not its wall time).
  diag() { echo --diagnostic --diagnostic-verbosity Trace --diagnostic-output-directory "$work/runs/e2e-$1-timeline-1/diag"; }
  # shellcheck disable=SC2046
  run e2e sdk-timeline 1 "$sdk_exe" --filter "$filter" $(diag sdk)
  fresh
  # shellcheck disable=SC2046
  ConnectionStrings__Library=$(url bench_e2e_run) BENCH_E2E_SEED_SQL=$seed run e2e respawn-timeline 1 "$respawn_exe" --filter "$filter" $(diag respawn)
  fresh
  # shellcheck disable=SC2046
  ConnectionStrings__Library=$(url bench_e2e_run) run e2e none-timeline 1 "$none_exe" --filter "$filter" $(diag none)
  sql -d postgres -c 'DROP DATABASE IF EXISTS bench_e2e_run WITH (FORCE)' -c 'DROP DATABASE IF EXISTS bench_e2e_migrated WITH (FORCE)'
fi

# ---------------------------------------------------------------- scale
if [[ $parts == *scale* ]]; then
  echo "== $scale_tests isolated tests, 4 workers against 1 (load $(loadavg))"
  classes=$(( (scale_tests + 9) / 10 ))
  for workers in 1 4; do
    dir=$work/scale-w$workers
    mkdir -p "$dir/sql"
    cp eng/bench-e2e/ScaleWork.cs "$dir/"
    cat >"$dir/sql/001_items.sql" <<'EOF'
CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, test text NOT NULL, at timestamptz NOT NULL DEFAULT now());
INSERT INTO items (test) SELECT 'seed-' || g FROM generate_series(1, 100) g;
EOF
    python3 - "$dir/Tests.cs" "$scale_tests" "$workers" <<'EOF'
import sys
path, n, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lines = [f"[assembly: Parallelize(Workers = {workers}, Scope = ExecutionScope.ClassLevel)]", "", "namespace BenchE2e.Scale;", ""]
for c in range((n + 9) // 10):
    lines.append("[TestClass]")
    lines.append(f"public sealed class C{c:04}")
    lines.append("{")
    for m in range(min(10, n - c * 10)):
        lines.append(f"    [TestMethod] public Task T{m}() => ScaleWork.RunAsync(\"C{c:04}.T{m}\");")
    lines.append("}")
    lines.append("")
open(path, "w").write("\n".join(lines))
EOF
    cat >"$dir/Scale.Tests.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <Sdk Name="Neon.Testing.Sdk" Version="$version" />
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <EnableMSTestRunner>true</EnableMSTestRunner>
    <NeonMigrations>sql</NeonMigrations>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="MSTest.TestFramework" />
    <PackageReference Include="MSTest.TestAdapter" />
    <PackageReference Include="Npgsql" />
  </ItemGroup>
</Project>
EOF
    build "$dir/Scale.Tests.csproj"
  done
  sql -d postgres -c 'DROP DATABASE IF EXISTS bench_e2e_scale WITH (FORCE)' -c 'CREATE DATABASE bench_e2e_scale' 2>/dev/null \
    || run scale prepare-cluster 0 "$(exe_of "$work/scale-w1/Scale.Tests.csproj")" --filter "FullyQualifiedName~C0000.T0"
  sql -d postgres -c 'DROP DATABASE IF EXISTS bench_e2e_scale WITH (FORCE)' -c 'CREATE DATABASE bench_e2e_scale'
  sql -d bench_e2e_scale -f "$work/scale-w1/sql/001_items.sql"
  run scale warmup 0 "$(exe_of "$work/scale-w4/Scale.Tests.csproj")"
  require_ok
  for round in $(seq 1 "$runs"); do
    for workers in 4 1; do
      exe=$(exe_of "$work/scale-w$workers/Scale.Tests.csproj")
      BENCH_E2E_ISOLATED=1 run scale "on-w$workers" "$round" "$exe"
      NEON_ENABLED=false DATABASE_URL="$(url bench_e2e_scale)" run scale "off-w$workers" "$round" "$exe"
    done
  done
  sql -d postgres -c 'DROP DATABASE IF EXISTS bench_e2e_scale WITH (FORCE)'
fi

# ---------------------------------------------------------------- results and targets
python3 eng/bench-e2e/report.py "$records" "$out" "$scale_tests"
