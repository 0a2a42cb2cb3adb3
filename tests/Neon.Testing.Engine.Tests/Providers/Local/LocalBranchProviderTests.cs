using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine.Providers.Local;
using Neon.Testing.Engine.Session;
using Npgsql;

namespace Neon.Testing.Engine.Tests.Providers.Local;

[TestClass]
public sealed class LocalBranchProviderTests
{
    public TestContext TestContext { get; set; } = null!;

    private static NeonTestingOptions Options(string? localConnectionString = null) => new()
    {
        Provider = ProviderKind.Local,
        LocalDataDirectory = TestPostgres.RootDirectory,
        LocalConnectionString = localConnectionString,
    };

    private static string Name(string role) => BranchNames.ForSession("provider-tests", BranchNames.NewSessionId(), role);

    [TestMethod]
    public async Task CreateBranch_ClonesTheParentsData_AndDeleteRemovesIt()
    {
        await using var provider = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, TestContext.CancellationToken);
        var root = await provider.GetRootBranchAsync(TestContext.CancellationToken);
        var parent = await provider.CreateBranchAsync(new BranchRequest(Name("parent"), root.Id, DateTimeOffset.UtcNow.AddMinutes(10)), TestContext.CancellationToken);
        var parentEndpoint = await provider.GetEndpointAsync(parent, readOnly: false, TestContext.CancellationToken);
        await Database.ExecuteAsync(parentEndpoint.ConnectionString + ";Pooling=false", "CREATE TABLE items (id int); INSERT INTO items VALUES (1), (2)", TestContext.CancellationToken);

        var child = await provider.CreateBranchAsync(new BranchRequest(Name("child"), parent.Id, DateTimeOffset.UtcNow.AddMinutes(10)), TestContext.CancellationToken);
        var childEndpoint = await provider.GetEndpointAsync(child, readOnly: false, TestContext.CancellationToken);

        Assert.AreEqual(2L, await Database.ScalarAsync<long>(childEndpoint.ConnectionString, "SELECT count(*) FROM items", TestContext.CancellationToken));
        await provider.DeleteBranchAsync(child, TestContext.CancellationToken);
        await provider.DeleteBranchAsync(parent, TestContext.CancellationToken);
        Assert.IsFalse(await Database.ExistsAsync(child.Id, TestContext.CancellationToken));
        Assert.IsFalse(await Database.ExistsAsync(parent.Id, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task Spares_AreKeptWithinTheirBudget_TakenByRename_AndDeletedWithTheirTemplate()
    {
        var token = TestContext.CancellationToken;
        await using var provider = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, token);
        var root = await provider.GetRootBranchAsync(token);
        var expires = DateTimeOffset.UtcNow.AddMinutes(10);
        var template = await provider.CreateBranchAsync(new BranchRequest(BranchNames.Prefix + "template-" + BranchNames.NewSessionId() + "spares", root.Id, expires, WillHaveChildren: true), token);
        var first = await provider.CreateBranchAsync(new BranchRequest(Name("first"), template.Id, expires), token);
        var second = await provider.CreateBranchAsync(new BranchRequest(Name("second"), template.Id, expires), token);
        async Task<List<string>> SparesAsync() => [.. (await Database.OurDatabasesAsync(token)).Where(n => BranchNames.IsSpareOf(n, template.Id))];
        try
        {
            // A template larger than the budget keeps none: the branch is left to its caller to drop.
            Assert.IsFalse(await new SpareBranches(provider, template, [], NullLogger.Instance, maxBytes: 1).KeepAsync(first, token));
            Assert.IsTrue(await Database.ExistsAsync(first.Id, token));

            var ending = new SpareBranches(provider, template, [], NullLogger.Instance);
            Assert.IsTrue(await ending.KeepAsync(first, token));
            Assert.IsFalse(await Database.ExistsAsync(first.Id, token));
            var left = await SparesAsync();
            Assert.AreEqual(1, left.Count);

            var next = new SpareBranches(provider, template, left, NullLogger.Instance);
            var taken = await next.TakeAsync(new BranchRequest(Name("taken"), template.Id, expires), token);
            Assert.IsNotNull(taken);
            Assert.IsTrue(await Database.ExistsAsync(taken.Id, token));
            Assert.AreEqual(0, (await SparesAsync()).Count);
            Assert.IsNull(await next.TakeAsync(new BranchRequest(Name("none-left"), template.Id, expires), token), "each spare is taken once");
            await provider.DeleteBranchAsync(taken, token);

            Assert.IsTrue(await ending.KeepAsync(second, token));
            Assert.AreEqual(1, (await SparesAsync()).Count);
        }
        finally
        {
            await provider.DeleteBranchAsync(template, token);
            foreach (var branch in new[] { first, second })
            {
                if (await Database.ExistsAsync(branch.Id, token))
                {
                    await provider.DeleteBranchAsync(branch, token);
                }
            }
        }

        Assert.AreEqual(0, (await SparesAsync()).Count, "deleted with their template");
    }

    [TestMethod]
    public async Task Reset_DiscardsDataWrittenInTheBranch()
    {
        await using var provider = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, TestContext.CancellationToken);
        var root = await provider.GetRootBranchAsync(TestContext.CancellationToken);
        var branch = await provider.CreateBranchAsync(new BranchRequest(Name("reset"), root.Id, DateTimeOffset.UtcNow.AddMinutes(10)), TestContext.CancellationToken);
        try
        {
            var endpoint = await provider.GetEndpointAsync(branch, readOnly: false, TestContext.CancellationToken);
            await Database.ExecuteAsync(endpoint.ConnectionString, "CREATE TABLE scratch (id int); INSERT INTO scratch VALUES (1)", TestContext.CancellationToken);

            await provider.ResetBranchAsync(branch, TestContext.CancellationToken);
            // The provider leaves this process's pools to its caller (the session clears the reset branch's pools).
            using (var pooled = new NpgsqlConnection(endpoint.ConnectionString))
            {
                NpgsqlConnection.ClearPool(pooled);
            }

            Assert.AreEqual(0L, await Database.ScalarAsync<long>(endpoint.ConnectionString, "SELECT count(*) FROM pg_tables WHERE tablename = 'scratch'", TestContext.CancellationToken));
        }
        finally
        {
            await provider.DeleteBranchAsync(branch, TestContext.CancellationToken);
        }
    }

    [TestMethod]
    public async Task ReadOnlyEndpoint_RejectsWritesInsidePostgres_ButReads()
    {
        await using var provider = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, TestContext.CancellationToken);
        var root = await provider.GetRootBranchAsync(TestContext.CancellationToken);
        var branch = await provider.CreateBranchAsync(new BranchRequest(Name("ro"), root.Id, DateTimeOffset.UtcNow.AddMinutes(10)), TestContext.CancellationToken);
        try
        {
            var writer = await provider.GetEndpointAsync(branch, readOnly: false, TestContext.CancellationToken);
            await Database.ExecuteAsync(writer.ConnectionString + ";Pooling=false", "CREATE TABLE seeds (id int); INSERT INTO seeds VALUES (7)", TestContext.CancellationToken);
            var reader = await provider.GetEndpointAsync(branch, readOnly: true, TestContext.CancellationToken);

            Assert.IsTrue(reader.ReadOnly);
            Assert.AreEqual(7, await Database.ScalarAsync<int>(reader.ConnectionString, "SELECT id FROM seeds", TestContext.CancellationToken));
            // Even a session that turns read-only mode off is refused by privileges.
            await using var connection = new NpgsqlConnection(reader.ConnectionString);
            await connection.OpenAsync(TestContext.CancellationToken);
            await new NpgsqlCommand("SET default_transaction_read_only = off", connection).ExecuteNonQueryAsync(TestContext.CancellationToken);
            var error = await Assert.ThrowsExactlyAsync<PostgresException>(() =>
                new NpgsqlCommand("INSERT INTO seeds VALUES (8)", connection).ExecuteNonQueryAsync(TestContext.CancellationToken));
            Assert.AreEqual(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        }
        finally
        {
            await provider.DeleteBranchAsync(branch, TestContext.CancellationToken);
        }

        Assert.IsFalse(await Database.ExistsAsync(branch.Id + ".ro", TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task Provider_RefusesToTouchADatabaseWithoutOurMarker()
    {
        var foreign = BranchNames.Prefix + "foreign-" + BranchNames.NewSessionId();
        await Database.ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"CREATE DATABASE \"{foreign}\"", TestContext.CancellationToken);
        try
        {
            await using var provider = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, TestContext.CancellationToken);
            var branch = new Branch(foreign, foreign, "neondb", null);

            var delete = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => provider.DeleteBranchAsync(branch, TestContext.CancellationToken));
            var reset = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => provider.ResetBranchAsync(branch, TestContext.CancellationToken));
            var root = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => provider.DeleteBranchAsync(new Branch("postgres", "postgres", null, null), TestContext.CancellationToken));

            StringAssert.Contains(delete.Message, "not our marker");
            StringAssert.Contains(reset.Message, "not our marker");
            StringAssert.Contains(root.Message, "only databases whose names start with");
            Assert.IsTrue(await Database.ExistsAsync(foreign, TestContext.CancellationToken));
        }
        finally
        {
            await Database.ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"DROP DATABASE \"{foreign}\"", TestContext.CancellationToken);
        }
    }

    [TestMethod]
    public async Task Sweeper_RemovesOurExpiredBranches_AndLeavesForeignAndLiveOnesAlone()
    {
        var foreign = BranchNames.Prefix + "foreign-" + BranchNames.NewSessionId();
        await Database.ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"CREATE DATABASE \"{foreign}\"; ", TestContext.CancellationToken);
        Branch crashed;
        await using (var crashedRun = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, TestContext.CancellationToken))
        {
            var root = await crashedRun.GetRootBranchAsync(TestContext.CancellationToken);
            crashed = await crashedRun.CreateBranchAsync(new BranchRequest(Name("crashed"), root.Id, DateTimeOffset.UtcNow.AddSeconds(-1)), TestContext.CancellationToken);
            _ = await crashedRun.GetEndpointAsync(crashed, readOnly: true, TestContext.CancellationToken);
        }

        await using var live = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, TestContext.CancellationToken);
        var liveRoot = await live.GetRootBranchAsync(TestContext.CancellationToken);
        var liveExpired = await live.CreateBranchAsync(new BranchRequest(Name("live"), liveRoot.Id, DateTimeOffset.UtcNow.AddSeconds(-1)), TestContext.CancellationToken);
        try
        {
            await using var sweeper = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, TestContext.CancellationToken);
            var swept = await sweeper.SweepExpiredAsync(TestContext.CancellationToken);

            Assert.IsGreaterThanOrEqualTo(2, swept, "the crashed branch and its read-only clone");
            Assert.IsFalse(await Database.ExistsAsync(crashed.Id, TestContext.CancellationToken));
            Assert.IsFalse(await Database.ExistsAsync(crashed.Id + ".ro", TestContext.CancellationToken));
            Assert.IsTrue(await Database.ExistsAsync(foreign, TestContext.CancellationToken), "no marker: not ours");
            Assert.IsTrue(await Database.ExistsAsync(liveExpired.Id, TestContext.CancellationToken), "its session is alive");
            Assert.IsTrue(await Database.ExistsAsync("postgres", TestContext.CancellationToken));
        }
        finally
        {
            await live.DeleteBranchAsync(liveExpired, TestContext.CancellationToken);
            await Database.ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"DROP DATABASE \"{foreign}\"", TestContext.CancellationToken);
        }
    }

    [TestMethod]
    public async Task Sweeper_RemovesADeadRunsUnexpiredBranchesAtOnce_ButNotKeptOnesOrTemplatesOrALiveRunsBranches()
    {
        var expires = DateTimeOffset.UtcNow.AddHours(1);
        Branch dead;
        Branch kept;
        Branch keptWithRun;
        Branch template;
        await using (var deadRun = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, TestContext.CancellationToken))
        {
            var root = await deadRun.GetRootBranchAsync(TestContext.CancellationToken);
            dead = await deadRun.CreateBranchAsync(new BranchRequest(Name("isolated-1"), root.Id, expires), TestContext.CancellationToken);
            _ = await deadRun.GetEndpointAsync(dead, readOnly: true, TestContext.CancellationToken);
            var failed = await deadRun.CreateBranchAsync(new BranchRequest(Name("isolated-2"), root.Id, expires), TestContext.CancellationToken);
            kept = await deadRun.PreserveAndResetBranchAsync(failed, failed.Id + "-failed-1-x", TestContext.CancellationToken);
            await deadRun.DeleteBranchAsync(failed, TestContext.CancellationToken);
            template = await deadRun.CreateBranchAsync(new BranchRequest(BranchNames.Prefix + "template-" + BranchNames.NewSessionId() + "sweeptest", root.Id, expires, WillHaveChildren: true), TestContext.CancellationToken);
        }

        await using (var keepingRun = await LocalBranchProvider.CreateAsync(new NeonTestingOptions { Provider = ProviderKind.Local, LocalDataDirectory = TestPostgres.RootDirectory, KeepBranches = true }, NullLogger.Instance, TestContext.CancellationToken))
        {
            var root = await keepingRun.GetRootBranchAsync(TestContext.CancellationToken);
            keptWithRun = await keepingRun.CreateBranchAsync(new BranchRequest(Name("isolated-1"), root.Id, expires), TestContext.CancellationToken);
        }

        await using var live = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, TestContext.CancellationToken);
        var liveRoot = await live.GetRootBranchAsync(TestContext.CancellationToken);
        var liveBranch = await live.CreateBranchAsync(new BranchRequest(Name("live"), liveRoot.Id, expires), TestContext.CancellationToken);
        try
        {
            await using var sweeper = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, TestContext.CancellationToken);
            await sweeper.SweepExpiredAsync(TestContext.CancellationToken);

            Assert.IsFalse(await Database.ExistsAsync(dead.Id, TestContext.CancellationToken), "its run is gone: nothing can use it any more");
            Assert.IsFalse(await Database.ExistsAsync(dead.Id + ".ro", TestContext.CancellationToken));
            Assert.IsTrue(await Database.ExistsAsync(kept.Id, TestContext.CancellationToken), "a failed test's branch is kept to its expiry");
            Assert.IsTrue(await Database.ExistsAsync(keptWithRun.Id, TestContext.CancellationToken), "NeonKeepBranches keeps to the expiry");
            Assert.IsTrue(await Database.ExistsAsync(template.Id, TestContext.CancellationToken), "a completed template is a cache");
            Assert.IsTrue(await Database.ExistsAsync(liveBranch.Id, TestContext.CancellationToken), "its session is alive");
        }
        finally
        {
            await live.DeleteBranchAsync(liveBranch, TestContext.CancellationToken);
            foreach (var branch in new[] { kept, keptWithRun, template })
            {
                await live.DeleteBranchAsync(branch, TestContext.CancellationToken);
            }
        }
    }

    [TestMethod]
    public async Task ExternalServer_WithACreateDbRole_BranchesAndKeepsReadOnlyEndpointsReadOnly()
    {
        var role = "neon_it_owner_" + BranchNames.NewSessionId();
        var password = Guid.NewGuid().ToString("N");
        await Database.ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"CREATE ROLE \"{role}\" LOGIN CREATEDB PASSWORD '{password}'", TestContext.CancellationToken);
        var external = new NpgsqlConnectionStringBuilder(TestPostgres.Server.AdminConnectionString) { Username = role, Password = password, Database = "postgres" }.ConnectionString;
        var rootName = "neon_it_root_" + BranchNames.NewSessionId();
        try
        {
            await using var provider = await LocalBranchProvider.CreateAsync(Options(external) with { Database = rootName }, NullLogger.Instance, TestContext.CancellationToken);
            Assert.IsNull(provider.Embedded);
            var root = await provider.GetRootBranchAsync(TestContext.CancellationToken);
            var branch = await provider.CreateBranchAsync(new BranchRequest(Name("external"), root.Id, DateTimeOffset.UtcNow.AddMinutes(10)), TestContext.CancellationToken);
            var writer = await provider.GetEndpointAsync(branch, readOnly: false, TestContext.CancellationToken);
            await Database.ExecuteAsync(writer.ConnectionString + ";Pooling=false", "CREATE TABLE t (id int)", TestContext.CancellationToken);
            Assert.AreEqual(role, await Database.ScalarAsync<string>(writer.ConnectionString, "SELECT current_user", TestContext.CancellationToken));

            var reader = await provider.GetEndpointAsync(branch, readOnly: true, TestContext.CancellationToken);
            var error = await Assert.ThrowsExactlyAsync<PostgresException>(() => Database.ExecuteAsync(reader.ConnectionString, "INSERT INTO t VALUES (1)", TestContext.CancellationToken));
            Assert.AreEqual(PostgresErrorCodes.ReadOnlySqlTransaction, error.SqlState);

            NpgsqlConnection.ClearAllPools();
            await provider.DeleteBranchAsync(branch, TestContext.CancellationToken);
            Assert.IsFalse(await Database.ExistsAsync(branch.Id, TestContext.CancellationToken));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            foreach (var owned in await Database.OwnedDatabasesAsync(role, TestContext.CancellationToken))
            {
                await Database.ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"DROP DATABASE \"{owned}\" WITH (FORCE)", TestContext.CancellationToken);
            }

            await Database.ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"DROP ROLE \"{role}\"", TestContext.CancellationToken);
        }
    }

    [TestMethod]
    public async Task ExternalServer_WithoutCreateDb_FailsNamingTheProperty()
    {
        var role = "neon_it_plain_" + BranchNames.NewSessionId();
        await Database.ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"CREATE ROLE \"{role}\" LOGIN PASSWORD 'pw-{role}'", TestContext.CancellationToken);
        try
        {
            var external = new NpgsqlConnectionStringBuilder(TestPostgres.Server.AdminConnectionString) { Username = role, Password = "pw-" + role }.ConnectionString;
            var error = await Assert.ThrowsExactlyAsync<NeonConfigurationException>(() => LocalBranchProvider.CreateAsync(Options(external), NullLogger.Instance, TestContext.CancellationToken));

            Assert.AreEqual(NeonSettings.LocalConnectionString, error.Setting);
            StringAssert.Contains(error.Message, "CREATEDB");
            Assert.DoesNotContain("pw-" + role, error.Message);
        }
        finally
        {
            await Database.ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"DROP ROLE \"{role}\"", TestContext.CancellationToken);
        }
    }

    [TestMethod]
    public async Task ExternalServer_SessionsBranchFromTemplate1_AndLeaveNoDatabaseOutsideOurPrefix()
    {
        var role = "neon_it_user_" + BranchNames.NewSessionId();
        var password = Guid.NewGuid().ToString("N");
        await Database.ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"CREATE ROLE \"{role}\" LOGIN CREATEDB PASSWORD '{password}'", TestContext.CancellationToken);
        var migrations = Directory.CreateTempSubdirectory("neon-external-").FullName;
        File.WriteAllText(Path.Combine(migrations, "001.sql"), $"-- {Guid.NewGuid()}\nCREATE TABLE things (id int);");
        var external = new NpgsqlConnectionStringBuilder(TestPostgres.Server.AdminConnectionString) { Username = role, Password = password, Database = "postgres" }.ConnectionString;
        var options = Options(external) with { Database = "neon_it_never_" + BranchNames.NewSessionId(), Migrations = migrations };
        try
        {
            for (var run = 1; run <= 2; run++)
            {
                await using var session = await Session.TestDatabaseSession.StartAsync(options, NullLogger.Instance, TestContext.CancellationToken);
                Assert.AreEqual(run == 2, session.MigrationsReused, $"run {run}");
                // A role that is not a superuser renames its own databases too: the first run's clean branches became spares.
                Assert.AreEqual(run == 2, session.Statistics.BranchesFromSpares > 0, $"run {run} took spares");
                await using var lease = await session.AcquireIsolatedBranchAsync(TestContext.CancellationToken);
                Assert.AreEqual(0L, await Database.ScalarAsync<long>(lease.ConnectionString, "SELECT count(*) FROM things", TestContext.CancellationToken));
                NpgsqlConnection.ClearAllPools();
            }

            var owned = await Database.OwnedDatabasesAsync(role, TestContext.CancellationToken);
            Assert.IsFalse(owned.Any(name => !name.StartsWith(BranchNames.Prefix, StringComparison.Ordinal)), "created outside our prefix: " + string.Join(", ", owned));
            Assert.IsFalse(await Database.ExistsAsync(options.Database, TestContext.CancellationToken), "the root is not created on a user's server");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            foreach (var owned in await Database.OwnedDatabasesAsync(role, TestContext.CancellationToken))
            {
                await Database.ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"DROP DATABASE \"{owned}\" WITH (FORCE)", TestContext.CancellationToken);
            }

            await Database.ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"DROP ROLE \"{role}\"", TestContext.CancellationToken);
            Directory.Delete(migrations, recursive: true);
        }
    }
}
