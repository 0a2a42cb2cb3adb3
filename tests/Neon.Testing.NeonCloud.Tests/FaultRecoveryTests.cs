using Neon.Testing.Engine;
using Neon.Testing.Engine.Isolation;
using Neon.Testing.Engine.Providers.NeonCloud;
using Neon.Testing.Engine.Session;

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>Rate limits and server errors while a session starts and resets: honoured, retried, counted, and survived.</summary>
[TestClass]
public sealed class FaultRecoveryTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>Each operation the session start calls, with the 429s it gets first (at most the policy's six retries per call).</summary>
    private static readonly (string Operation, int Responses)[] RateLimitStorm =
    [
        ("listProjectBranches", 4),
        ("createProjectBranch", 3),
        ("getProjectOperation", 3),
        ("getProjectEndpoint", 3),
        ("listProjectBranchDatabases", 2),
        ("getProjectBranchRolePassword", 2),
    ];

    private static readonly (string Operation, int Responses, int Status)[] ServerErrorBurst =
    [
        ("listProjectBranches", 3, 503),
        ("createProjectBranch", 2, 500),
        ("getProjectOperation", 2, 502),
        ("getProjectEndpoint", 2, 504),
    ];

    [TestMethod]
    public async Task SessionStart_RidesOutA429Storm_RetryingEachRateLimitedCallAfterItsRetryAfter()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        foreach (var (operation, responses) in RateLimitStorm)
        {
            neon.Emulator.Faults.InjectRateLimit(responses, TimeSpan.FromSeconds(1), operation);
        }

        await using (var session = await TestDatabaseSession.StartAsync(neon.Options(), neon.SessionLog, cancellationToken))
        {
            var retries = Retries(neon, "429");
            var injected = RateLimitStorm.Sum(f => f.Responses);
            Assert.HasCount(injected, retries, "one retry per 429: every rate-limited call went through in the end");
            Assert.AreEqual(1 + 3, neon.Emulator.Requests["createProjectBranch"], "the migration branch was created once, after three 429s");
            foreach (var (operation, responses) in RateLimitStorm)
            {
                Assert.IsGreaterThan(responses, neon.Emulator.Requests[operation], $"{operation}: {responses} refused, then answered");
            }

            Assert.AreEqual(neon.Emulator.Requests.Total, session.Statistics.ApiCalls, "retries count as API calls: rate limits count them too");
            Assert.AreEqual(2, session.Statistics.MigrationsApplied);
            Assert.HasCount(1, await session.Provider.ListOurBranchesAsync(cancellationToken), "one migration branch, no duplicate from a retried create");

            // The full reset rides out rate limits as well.
            await using var lease = await session.AcquireIsolatedBranchAsync(cancellationToken);
            neon.Track(lease.ConnectionString);
            // A schema change: the one kind of test whose reset needs the API (restore to the parent's head).
            await Db.ExecuteAsync(lease.ConnectionString, "INSERT INTO customers (name) VALUES ('before the storm'); CREATE TABLE scratch (id int)", cancellationToken);
            neon.Emulator.Faults.InjectRateLimit(2, TimeSpan.FromSeconds(1), "restoreProjectBranch");
            Assert.AreEqual(ResetKind.Full, (await lease.ResetAsync(cancellationToken)).Kind);
            CollectionAssert.AreEqual(new[] { "seed-1", "seed-2" }, (await Db.CustomersAsync(lease.ConnectionString, cancellationToken)).ToArray());
            Assert.AreEqual(3, neon.Emulator.Requests["restoreProjectBranch"], "two 429s, one restore");

            Measurements.Record(TestContext,
                $"429 storm: {injected} rate-limited responses injected during session start, {retries.Count} retries logged, " +
                $"session start made {session.Statistics.ApiCalls} API calls (retries included), set-up took {session.Statistics.SetupTime.TotalSeconds:0.0} s; " +
                $"the reset then retried {Retries(neon, "429").Count - retries.Count} more.");
        }

        CollectionAssert.AreEqual(Array.Empty<string>(), (await neon.Api.NonDefaultBranchNamesAsync(cancellationToken)).ToArray());
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }

    [TestMethod]
    public async Task SessionStart_FailsClearly_WhenRateLimitsOutlastTheRetries_AndLeavesNothing()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        neon.Emulator.Faults.InjectRateLimit(7, TimeSpan.FromSeconds(1), "createProjectBranch");

        var failure = await Assert.ThrowsExactlyAsync<NeonProviderException>(() => TestDatabaseSession.StartAsync(neon.Options(), neon.SessionLog, cancellationToken));
        neon.Observe(failure);

        StringAssert.Contains(failure.Message, "429");
        StringAssert.Contains(failure.Message, "-migration'");
        Assert.AreEqual(429, failure.StatusCode);
        Assert.AreEqual(7, neon.Emulator.Requests["createProjectBranch"], "the first attempt and six retries");
        Assert.HasCount(6, Retries(neon, "429"));
        CollectionAssert.AreEqual(Array.Empty<string>(), (await neon.Api.NonDefaultBranchNamesAsync(cancellationToken)).ToArray());
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }

    [TestMethod]
    public async Task SessionStart_RecoversFromA5xxBurst_WithoutDuplicateBranches()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        foreach (var (operation, responses, status) in ServerErrorBurst)
        {
            neon.Emulator.Faults.InjectServerErrors(responses, status, operation);
        }

        await using (var session = await TestDatabaseSession.StartAsync(neon.Options(), neon.SessionLog, cancellationToken))
        {
            var retries = ServerErrorBurst.Select(f => f.Status).Distinct().Sum(status => Retries(neon, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Count);
            Assert.AreEqual(ServerErrorBurst.Sum(f => f.Responses), retries);
            Assert.AreEqual(1 + 2, neon.Emulator.Requests["createProjectBranch"]);
            Assert.HasCount(1, await session.Provider.ListOurBranchesAsync(cancellationToken), "a create retried after a 500 made one branch");

            await using var lease = await session.AcquireIsolatedBranchAsync(cancellationToken);
            neon.Track(lease.ConnectionString);
            await Db.ExecuteAsync(lease.ConnectionString, "CREATE TABLE scratch (id int)", cancellationToken);
            neon.Emulator.Faults.InjectServerErrors(1, 503, "restoreProjectBranch");
            Assert.AreEqual(ResetKind.Full, (await lease.ResetAsync(cancellationToken)).Kind);
            CollectionAssert.AreEqual(new[] { "seed-1", "seed-2" }, (await Db.CustomersAsync(lease.ConnectionString, cancellationToken)).ToArray());
            Measurements.Record(TestContext, $"5xx burst: {retries} server errors during session start, {retries} retries logged; start made {session.Statistics.ApiCalls} API calls in {session.Statistics.SetupTime.TotalSeconds:0.0} s.");
        }

        CollectionAssert.AreEqual(Array.Empty<string>(), (await neon.Api.NonDefaultBranchNamesAsync(cancellationToken)).ToArray());
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }

    /// <summary>The retry lines the provider logged for responses with <paramref name="status"/> (method and path only, one per retry).</summary>
    private static List<LogEntry> Retries(NeonFixture neon, string status) =>
        neon.Log.Entries.Where(e => e.Source == "session" && e.Text.StartsWith("Neon API ", StringComparison.Ordinal) && e.Text.Contains("; retry ", StringComparison.Ordinal) && e.Text.Contains(": " + status, StringComparison.Ordinal)).ToList();
}
