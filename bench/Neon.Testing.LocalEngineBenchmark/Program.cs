// Measures the local engine for the sample's schema: embedded cluster cold/warm start, session
// set-up cold vs fingerprint hit, branch clone and full reset. Writes artifacts/bench/local-engine.json.
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Providers.Local;
using Neon.Testing.Engine.Session;

var output = args.Length > 0 ? args[0] : Path.Combine("artifacts", "bench", "local-engine.json");
var iterations = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;
var root = Path.Combine(EmbeddedPostgres.IsRunningAsRoot ? "/var/tmp" : Path.GetTempPath(), "neon-bench-" + Guid.NewGuid().ToString("N")[..8]);
var results = new List<object>();

void Report(string name, IReadOnlyList<double> samples)
{
    var sorted = samples.Order().ToArray();
    var median = sorted[sorted.Length / 2];
    var p95 = sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(sorted.Length * 0.95) - 1)];
    results.Add(new { measurement = name, median_ms = Math.Round(median, 1), p95_ms = Math.Round(p95, 1), iterations = samples.Count });
    Console.WriteLine($"{name,-36} median {median,9:0.0} ms   p95 {p95,9:0.0} ms   n={samples.Count}");
}

async Task<double> Time(Func<Task> action)
{
    var stopwatch = Stopwatch.StartNew();
    await action();
    return stopwatch.Elapsed.TotalMilliseconds;
}

try
{
    Report("embedded cold start (initdb + start)", [await Time(() => EmbeddedPostgres.StartAsync(root, NullLogger.Instance))]);
    Report("embedded warm start (reuse running)", await Repeat(iterations, () => EmbeddedPostgres.StartAsync(root, NullLogger.Instance)));
    var started = new List<double>();
    for (var i = 0; i < Math.Min(3, iterations); i++)
    {
        await EmbeddedPostgres.StopAsync(root);
        started.Add(await Time(() => EmbeddedPostgres.StartAsync(root, NullLogger.Instance)));
    }

    Report("embedded start of a stopped cluster", started);

    var migrations = Directory.CreateTempSubdirectory("neon-bench-sql-").FullName;
    foreach (var file in Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "sql")))
    {
        File.Copy(file, Path.Combine(migrations, Path.GetFileName(file)));
    }

    var options = new NeonTestingOptions { Provider = ProviderKind.Local, LocalDataDirectory = root, Migrations = migrations };
    TestDatabaseSession? first = null;
    Report("session setup, cold (migrates)", [await Time(async () => first = await TestDatabaseSession.StartAsync(options))]);
    await first!.DisposeAsync();
    var hits = new List<double>();
    for (var i = 0; i < Math.Min(5, iterations); i++)
    {
        TestDatabaseSession? session = null;
        hits.Add(await Time(async () => session = await TestDatabaseSession.StartAsync(options)));
        await session!.DisposeAsync();
    }

    Report("session setup, fingerprint hit", hits);

    await using var provider = await LocalBranchProvider.CreateAsync(options);
    await using (var session = await TestDatabaseSession.StartAsync(options))
    {
        var clones = new List<double>();
        var resets = new List<double>();
        for (var i = 0; i < iterations; i++)
        {
            Branch? branch = null;
            clones.Add(await Time(async () => branch = await provider.CreateBranchAsync(new BranchRequest(BranchNames.ForSession("bench", BranchNames.NewSessionId(), "clone"), session.MigrationBranch.Id, DateTimeOffset.UtcNow.AddMinutes(10)))));
            resets.Add(await Time(() => provider.ResetBranchAsync(branch!)));
            await provider.DeleteBranchAsync(branch!);
        }

        Report("branch clone (sample schema)", clones);
        Report("full branch reset (drop + re-clone)", resets);
    }

    Directory.Delete(migrations, recursive: true);
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    await File.WriteAllTextAsync(output, JsonSerializer.Serialize(new { strategy = "FILE_COPY", results }, new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine($"Wrote {output}");
}
finally
{
    await EmbeddedPostgres.StopAsync(root);
    Directory.Delete(root, recursive: true);
}

static async Task<List<double>> Repeat(int count, Func<Task> action)
{
    var samples = new List<double>();
    for (var i = 0; i < count; i++)
    {
        var stopwatch = Stopwatch.StartNew();
        await action();
        samples.Add(stopwatch.Elapsed.TotalMilliseconds);
    }

    return samples;
}
