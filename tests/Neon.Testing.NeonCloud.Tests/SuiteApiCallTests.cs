using Neon.Testing.Engine;
using Neon.Testing.Engine.Isolation;
using Neon.Testing.Engine.Session;

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>
/// How many Neon API calls a 50-test suite costs on one isolated worker. The design's target: a small
/// constant per session plus one branch per worker, and none per test unless a test changed the schema.
/// </summary>
[TestClass]
public sealed class SuiteApiCallTests
{
    private const int Tests = 50;
    private const int SchemaChangingTest = 25;

    /// <summary>
    /// One full reset is a restore plus polls of its operations and endpoint; on a loaded machine the copy
    /// behind it may take seconds, hence a generous bound rather than an exact count.
    /// </summary>
    private const long MaxCallsPerFullReset = 40;

    // Until the change-tracking reset lands, the interim tracker resets every test through the provider.
    private static readonly bool InterimTracker = string.Equals(TrackingInstaller.Version, "0", StringComparison.Ordinal);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task FiftyTests_CostNoApiCallsPerTest_ExceptFullResets_AndEachTestStartsClean()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        var perTest = new List<(int Test, string Kind, ResetKind Reset, long Calls)>();
        long startCalls, leaseCalls, testCalls;
        SessionStatistics statistics;

        await using (var session = await TestDatabaseSession.StartAsync(neon.Options(), neon.SessionLog, cancellationToken))
        {
            statistics = session.Statistics;
            var provider = session.Provider;
            startCalls = provider.ApiCalls;
            Assert.AreEqual(startCalls, statistics.ApiCalls, "the statistics hold the count at start");

            await using var lease = await session.AcquireIsolatedBranchAsync(cancellationToken);
            var connectionString = neon.Track(lease.ConnectionString);
            leaseCalls = provider.ApiCalls - startCalls;

            for (var test = 1; test <= Tests; test++)
            {
                var before = provider.ApiCalls;
                await AssertMigratedStateAsync(connectionString, test, cancellationToken);
                var kind = await RunTestAsync(connectionString, test, cancellationToken);
                Assert.AreEqual(before, provider.ApiCalls, $"test {test} itself makes no API call");

                var reset = await lease.ResetAsync(cancellationToken);
                var calls = provider.ApiCalls - before;
                perTest.Add((test, kind, reset.Kind, calls));
                if (reset.Kind == ResetKind.Full)
                {
                    Assert.IsTrue(calls is >= 1 and <= MaxCallsPerFullReset, $"test {test} ({kind}): a full reset made {calls} API calls");
                }
                else
                {
                    Assert.AreEqual(0L, calls, $"test {test} ({kind}): a {reset.Kind} reset stays inside PostgreSQL");
                }

                if (test == SchemaChangingTest)
                {
                    Assert.AreEqual(ResetKind.Full, reset.Kind, "a schema change needs the full branch reset");
                }
                else if (!InterimTracker)
                {
                    Assert.AreNotEqual(ResetKind.Full, reset.Kind, $"test {test} ({kind}) changed only data: no full reset, no API call");
                }
            }

            await AssertMigratedStateAsync(connectionString, Tests + 1, cancellationToken);
            testCalls = provider.ApiCalls - startCalls - leaseCalls;
        }

        var fullResets = perTest.Where(t => t.Reset == ResetKind.Full).ToList();
        Assert.AreEqual(fullResets.Count, (int)statistics.ResetsFull);
        Assert.AreEqual(Tests, (int)(statistics.ResetsFull + statistics.ResetsRestored + statistics.ResetsClean));
        var disposeCalls = statistics.ApiCalls - startCalls - leaseCalls - testCalls;
        var byKind = perTest.GroupBy(t => t.Kind).Select(g => $"{g.Key} x{g.Count()}: {g.Sum(t => t.Calls)} calls");
        Measurements.Record(TestContext, 
            $"API calls for a {Tests}-test suite on one isolated worker: session start {startCalls}, isolated branch {leaseCalls}, " +
            $"tests {testCalls} ({fullResets.Count} full resets, {(fullResets.Count == 0 ? 0 : fullResets.Average(t => t.Calls)):0.#} per full reset, " +
            $"min {fullResets.Select(t => t.Calls).DefaultIfEmpty().Min()}, max {fullResets.Select(t => t.Calls).DefaultIfEmpty().Max()}), " +
            $"session end {disposeCalls}; total {statistics.ApiCalls}. Per kind: {string.Join("; ", byKind)}. Reset time {statistics.IsolationTime.TotalSeconds:0.0} s.");
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }

    /// <summary>What every test must find: the two seed rows, the sequence after them, the migrated columns.</summary>
    private static async Task AssertMigratedStateAsync(string connectionString, int test, CancellationToken cancellationToken)
    {
        CollectionAssert.AreEqual(new[] { "seed-1", "seed-2" }, (await Db.CustomersAsync(connectionString, cancellationToken)).ToArray(), $"test {test} starts from the seed rows");
        Assert.AreEqual(2L, await Db.ScalarAsync<long>(connectionString, "SELECT last_value FROM customers_id_seq", cancellationToken), $"test {test} starts with the sequence after the seed rows");
        CollectionAssert.AreEqual(new[] { "id", "name" }, (await Db.ColumnAsync(connectionString,
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'customers' ORDER BY ordinal_position", cancellationToken)).ToArray(), $"test {test} starts from the migrated schema");
    }

    /// <summary>The suite's tests: most only read, some insert, update or delete, one alters the schema.</summary>
    private static async Task<string> RunTestAsync(string connectionString, int test, CancellationToken cancellationToken)
    {
        if (test == SchemaChangingTest)
        {
            await Db.ExecuteAsync(connectionString, "ALTER TABLE customers ADD COLUMN email text", cancellationToken);
            return "schema change";
        }

        switch (test % 5)
        {
            case 1:
                await Db.ExecuteAsync(connectionString, $"INSERT INTO customers (name) VALUES ('test-{test}')", cancellationToken);
                return "insert";
            case 2:
                await Db.ExecuteAsync(connectionString, $"UPDATE customers SET name = 'renamed-{test}' WHERE name = 'seed-1'", cancellationToken);
                return "update";
            case 3:
                await Db.ExecuteAsync(connectionString, "DELETE FROM customers WHERE name = 'seed-2'", cancellationToken);
                return "delete";
            default:
                Assert.AreEqual(2L, await Db.ScalarAsync<long>(connectionString, "SELECT count(*) FROM customers", cancellationToken));
                return "read only";
        }
    }
}
