using Neon.Testing.Engine;
using Neon.Testing.Engine.Session;

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>The cached migrated template on Neon: reused, built once under concurrency, and rebuilt safely when stale.</summary>
[TestClass]
public sealed class TemplateCacheTests
{
    private static readonly string[] Polls = ["getProjectOperation", "getProjectEndpoint"];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task SecondSession_ReusesTheCachedMigratedTemplate_WithFewerApiCalls()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        var options = neon.Options(migrationCacheExpiry: TimeSpan.FromHours(1));

        var (first, firstStart, firstWork) = await RunSessionAsync(neon, options, cancellationToken);
        Assert.IsFalse(first.MigrationsReused);
        Assert.AreEqual(2, first.MigrationsApplied);
        var template = await neon.Api.NonDefaultBranchNamesAsync(cancellationToken);
        Assert.HasCount(1, template, "only the cached template outlives the session");
        StringAssert.StartsWith(template[0], BranchNames.Prefix + "template-");

        var (second, secondStart, secondWork) = await RunSessionAsync(neon, options, cancellationToken);
        Assert.IsTrue(second.MigrationsReused);
        Assert.AreEqual(0, second.MigrationsApplied);
        CollectionAssert.AreEqual(template.ToArray(), (await neon.Api.NonDefaultBranchNamesAsync(cancellationToken)).ToArray(), "the same template, still the only one left");
        Assert.IsLessThan(firstWork, secondWork, "calls other than operation and endpoint polls: no template to create, no migration endpoint, no password");
        Measurements.Record(TestContext, $"Session start API calls: first (migrates, builds the template) {firstStart}, second (reuses it) {secondStart}; without polls {firstWork} and {secondWork}.");

        var templateId = (await neon.Api.ListBranchesAsync(cancellationToken)).Single(b => b.Name == template[0]).Id;
        await neon.Api.DeleteBranchAsync(templateId, cancellationToken);
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }

    [TestMethod]
    public async Task SessionsStartingTogether_MigrateOnce_AndBothUseTheOneTemplate()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        var options = neon.Options(migrationCacheExpiry: TimeSpan.FromHours(1));

        var sessions = await Task.WhenAll(
            TestDatabaseSession.StartAsync(options, neon.SessionLog, cancellationToken),
            TestDatabaseSession.StartAsync(options, neon.SessionLog, cancellationToken));
        try
        {
            Assert.AreEqual(1, sessions.Count(s => s.MigrationsReused), "one session migrates, the other waits and reuses");
            Assert.AreEqual(sessions[0].TemplateName, sessions[1].TemplateName);
            Assert.AreNotEqual(sessions[0].MigrationBranch.Id, sessions[1].MigrationBranch.Id);
            Assert.AreEqual(5, neon.Emulator.Requests["createProjectBranch"], "one template, two migration branches, and each session's claim on the build (decided through Neon)");
            foreach (var session in sessions)
            {
                var readOnly = neon.Track(await session.GetReadOnlyConnectionStringAsync(cancellationToken));
                Assert.AreEqual(1L, await Db.ScalarAsync<long>(readOnly, "SELECT count(*) FROM migration_runs", cancellationToken));
            }
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }

        CollectionAssert.AreEqual(new[] { sessions[0].TemplateName }, (await neon.Api.NonDefaultBranchNamesAsync(cancellationToken)).ToArray());
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }

    [TestMethod]
    public async Task SessionStart_WhenTheExpiredTemplateStillServesARunningSession_BuildsANewOneBesideIt()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        var options = neon.Options(migrationCacheExpiry: TimeSpan.FromSeconds(2));

        await using var running = await TestDatabaseSession.StartAsync(options, neon.SessionLog, cancellationToken);
        Assert.IsFalse(running.MigrationsReused);

        // Later, the template is past its reuse window while the first session still branches from it.
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        await using var later = await TestDatabaseSession.StartAsync(options, neon.SessionLog, cancellationToken);

        Assert.IsFalse(later.MigrationsReused, "an expired template is not reused");
        Assert.AreEqual(2, later.Statistics.MigrationsApplied);
        Assert.AreNotEqual(running.TemplateName, later.TemplateName, "the rebuilt template has a name of its own");
        StringAssert.StartsWith(later.TemplateName, running.TemplateName + "-");
        await using (var lease = await later.AcquireIsolatedBranchAsync(cancellationToken))
        {
            neon.Track(lease.ConnectionString);
            CollectionAssert.AreEqual(new[] { "seed-1", "seed-2" }, (await Db.CustomersAsync(lease.ConnectionString, cancellationToken)).ToArray());
        }

        var templates = (await neon.Api.NonDefaultBranchNamesAsync(cancellationToken)).Where(n => n.StartsWith(BranchNames.Prefix + "template-", StringComparison.Ordinal)).ToArray();
        CollectionAssert.AreEquivalent(new[] { running.TemplateName, later.TemplateName }, templates, "the expired template stays while the first session needs it");

        // Once the first session is gone, the next start deletes the expired templates it no longer holds.
        await running.DisposeAsync();
        await later.DisposeAsync();
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        await using (var third = await TestDatabaseSession.StartAsync(options, neon.SessionLog, cancellationToken))
        {
            Assert.IsFalse(third.MigrationsReused);
            Assert.AreEqual(running.TemplateName, third.TemplateName, "with nothing holding the base name, it is used again");
        }

        CollectionAssert.AreEqual(new[] { running.TemplateName }, (await neon.Api.NonDefaultBranchNamesAsync(cancellationToken)).ToArray(), "both expired templates are gone; only the newest is cached");
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }

    /// <summary>Starts a session, checks one isolated test on it, and returns its statistics and the calls its start made (all, and without polls).</summary>
    private static async Task<(SessionStatistics Statistics, long StartCalls, long StartWork)> RunSessionAsync(NeonFixture neon, NeonTestingOptions options, CancellationToken cancellationToken)
    {
        var before = neon.Emulator.Requests.Snapshot();
        await using var session = await TestDatabaseSession.StartAsync(options, neon.SessionLog, cancellationToken);
        var after = neon.Emulator.Requests.Snapshot();
        var startWork = after.Where(p => !Polls.Contains(p.Key)).Sum(p => p.Value - before.GetValueOrDefault(p.Key));
        var startCalls = session.Statistics.ApiCalls;

        await using (var lease = await session.AcquireIsolatedBranchAsync(cancellationToken))
        {
            neon.Track(lease.ConnectionString);
            CollectionAssert.AreEqual(new[] { "seed-1", "seed-2" }, (await Db.CustomersAsync(lease.ConnectionString, cancellationToken)).ToArray());
            Assert.AreEqual(1L, await Db.ScalarAsync<long>(lease.ConnectionString, "SELECT count(*) FROM migration_runs", cancellationToken), "the template holds one migration run");
        }

        return (session.Statistics, startCalls, startWork);
    }
}
