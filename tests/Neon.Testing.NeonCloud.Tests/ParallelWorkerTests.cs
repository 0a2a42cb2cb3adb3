using Neon.Testing.Engine;
using Neon.Testing.Engine.Session;

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>Tests running in parallel: one isolated branch per concurrent worker, and one worker's reset never disturbs another's test.</summary>
[TestClass]
public sealed class ParallelWorkerTests
{
    private const int Workers = 3;
    private const int TestsPerWorker = 4;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task ParallelWorkers_GetOneBranchEach_AndResetsDoNotDisturbOtherWorkersTests()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        SessionStatistics statistics;
        long startCalls;
        await using (var session = await TestDatabaseSession.StartAsync(neon.Options(), neon.SessionLog, cancellationToken))
        {
            statistics = session.Statistics;
            startCalls = session.Provider.ApiCalls;
            var branches = await Task.WhenAll(Enumerable.Range(1, Workers).Select(worker => Task.Run(() => RunWorkerAsync(session, neon, worker, cancellationToken), cancellationToken)));

            // Workers return their branch between tests and take one again; no more branches than workers ever run at once.
            Assert.IsLessThanOrEqualTo(Workers, branches.SelectMany(b => b).Distinct().Count());
            Assert.IsLessThanOrEqualTo(1L + Workers, statistics.BranchesCreated, "the migration branch plus at most one branch per worker");
        }

        Assert.AreEqual(statistics.BranchesCreated, statistics.BranchesDeleted);
        CollectionAssert.AreEqual(Array.Empty<string>(), (await neon.Api.NonDefaultBranchNamesAsync(cancellationToken)).ToArray());
        Measurements.Record(TestContext,
            $"{Workers} parallel workers x {TestsPerWorker} tests: {statistics.BranchesCreated - 1} isolated branches, session start {startCalls} API calls, whole session {statistics.ApiCalls} (interim tracker: {statistics.ResetsFull} full resets).");
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }

    /// <summary>One worker: takes a branch per test, checks it is clean, writes its own row (slowly, so resets elsewhere overlap), resets, returns it.</summary>
    private static async Task<List<string>> RunWorkerAsync(TestDatabaseSession session, NeonFixture neon, int worker, CancellationToken cancellationToken)
    {
        var used = new List<string>();
        for (var test = 1; test <= TestsPerWorker; test++)
        {
            await using var lease = await session.AcquireIsolatedBranchAsync(cancellationToken);
            neon.Track(lease.ConnectionString);
            used.Add(lease.Branch.Id);
            var name = $"worker-{worker}-test-{test}";
            CollectionAssert.AreEqual(new[] { "seed-1", "seed-2" }, (await Db.CustomersAsync(lease.ConnectionString, cancellationToken)).ToArray(), $"{name} starts clean");
            await Db.ExecuteAsync(lease.ConnectionString, $"INSERT INTO customers (name) VALUES ('{name}'); SELECT pg_sleep(0.2);", cancellationToken);
            CollectionAssert.AreEqual(new[] { "seed-1", "seed-2", name }, (await Db.CustomersAsync(lease.ConnectionString, cancellationToken)).ToArray(), $"{name} sees its own row and nobody else's");
            await lease.ResetAsync(cancellationToken);
        }

        return used;
    }
}
