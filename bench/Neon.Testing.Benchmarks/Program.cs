using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Benchmarks;
using Neon.Testing.Engine.Isolation;
using Neon.Testing.Engine.Providers.Local;

// Per-test cost of the isolation step, strategy against strategy, on the product's embedded PostgreSQL.
// Usage: Neon.Testing.Benchmarks [--output artifacts/bench/isolation.json] [--quick] [--only <scenario>] [--strategies <names>] [--latency <ms>] [--growth]
// The full run adds the cost-growth sizes (500 and 2,000 tables, 100k and 1M seeded rows); --quick leaves them out unless --growth.
var output = Path.Combine("artifacts", "bench", "isolation.json");
var quick = false;
Scenario? only = null;
string[]? onlyStrategies = null;
var latencyMs = 2.0;
var growth = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--output" when i + 1 < args.Length:
            output = args[++i];
            break;
        case "--quick":
            quick = true;
            break;
        case "--growth":
            growth = true;
            break;
        case "--latency" when i + 1 < args.Length:
            latencyMs = double.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--strategies" when i + 1 < args.Length:
            onlyStrategies = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            break;
        case "--only" when i + 1 < args.Length:
            var name = args[++i];
            only = Enum.GetValues<Scenario>().Single(s => BenchSchema.Name(s) == name);
            break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: [--output <file.json>] [--quick] [--only <scenario>] [--strategies ours,rollback,...] [--latency <ms each way, 0 = none>] [--growth (also in --quick)]");
            return 2;
    }
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
var token = cancellation.Token;
var total = Stopwatch.StartNew();

var server = await EmbeddedPostgres.StartAsync(Environment.GetEnvironmentVariable("NEON_LOCAL_DATA_DIR") is { Length: > 0 } dir ? dir : null, NullLogger.Instance, token);
Console.WriteLine($"Embedded PostgreSQL on 127.0.0.1:{server.Port} ({server.Start.ToString().ToLowerInvariant()}, {server.RootDirectory}); {Environment.ProcessorCount} cores.");

var prefix = "neon_bench_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
await using var cluster = new BenchCluster(server.AdminConnectionString, prefix);
var plain = prefix + "_plain";
var tracked = prefix + "_tracked";
await cluster.CreateAsync(plain, cancellationToken: token);
await cluster.ExecuteAsync(plain, BenchSchema.Create(), token);
Console.WriteLine($"PostgreSQL {await cluster.ScalarAsync(plain, "SHOW server_version", token)}; schema: {BenchSchema.Tables} tables in a foreign-key chain, 2 seeded with {BenchSchema.SeedRows} rows, 2 indexes each.");
Console.WriteLine($"Clone calibration: {await cluster.CalibrateCloneAsync(plain, token)} -> {cluster.CloneStrategy}.");

await cluster.CreateAsync(tracked, plain, token);
var installation = await TrackingInstaller.InstallAsync(cluster.ConnectionString(tracked, pooling: false), new TrackingScope { Schemas = ["app"] }, token);
Console.WriteLine($"Tracking installed on the template: {installation.TrackedTables} tables, {installation.SeededTables} seeded, {installation.Sequences} sequences, {installation.RestoreMode}, {installation.SchemaChangeDetection}.");
if (!installation.SupportsTargetedReset)
{
    Console.Error.WriteLine($"Tracking is not usable: {installation.Reason} {string.Join("; ", installation.UntrackedTables)}");
    return 1;
}

// The same tracking, installed and run by an owner that is not a superuser (foreign-key order, catalog fingerprint).
var owner = await cluster.CreateOwnerRoleAsync(token);
var ownerPlain = prefix + "_owner_plain";
var ownerTracked = prefix + "_owner_tracked";
await cluster.CreateAsync(ownerPlain, cancellationToken: token, owner: owner);
await using (var connection = new Npgsql.NpgsqlConnection(cluster.RoleConnectionString(ownerPlain, owner, pooling: false)))
{
    await connection.OpenAsync(token);
    await using var command = new Npgsql.NpgsqlCommand(BenchSchema.Create(), connection) { CommandTimeout = 300 };
    await command.ExecuteNonQueryAsync(token);
}

await cluster.CreateAsync(ownerTracked, ownerPlain, token, owner);
var ownerInstallation = await TrackingInstaller.InstallAsync(cluster.RoleConnectionString(ownerTracked, owner, pooling: false), new TrackingScope { Schemas = ["app"] }, token);
Console.WriteLine($"Tracking installed as the owner: {ownerInstallation.TrackedTables} tables, {ownerInstallation.RestoreMode}, {ownerInstallation.SchemaChangeDetection}.");

// Neon's own role: not a superuser (restores in foreign-key order), but allowed event triggers through neon_superuser.
// Installed by the owner while it is briefly a superuser: event triggers owned by it, which keep firing once it is not.
var neonTracked = prefix + "_neon_tracked";
await cluster.CreateAsync(neonTracked, ownerPlain, token, owner);
await cluster.SetSuperuserAsync(owner, true, token);
TrackingInstallation neonInstallation;
try
{
    neonInstallation = await TrackingInstaller.InstallAsync(cluster.RoleConnectionString(neonTracked, owner, pooling: false), new TrackingScope { Schemas = ["app"] }, token);
}
finally
{
    await cluster.SetSuperuserAsync(owner, false, token);
}

Console.WriteLine($"Tracking installed as Neon's role would: {neonInstallation.TrackedTables} tables, {neonInstallation.SchemaChangeDetection}.");

var ours = new OursStrategy(cluster, tracked);
var oursOwner = new OursStrategy(cluster, ownerTracked, "ours_owner", owner);
var recloneTuned = new RecloneStrategy(cluster, plain, tuned: true);
IIsolationStrategy[] strategies =
[
    ours, new RecloneStrategy(cluster, plain), new TruncateAllStrategy(cluster, plain), new RollbackStrategy(cluster, plain), oursOwner, new OursStrategy(cluster, neonTracked, "ours_neon", owner), recloneTuned,
    new RespawnStrategy(cluster, plain, ignoreSeeded: false), new RespawnStrategy(cluster, plain, ignoreSeeded: true), new RespawnStrategy(cluster, ownerPlain, ignoreSeeded: false, owner),
];
if (onlyStrategies is not null)
{
    strategies = [.. strategies.Where(s => onlyStrategies.Contains(s.Name))];
}

foreach (var strategy in strategies)
{
    await strategy.PrepareAsync(token);
}

async Task<(double Elapsed, long Turns, IReadOnlyList<string> Differences)> MeasureAsync(IIsolationStrategy strategy, Scenario scenario, int iteration, LatencyProxy? proxy)
{
    var prelude = Array.Empty<string>() as IReadOnlyList<string>;

    // The test before, whose reset is not timed (a leak it leaves is counted): one that changed a seed row, or one that
    // wrote nothing (a check that trusts a quiet counter must still find the next test's writes).
    Scenario? before = scenario switch
    {
        Scenario.CleanAfterSeed => Scenario.SeedChange,
        Scenario.TwoTablesAfterClean => Scenario.Clean,
        _ => null,
    };
    if (before is { } previous)
    {
        await strategy.RunTestAsync(previous, Math.Abs(iteration), token);
        await strategy.IsolateAsync(token);
        prelude = await strategy.VerifyAsync(token);
    }

    await strategy.RunTestAsync(scenario, Math.Abs(iteration), token);
    var turns = proxy?.Turns ?? 0;
    var stopwatch = Stopwatch.StartNew();
    await strategy.IsolateAsync(token);
    var elapsed = stopwatch.Elapsed.TotalMilliseconds;
    turns = (proxy?.Turns ?? 0) - turns;
    return (elapsed, turns, [.. prelude, .. await strategy.VerifyAsync(token)]);
}

// Round-robin: every strategy is measured across the same stretch of time, so a busy machine weighs on all alike.
async Task<List<Measurement>> RunAsync(IReadOnlyList<IIsolationStrategy> all, IEnumerable<Scenario> scenarios, Func<string, Scenario, int> iterations, LatencyProxy? proxy, List<string> notes)
{
    var measured = new List<Measurement>();
    foreach (var scenario in scenarios)
    {
        var active = all.Where(s => s.Supports(scenario)).ToList();
        if (active.Count == 0)
        {
            continue;
        }

        var planned = active.ToDictionary(s => s, s => iterations(s.Name, scenario));
        var samples = active.ToDictionary(s => s, _ => new List<double>());
        var turns = active.ToDictionary(s => s, _ => new List<double>());
        var verified = active.ToDictionary(s => s, _ => true);
        var leaks = active.ToDictionary(s => s, _ => 0);
        foreach (var strategy in active)
        {
            for (var i = 0; i < (proxy is null ? 3 : 1); i++)
            {
                await MeasureAsync(strategy, scenario, -1 - i, proxy);
            }

            (strategy as OursStrategy)?.ClearKinds();
        }

        var rounds = planned.Values.Max();
        for (var round = 0; round < rounds; round++)
        {
            // Each round starts with another strategy: whoever runs first pays for the buffers the others dirtied.
            foreach (var strategy in active.Skip(round % active.Count).Concat(active.Take(round % active.Count)))
            {
                var n = planned[strategy];
                if (round * n / rounds == (round + 1) * n / rounds)
                {
                    continue;
                }

                var (elapsed, turnCount, differences) = await MeasureAsync(strategy, scenario, round, proxy);
                samples[strategy].Add(elapsed);
                turns[strategy].Add(turnCount);
                leaks[strategy] += differences.Count > 0 ? 1 : 0;
                if (differences.Count > 0 && verified[strategy])
                {
                    verified[strategy] = false;
                    notes.Add($"{strategy.Name}/{BenchSchema.Name(scenario)}{(proxy is null ? "" : " (latency)")} round {round}: {string.Join("; ", differences.Take(3))}");
                }
            }
        }

        foreach (var strategy in active)
        {
            var measurement = Measurement.From(scenario, strategy.Name, samples[strategy], verified[strategy], leaks[strategy]);
            if (proxy is not null)
            {
                turns[strategy].Sort();
                measurement = measurement with { Scenario = $"{measurement.Scenario}@{proxy.OneWay.TotalMilliseconds:0}ms", RoundTrips = turns[strategy][turns[strategy].Count / 2] };
            }

            measured.Add(measurement);
            var detail = strategy is OursStrategy o
                ? " resets: " + string.Join(", ", o.Kinds.Select(k => $"{k.Key} {k.Value}")) + (o.SchemaChecks is var (stamps, prints) && stamps > 0 ? $"; catalog stamps {stamps}, fingerprints {prints}" : "")
                : "";
            var trips = measurement.RoundTrips is { } t ? $", {t:0} round trips" : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {measurement.Scenario,-16} {measurement.Strategy,-15} median {measurement.MedianMs,8:0.000} ms  p95 {measurement.P95Ms,8:0.000} ms  ({measurement.Iterations} iterations{trips}, verified: {measurement.Verified}, leaks: {measurement.Leaks}){detail}"));
        }
    }

    return measured;
}

static string LoadAverage()
{
    try
    {
        return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
    }
    catch (IOException)
    {
        return "unknown";
    }
}

int Iterations(string strategy, Scenario scenario)
{
    var n = (strategy, scenario) switch
    {
        ("ours" or "ours_owner" or "ours_neon", Scenario.Ddl) => 12,
        ("ours_owner" or "ours_neon", Scenario.TwentyTables) => 60,
        ("ours_owner" or "ours_neon", _) => 120,
        ("rollback", Scenario.Ddl) => 100,
        ("ours", Scenario.TwentyTables) => 150,
        ("ours", _) => 300,
        ("rollback", Scenario.TwentyTables) => 150,
        ("rollback", _) => 300,
        ("truncate_all", _) => 25,
        ("respawn" or "respawn_ignore" or "respawn_owner", _) => 25,
        _ => 12,
    };
    // Quick: a few iterations of the strategies that take hundreds of milliseconds, so the run stays near two minutes.
    return quick ? (n <= 25 ? 3 : Math.Max(5, n / 6)) : n;
}

var results = new List<Measurement>();
var extra = new List<Measurement>();
var notes = new List<string> { $"load average at start: {LoadAverage()}" };
try
{
    // Quick leaves out twenty_tables (the two-table rows already show the restore path).
    results.AddRange(await RunAsync(strategies, Enum.GetValues<Scenario>().Where(s => only is null ? !quick || s != Scenario.TwentyTables : s == only), Iterations, null, notes));
}
finally
{
    foreach (var strategy in strategies)
    {
        await strategy.DisposeAsync();
    }
}

if (latencyMs > 0 && only is null)
{
    // The same resets with every connection (the tracker's, the tests', the re-clone's) through a proxy that adds latency.
    await using var proxy = LatencyProxy.Start(server.Port, TimeSpan.FromMilliseconds(latencyMs));
    await using var remote = cluster.Through(proxy.Port, "_lat");
    IIsolationStrategy[] remoteStrategies =
    [
        new RollbackStrategy(remote, plain), new OursStrategy(remote, tracked), new OursStrategy(remote, ownerTracked, "ours_owner", owner),
        new OursStrategy(remote, neonTracked, "ours_neon", owner),
        new RecloneStrategy(remote, plain), new TruncateAllStrategy(remote, plain), new RespawnStrategy(remote, plain, ignoreSeeded: false), new RespawnStrategy(remote, ownerPlain, ignoreSeeded: false, owner),
    ];
    Console.WriteLine($"Latency: {latencyMs} ms each way through a loopback proxy.");
    try
    {
        foreach (var strategy in remoteStrategies)
        {
            await strategy.PrepareAsync(token);
        }

        extra.AddRange(await RunAsync(remoteStrategies, [Scenario.Clean, Scenario.TwoTables, Scenario.CleanAfterSeed, Scenario.TwoTablesAfterClean, Scenario.Ddl], (name, scenario) => (name, scenario) switch
        {
            ("rollback" or "ours" or "ours_owner" or "ours_neon", not Scenario.Ddl) => quick ? 8 : 30,
            _ => quick ? 2 : 8,
        }, proxy, notes));
    }
    finally
    {
        foreach (var strategy in remoteStrategies)
        {
            await strategy.DisposeAsync();
        }
    }
}

if ((growth || !quick) && only is null)
{
    Growth.Size[] sizes = [new("r100k", BenchSchema.Tables, 100_000), new("r1m", BenchSchema.Tables, 1_000_000), new("t500", 500, 0), new("t2000", 2000, 0)];
    extra.AddRange(await Growth.RunAsync(cluster, owner, server.Port, sizes, quick ? 3 : 10, notes, RunAsync, token));
}

notes.Add($"load average at end: {LoadAverage()} ({Environment.ProcessorCount} cores)");
notes.AddRange(strategies.Where(s => s.Note is not null).Select(s => $"{s.Name}: {s.Note}"));
notes.Add("Each timing covers only the isolation step after a test, not the test's own writes or the verification.");
Console.WriteLine();
var leaking = strategies.OfType<RespawnStrategy>().Where(s => s.LeaksByDesign).Select(s => s.Name).ToHashSet();
var required = results;
Console.WriteLine(BenchReport.Table([.. results, .. extra]));
var (met, targets) = BenchReport.Targets(required, leaking, extra);
Console.WriteLine("Targets:");
Console.Write(targets);
foreach (var note in notes)
{
    Console.WriteLine("note: " + note);
}

await BenchReport.WriteAsync(output, required, extra, notes);
Console.WriteLine($"Wrote {Path.GetFullPath(output)} in {total.Elapsed.TotalSeconds:0} s.");
return results.Concat(extra).Where(r => !leaking.Contains(r.Strategy)).All(r => r.Verified) ? (met ? 0 : 3) : 1;
