using Neon.Testing.Engine;
using Npgsql;
using Neon.Testing.Engine.Session;

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>A whole test session on the Neon provider, from start to the last deleted branch.</summary>
[TestClass]
public sealed class FullSessionTests
{
    private static readonly string[] ReadOnlyRefusals = [PostgresErrorCodes.ReadOnlySqlTransaction, PostgresErrorCodes.InsufficientPrivilege];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Session_MigratesOnce_ServesEveryIsolationLevel_AndLeavesOnlyTheDefaultBranch()
    {
        var cancellationToken = TestContext.CancellationToken;
        await using var neon = await NeonFixture.StartAsync(cancellationToken);
        var created = new List<Branch>();
        SessionStatistics statistics;

        await using (var session = await TestDatabaseSession.StartAsync(neon.Options(), neon.SessionLog, cancellationToken))
        {
            statistics = session.Statistics;
            Assert.AreEqual("Neon", session.ProviderName);
            Assert.AreEqual(2, statistics.MigrationsApplied);
            Assert.IsFalse(session.MigrationsReused);
            Assert.AreEqual(1, neon.Emulator.Requests["createProjectBranch"], "session start creates the migration branch only");
            Assert.AreEqual(neon.Emulator.DefaultBranchId, session.MigrationBranch.ParentId);
            StringAssert.StartsWith(session.MigrationBranch.Name, BranchNames.Prefix);
            created.Add(session.MigrationBranch);

            // Two workers start at once: each gets its own isolated branch.
            var leases = await Task.WhenAll(session.AcquireIsolatedBranchAsync(cancellationToken), session.AcquireIsolatedBranchAsync(cancellationToken));
            created.AddRange(leases.Select(l => l.Branch));
            Assert.AreNotEqual(leases[0].Branch.Id, leases[1].Branch.Id);
            Assert.AreNotEqual(neon.Track(leases[0].ConnectionString), neon.Track(leases[1].ConnectionString));
            foreach (var lease in leases)
            {
                Assert.AreEqual(session.MigrationBranch.Id, lease.Branch.ParentId);
                Assert.AreEqual(1L, await Db.ScalarAsync<long>(lease.ConnectionString, "SELECT count(*) FROM migration_runs", cancellationToken), "migrated state, not migrated again");
            }

            await Db.ExecuteAsync(leases[0].ConnectionString, "INSERT INTO customers (name) VALUES ('worker-1')", cancellationToken);
            CollectionAssert.AreEqual(new[] { "seed-1", "seed-2", "worker-1" }, (await Db.CustomersAsync(leases[0].ConnectionString, cancellationToken)).ToArray());
            CollectionAssert.AreEqual(new[] { "seed-1", "seed-2" }, (await Db.CustomersAsync(leases[1].ConnectionString, cancellationToken)).ToArray(), "the other worker's branch does not see it");
            await leases[0].ResetAsync(cancellationToken);
            CollectionAssert.AreEqual(new[] { "seed-1", "seed-2" }, (await Db.CustomersAsync(leases[0].ConnectionString, cancellationToken)).ToArray(), "reset restores the migrated state");
            foreach (var lease in leases)
            {
                await lease.DisposeAsync();
            }

            // Isolated: the next test reuses a pooled branch, writes, and the reset leaves it clean.
            var createsBefore = neon.Emulator.Requests["createProjectBranch"];
            await using (var lease = await session.AcquireIsolatedBranchAsync(cancellationToken))
            {
                Assert.Contains(lease.Branch.Id, leases.Select(l => l.Branch.Id).ToArray(), "a returned branch is lent again");
                await Db.ExecuteAsync(lease.ConnectionString, "DELETE FROM customers WHERE name = 'seed-1'; INSERT INTO customers (name) VALUES ('isolated')", cancellationToken);
                await lease.ResetAsync(cancellationToken);
                CollectionAssert.AreEqual(new[] { "seed-1", "seed-2" }, (await Db.CustomersAsync(lease.ConnectionString, cancellationToken)).ToArray());
                Assert.AreEqual(2L, await Db.ScalarAsync<long>(lease.ConnectionString, "SELECT last_value FROM customers_id_seq", cancellationToken), "the sequence is back too");
            }

            // PerClass: the tests of a class share the branch; it is reset once, after the class.
            await using (var lease = await session.AcquireIsolatedBranchAsync(cancellationToken))
            {
                await Db.ExecuteAsync(lease.ConnectionString, "INSERT INTO customers (name) VALUES ('class-test-1')", cancellationToken);
                CollectionAssert.AreEqual(new[] { "seed-1", "seed-2", "class-test-1" }, (await Db.CustomersAsync(lease.ConnectionString, cancellationToken)).ToArray(), "the class's second test sees the first one's row");
                await lease.ResetAsync(cancellationToken);
                CollectionAssert.AreEqual(new[] { "seed-1", "seed-2" }, (await Db.CustomersAsync(lease.ConnectionString, cancellationToken)).ToArray());
            }

            // Transaction: an outer transaction that is never committed leaves the branch as it was.
            await using (var lease = await session.AcquireIsolatedBranchAsync(cancellationToken))
            {
                await using (var connection = new NpgsqlConnection(lease.ConnectionString))
                {
                    await connection.OpenAsync(cancellationToken);
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    await using var insert = new NpgsqlCommand("INSERT INTO customers (name) VALUES ('in-transaction')", connection, transaction);
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                    await transaction.RollbackAsync(cancellationToken);
                }

                CollectionAssert.AreEqual(new[] { "seed-1", "seed-2" }, (await Db.CustomersAsync(lease.ConnectionString, cancellationToken)).ToArray());
            }

            Assert.AreEqual(createsBefore, neon.Emulator.Requests["createProjectBranch"], "returned branches are reused, not recreated");

            // ReadOnly: the migration branch's read-only endpoint reads the migrated data; PostgreSQL refuses writes.
            var readOnly = neon.Track(await session.GetReadOnlyConnectionStringAsync(cancellationToken));
            CollectionAssert.AreEqual(new[] { "seed-1", "seed-2" }, (await Db.CustomersAsync(readOnly, cancellationToken)).ToArray());
            Assert.AreEqual(1L, await Db.ScalarAsync<long>(readOnly, "SELECT count(*) FROM migration_runs", cancellationToken), "migrations ran once, on the migration branch");
            var refused = await Assert.ThrowsExactlyAsync<PostgresException>(() => Db.ExecuteAsync(readOnly, "INSERT INTO customers (name) VALUES ('read-only')", cancellationToken));
            CollectionAssert.Contains(ReadOnlyRefusals, refused.SqlState, refused.MessageText);
            Assert.AreEqual(readOnly, await session.GetReadOnlyConnectionStringAsync(cancellationToken));

            // Shared: one branch, never reset; a later test sees an earlier one's writes.
            var shared = neon.Track(await session.GetSharedConnectionStringAsync(cancellationToken));
            await Db.ExecuteAsync(shared, "INSERT INTO customers (name) VALUES ('shared-test-1')", cancellationToken);
            Assert.AreEqual(shared, await session.GetSharedConnectionStringAsync(cancellationToken));
            CollectionAssert.AreEqual(new[] { "seed-1", "seed-2", "shared-test-1" }, (await Db.CustomersAsync(shared, cancellationToken)).ToArray());
            CollectionAssert.AreEqual(new[] { "seed-1", "seed-2" }, (await Db.CustomersAsync(readOnly, cancellationToken)).ToArray(), "the shared branch is a copy, not the migration branch");

            var ours = (await session.Provider.ListOurBranchesAsync(cancellationToken)).ToList();
            Assert.HasCount(4, ours, "migration, two isolated, shared");
            created.Add(ours.Single(b => b.Name.EndsWith("-shared", StringComparison.Ordinal)));
        }

        // Before this test's own look at the emulator, which counts too.
        Assert.AreEqual(neon.Emulator.Requests.Total, statistics.ApiCalls, "the session counts every call Neon received");
        CollectionAssert.AreEqual(Array.Empty<string>(), (await neon.Api.NonDefaultBranchNamesAsync(cancellationToken)).ToArray(), "nothing but the default branch is left");
        Assert.AreEqual(4L, statistics.BranchesCreated);
        Assert.AreEqual(4L, statistics.BranchesDeleted);
        foreach (var branch in created)
        {
            Assert.IsFalse(await neon.Emulator.LocalDatabaseExistsAsync(branch.Id, cancellationToken), $"{branch.Name}'s database is dropped");
        }

        Measurements.Record(TestContext, $"API calls for the whole session: {statistics.ApiCalls}; statistics: {string.Join(" ", statistics.ToJson().Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries))}");
        await neon.AssertNoSecretsLoggedAsync(cancellationToken);
    }
}
