using System.Diagnostics;
using Neon.Testing.Engine;
using Neon.Testing.Engine.Providers.NeonCloud;
using Neon.Testing.Engine.Session;
using Npgsql;

namespace Neon.Testing.Faults.Tests.NeonCloud;

/// <summary>
/// Issue 13, item 1 (Neon): a runner that dies. Here a runner "dies" as Neon sees it: its API access is cut for
/// good (a relay in front of the emulator refuses every connection) and its session is abandoned, so nothing it
/// made is deleted and nothing of it is extended any more. Its branches go by expiry (and the next session's
/// sweeper, once its computes are suspended); a live run's branches are never swept. A builder that dies
/// mid-migration leaves its claim to expire and its half-built template under a name nobody reuses.
/// </summary>
[TestClass]
public sealed class KilledRunnerFaults
{
    private const string Area = "neon-killed-runner";
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(5);
    private static readonly NeonResilienceOptions DeadFast = new() { MaxRetryAttempts = 1, BaseDelay = TimeSpan.FromMilliseconds(100), AttemptTimeout = TimeSpan.FromSeconds(2), TotalTimeout = TimeSpan.FromSeconds(2) };

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task KilledRunnersBranchesGoByExpiry_TheLiveRunsAreNeverSwept()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var world = await NeonFaultWorld.StartAsync(cancellationToken, o => o with { ComputeSuspendTimeout = TimeSpan.FromSeconds(2) });
        await using var deadGate = RefusingGate.Start(world.Emulator.BaseAddress);

        var (live, liveProvider) = await NeonFaultWorld.StartSessionAsync(world.Options(branchExpiry: Expiry), cancellationToken);
        await using (live)
        {
            await using var liveLease = await live.AcquireIsolatedBranchAsync(cancellationToken);
            var liveIds = new[] { live.MigrationBranch.Id, liveLease.Branch.Id };

            var (dead, _) = await NeonFaultWorld.StartSessionAsync(world.Options(branchExpiry: Expiry, apiUrl: deadGate.Rewrite(world.Emulator.BaseAddress)), cancellationToken, resilience: DeadFast);
            var deadLease = await dead.AcquireIsolatedBranchAsync(cancellationToken);
            var deadIds = new[] { dead.MigrationBranch.Id, deadLease.Branch.Id };

            // The runner dies mid-test.
            await deadGate.DownAsync();
            var killed = Stopwatch.StartNew();
            await dead.DisposeAsync();
            var leftAtDeath = (await world.BranchesAsync(cancellationToken)).Count(b => deadIds.Contains(b.Id));

            // Later sessions start (and sweep) once a second until the dead runner's branches are gone.
            var sweeps = 0;
            double? removedAfter = null;
            while (killed.Elapsed < TimeSpan.FromSeconds(60))
            {
                var listed = await world.BranchesAsync(cancellationToken);
                Assert.IsTrue(liveIds.All(id => listed.Any(b => b.Id == id)), "the live run's branches are never removed");
                if (!listed.Any(b => deadIds.Contains(b.Id)))
                {
                    removedAfter = killed.Elapsed.TotalSeconds;
                    break;
                }

                var (next, _) = await NeonFaultWorld.StartSessionAsync(world.Options(branchExpiry: Expiry), cancellationToken);
                await next.DisposeAsync();
                sweeps++;
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }

            // The live run still works on its branch, long after its expiry would have passed.
            await using (var connection = new NpgsqlConnection(liveLease.ConnectionString))
            {
                await connection.OpenAsync(cancellationToken);
                await using var count = new NpgsqlCommand("SELECT count(*) FROM customers", connection);
                Assert.AreEqual(2L, await count.ExecuteScalarAsync(cancellationToken));
            }

            var liveExtensions = liveProvider.ExpiryExtensions;
            FaultLog.Record(Area, "killed-mid-test", removedAfter is not null, new Dictionary<string, object?>
            {
                ["branchExpirySeconds"] = Expiry.TotalSeconds,
                ["computeSuspendSeconds"] = 2,
                ["deadRunnersBranchesAtDeath"] = leftAtDeath,
                ["secondsUntilRemoved"] = removedAfter is { } s ? Math.Round(s, 1) : null,
                ["sessionsStartedMeanwhile"] = sweeps,
                ["liveBranchesSwept"] = 0,
                ["liveRunExpiryExtensions"] = liveExtensions,
            });
            Assert.AreEqual(2, leftAtDeath, "the dead runner could delete nothing");
            Assert.IsNotNull(removedAfter, "the dead runner's branches are gone by expiry and the sweeper");
        }

        Assert.IsEmpty(await world.LeftoverNamesAsync(cancellationToken), "the live run cleaned up at its end");
    }

    [TestMethod]
    public async Task BuilderKilledMidMigration_ItsClaimExpires_TheNextRunnerBuilds_NoRunIsPoisoned()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var world = await NeonFaultWorld.StartAsync(cancellationToken, o => o with { ComputeSuspendTimeout = TimeSpan.FromSeconds(2) });
        await using var deadGate = RefusingGate.Start(world.Emulator.BaseAddress);
        File.AppendAllText(Path.Combine(world.Migrations, "001_schema.sql"), "\nSELECT pg_sleep(3);\n");
        var claimLifetime = TimeSpan.FromSeconds(4);
        void ShortClaims(NeonBranchProvider provider)
        {
            provider.Claims.ClaimLifetime = claimLifetime;
            provider.Claims.PollInterval = TimeSpan.FromMilliseconds(500);
        }

        // The builder: it claims, starts migrating, and dies while the migrations run.
        var builder = Task.Run(() => NeonFaultWorld.StartSessionAsync(world.Options(TimeSpan.FromHours(1), Expiry, deadGate.Rewrite(world.Emulator.BaseAddress)), cancellationToken, resilience: DeadFast, configure: ShortClaims), cancellationToken);
        var watch = Stopwatch.StartNew();
        while (!(await world.BranchesAsync(cancellationToken)).Any(b => BranchNames.IsTemplateBuild(b.Name)))
        {
            if (builder.IsCompleted)
            {
                await builder;
            }

            Assert.IsLessThan(TimeSpan.FromSeconds(60), watch.Elapsed, "the builder started building");
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        await deadGate.DownAsync();
        var killed = Stopwatch.StartNew();
        var builderFailure = await Assert.ThrowsAsync<Exception>(async () => await (await builder).Session.DisposeAsync());
        var atDeath = await world.BranchesAsync(cancellationToken);
        var claimsAtDeath = atDeath.Count(b => b.Name.Contains(NeonTemplateClaims.Infix, StringComparison.Ordinal));
        var buildsAtDeath = atDeath.Count(b => BranchNames.IsTemplateBuild(b.Name));

        // The next runner: it waits for the dead builder's claim to expire, then builds the template itself.
        var clock = Stopwatch.StartNew();
        var (next, _) = await NeonFaultWorld.StartSessionAsync(world.Options(TimeSpan.FromHours(1), Expiry), cancellationToken, configure: ShortClaims);
        var nextStartup = clock.Elapsed.TotalSeconds;
        bool reused;
        await using (next)
        {
            reused = next.MigrationsReused;
            await using var lease = await next.AcquireIsolatedBranchAsync(cancellationToken);
            await using var connection = new NpgsqlConnection(lease.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var count = new NpgsqlCommand("SELECT count(*) FROM migration_runs", connection);
            Assert.AreEqual(1L, await count.ExecuteScalarAsync(cancellationToken), "a complete template, not the half-built one");
        }

        // A third runner reuses that template; the dead builder's half-built branch goes once it is older than the expiry and idle.
        double? removedAfter = null;
        var poisoned = 0;
        var runs = 0;
        while (killed.Elapsed < TimeSpan.FromSeconds(60))
        {
            var (later, _) = await NeonFaultWorld.StartSessionAsync(world.Options(TimeSpan.FromHours(1), Expiry), cancellationToken, configure: ShortClaims);
            await using (later)
            {
                runs++;
                await using var lease = await later.AcquireIsolatedBranchAsync(cancellationToken);
                await using var connection = new NpgsqlConnection(lease.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                try
                {
                    await using var count = new NpgsqlCommand("SELECT count(*) FROM customers", connection);
                    await count.ExecuteScalarAsync(cancellationToken);
                }
                catch (PostgresException)
                {
                    poisoned++;
                }
            }

            var listed = await world.BranchesAsync(cancellationToken);
            if (!listed.Any(b => BranchNames.IsTemplateBuild(b.Name) || b.Name.Contains(NeonTemplateClaims.Infix, StringComparison.Ordinal)))
            {
                removedAfter = killed.Elapsed.TotalSeconds;
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        var leftovers = await world.LeftoverNamesAsync(cancellationToken);
        FaultLog.Record(Area, "builder-killed-mid-migration", !reused && poisoned == 0 && removedAfter is not null && leftovers.Count == 1, new Dictionary<string, object?>
        {
            ["claimLifetimeSeconds"] = claimLifetime.TotalSeconds,
            ["claimsLeftAtDeath"] = claimsAtDeath,
            ["halfBuiltTemplatesAtDeath"] = buildsAtDeath,
            ["nextRunnerStartupSeconds"] = Math.Round(nextStartup, 1),
            ["nextRunnerBuiltTemplate"] = !reused,
            ["laterRuns"] = runs,
            ["runsBrokenByPoisonedCache"] = poisoned,
            ["secondsUntilDeadBuildersBranchesRemoved"] = removedAfter is { } s ? Math.Round(s, 1) : null,
            ["leftoversBesidesTheTemplate"] = leftovers.Count - 1,
        }, builderFailure.Message);
        Assert.AreEqual(1, buildsAtDeath, "the dead builder left its half-built template under its temporary name");
        Assert.IsFalse(reused, "the next runner built the template: the half-built one is never reused");
        Assert.AreEqual(0, poisoned);
        Assert.IsNotNull(removedAfter, "the dead builder's claim and half-built template are gone");
        Assert.HasCount(1, leftovers, "only the complete template stays: " + string.Join(", ", leftovers));
    }
}
