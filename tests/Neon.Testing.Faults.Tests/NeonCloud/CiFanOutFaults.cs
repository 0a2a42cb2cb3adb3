using System.Diagnostics;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Providers.NeonCloud;
using Npgsql;

namespace Neon.Testing.Faults.Tests.NeonCloud;

/// <summary>
/// Issue 13, item 5: CI fan-out. Eight runners that share nothing but the Neon project (each its own checkout of the
/// migrations, its own provider and HTTP connections, no file lock in common) start the same suite at once against
/// the emulator with Neon's published rate limits on.
/// </summary>
[TestClass]
public sealed class CiFanOutFaults
{
    private const string Area = "neon-fan-out";
    private const int Runners = 8;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task EightRunnersAtOnce_BuildOneTemplatePerFingerprint_LeaveNoLitter_AndStayInsideTheRateLimits()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var world = await NeonFaultWorld.StartAsync(cancellationToken);
        var checkouts = Enumerable.Range(0, Runners + 1).Select(_ => Directory.CreateTempSubdirectory("neon-faults-checkout-").FullName).ToList();
        try
        {
            // One runner alone, cold cache (a fingerprint of its own): the start-up time to compare with.
            NeonFaultWorld.WriteMigrations(checkouts[^1]);
            var solo = await RunAsync(world, checkouts[^1], cancellationToken);
            Assert.IsFalse(solo.Reused);

            // Eight checkouts of the same migrations, started together.
            NeonFaultWorld.WriteMigrations(checkouts[0]);
            foreach (var folder in checkouts.Skip(1).Take(Runners - 1))
            {
                foreach (var file in Directory.GetFiles(checkouts[0]))
                {
                    File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
                }
            }

            world.Emulator.RateLimits.ResetFigures();
            var requestsBefore = world.Emulator.Requests.Total;
            var clock = Stopwatch.StartNew();
            using var start = new Barrier(Runners);
            var runs = await Task.WhenAll(checkouts.Take(Runners).Select(folder => Task.Run(() =>
            {
                start.SignalAndWait(cancellationToken);
                return RunAsync(world, folder, cancellationToken);
            }, cancellationToken)));
            var wall = clock.Elapsed;
            var requests = world.Emulator.Requests.Total - requestsBefore;
            var peak = world.Emulator.RateLimits.PeakRequestsPerSecond;
            var peakRoute = world.Emulator.RateLimits.PeakRequestsPerRouteSecond;
            var peakMinute = world.Emulator.RateLimits.PeakRequestsPerMinute;
            var refused = world.Emulator.RateLimits.Refused;

            var builders = runs.Count(r => !r.Reused);
            var templates = runs.Select(r => r.Template).Distinct().ToList();
            var leftovers = await world.LeftoverNamesAsync(cancellationToken);
            var expectedLeft = new[] { solo.Template, templates[0] }.Order(StringComparer.Ordinal).ToArray();
            var orphans = leftovers.Except(expectedLeft).ToList();
            var figures = new Dictionary<string, object?>
            {
                ["runners"] = Runners,
                ["templatesBuilt"] = builders,
                ["templateNames"] = templates.Count,
                ["duplicateOrOrphanedBranches"] = orphans.Count,
                ["apiCallsPerRunner"] = runs.Select(r => r.ApiCalls).ToArray(),
                ["apiCallsSoloRunner"] = solo.ApiCalls,
                ["requestsTotal"] = requests,
                ["peakRequestsPerSecond"] = peak,
                ["peakRequestsPerSecondOneRoute"] = peakRoute,
                ["peakRequestsPerMinute"] = peakMinute,
                ["refused429"] = refused,
                ["startupMsPerRunner"] = runs.Select(r => (long)r.Startup.TotalMilliseconds).ToArray(),
                ["startupMsSoloRunner"] = (long)solo.Startup.TotalMilliseconds,
                ["startupSlowestVsSolo"] = Math.Round(runs.Max(r => r.Startup).TotalMilliseconds / solo.Startup.TotalMilliseconds, 2),
                ["wallSeconds"] = Math.Round(wall.TotalSeconds, 1),
            };
            var passed = builders == 1 && templates.Count == 1 && orphans.Count == 0 && refused == 0 && peakRoute <= 40 && peakMinute <= 700;
            FaultLog.Record(Area, "eight-runners-one-template", passed, figures,
                $"{Runners} runners, {builders} built the template, leftovers: {string.Join(", ", leftovers)}");

            Assert.AreEqual(1, builders, "exactly one runner migrates; the others wait for its template and reuse it");
            Assert.HasCount(1, templates, "every runner clones the same template");
            CollectionAssert.AreEqual(expectedLeft, leftovers.ToArray(), "only the two cached templates stay: no claim, no half-built template, no session branch");
            Assert.AreEqual(0, refused, "no request was refused with 429");
            Assert.IsLessThanOrEqualTo(40, peakRoute, "never more than 40 requests to one route in one second");
            Assert.IsLessThanOrEqualTo(700, peakMinute, "never more than 700 requests in one minute");
        }
        finally
        {
            foreach (var folder in checkouts)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private sealed record Run(bool Reused, string Template, long ApiCalls, TimeSpan Startup);

    /// <summary>One runner: start the session, take the first isolated branch and run a query on it (the suite's first test), end.</summary>
    private static async Task<Run> RunAsync(NeonFaultWorld world, string checkout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        // The product's own timings: what a CI runner uses.
        var (session, provider) = await NeonFaultWorld.StartSessionAsync(world.Options(TimeSpan.FromHours(1), migrations: checkout), cancellationToken, timings: new NeonTimings());
        bool reused;
        string template;
        TimeSpan startup;
        await using (session)
        {
            await using (var lease = await session.AcquireIsolatedBranchAsync(cancellationToken))
            {
                await using var connection = new NpgsqlConnection(lease.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                await using var count = new NpgsqlCommand("SELECT count(*) FROM customers", connection);
                Assert.AreEqual(2L, await count.ExecuteScalarAsync(cancellationToken), "the migrated state");
            }

            startup = clock.Elapsed;
            reused = session.MigrationsReused;
            template = session.TemplateName!;
        }

        // Calls of the whole run, its clean-up included.
        return new Run(reused, template, provider.ApiCalls, startup);
    }
}
