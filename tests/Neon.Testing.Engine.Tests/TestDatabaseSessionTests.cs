using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine.Providers.Local;
using Neon.Testing.Engine.Isolation;
using Neon.Testing.Engine.Migrations;
using Neon.Testing.Engine.Session;
using Npgsql;

namespace Neon.Testing.Engine.Tests;

[TestClass]
public sealed class TestDatabaseSessionTests
{
    private string _migrations = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void CreateMigrationFolder()
    {
        // A unique folder per test: its content is part of the fingerprint, so templates never leak between tests.
        _migrations = Directory.CreateTempSubdirectory("neon-migrations-").FullName;
        File.WriteAllText(Path.Combine(_migrations, "001_schema.sql"), $"""
            -- test {Guid.NewGuid()}
            CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);
            CREATE TABLE migration_runs (ran_at timestamptz NOT NULL DEFAULT clock_timestamp(), backend int NOT NULL DEFAULT pg_backend_pid());
            """);
        File.WriteAllText(Path.Combine(_migrations, "002_seed.sql"), """
            INSERT INTO customers (name) VALUES ('seed-1'), ('seed-2');
            INSERT INTO migration_runs DEFAULT VALUES;
            """);
    }

    [TestCleanup]
    public void RemoveMigrationFolder() => Directory.Delete(_migrations, recursive: true);

    private NeonTestingOptions Options(Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [NeonSettings.Provider] = "Local",
            [NeonSettings.Migrations] = _migrations,
            [NeonSettings.LocalDataDirectory] = TestPostgres.RootDirectory,
        };
        configure?.Invoke(settings);
        return NeonTestingOptions.Parse(settings);
    }

    private async Task DeleteTemplateAsync(string? templateName)
    {
        if (templateName is null)
        {
            return;
        }

        await using var provider = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, TestContext.CancellationToken);
        if (await provider.FindBranchAsync(templateName, TestContext.CancellationToken) is { } template)
        {
            await provider.DeleteBranchAsync(template, TestContext.CancellationToken);
        }
    }

    [TestMethod]
    public async Task Session_OffersIsolatedSharedAndReadOnlyBranches_AndDeletesThemAtTheEnd()
    {
        var before = await Database.OurDatabasesAsync(TestContext.CancellationToken);
        string? template;
        await using (var session = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, TestContext.CancellationToken))
        {
            template = session.TemplateName;
            Assert.AreEqual(2, session.Statistics.MigrationsApplied);

            await using (var isolated = await session.AcquireIsolatedBranchAsync(TestContext.CancellationToken))
            {
                Assert.AreEqual(2L, await Database.ScalarAsync<long>(isolated.ConnectionString, "SELECT count(*) FROM customers", TestContext.CancellationToken), "seed rows");
                await Database.ExecuteAsync(isolated.ConnectionString, "INSERT INTO customers (name) VALUES ('written by a test')", TestContext.CancellationToken);
                await isolated.ResetAsync(TestContext.CancellationToken);
                Assert.AreEqual(2L, await Database.ScalarAsync<long>(isolated.ConnectionString, "SELECT count(*) FROM customers", TestContext.CancellationToken), "after reset");
            }

            var shared = await session.GetSharedConnectionStringAsync(TestContext.CancellationToken);
            await Database.ExecuteAsync(shared, "INSERT INTO customers (name) VALUES ('kept')", TestContext.CancellationToken);
            Assert.AreEqual(3L, await Database.ScalarAsync<long>(await session.GetSharedConnectionStringAsync(TestContext.CancellationToken), "SELECT count(*) FROM customers", TestContext.CancellationToken));

            var readOnly = await session.GetReadOnlyConnectionStringAsync(TestContext.CancellationToken);
            Assert.AreEqual(2L, await Database.ScalarAsync<long>(readOnly, "SELECT count(*) FROM customers", TestContext.CancellationToken));
            await Assert.ThrowsExactlyAsync<PostgresException>(() => Database.ExecuteAsync(readOnly, "DELETE FROM customers", TestContext.CancellationToken));

            var during = await Database.OurDatabasesAsync(TestContext.CancellationToken);
            Assert.IsTrue(during.Any(name => name.Contains(session.SessionId, StringComparison.Ordinal) && name.EndsWith("-isolated-1", StringComparison.Ordinal)));
            NpgsqlConnection.ClearAllPools();
        }

        await AssertNothingLeftAsync(before, template);
        await DeleteTemplateAsync(template);
    }

    /// <summary>A template of ~150 MB, whose clones take long enough that the session goes on while the migration branch's is under way.</summary>
    private void AddBulkMigration() => File.WriteAllText(Path.Combine(_migrations, "003_bulk.sql"), """
        CREATE TABLE bulk AS SELECT g AS id, repeat('x', 100) AS pad FROM generate_series(1, 1000000) AS g;
        """);

    [TestMethod]
    public async Task SessionEndingAtOnce_WaitsForTheMigrationBranchStillBeingCloned_AndLeavesNothing()
    {
        var token = TestContext.CancellationToken;
        AddBulkMigration();
        var before = await Database.OurDatabasesAsync(token);
        string? template;
        string migration;
        var session = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, token);
        await using (session)
        {
            // On the local engine the migration branch is cloned after the first isolated branch, while the session goes on.
            template = session.TemplateName;
            migration = session.BranchNamePrefix + "migration";
        }

        Assert.AreEqual(2L, session.Statistics.BranchesCreated, "the first isolated branch and the migration branch, whose clone the end waited for");
        Assert.AreEqual(2L, session.Statistics.BranchesDeleted + session.Statistics.BranchesSpared, "each deleted or left as a spare");
        await AssertNothingLeftAsync(before, template);
        Assert.IsFalse(await Database.ExistsAsync(migration, token));
        await DeleteTemplateAsync(template);
    }

    [TestMethod]
    public async Task FullReset_RightAfterTheStart_CopiesTheMigrationBranch_OnceItExists()
    {
        var token = TestContext.CancellationToken;
        AddBulkMigration();
        string? template;
        await using (var session = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, token))
        {
            template = session.TemplateName;
            var first = await session.OpenDefaultDatabaseAsync(TestIsolation.Isolated, token);
            var test = await session.BeginTestAsync(TestIsolation.Isolated, "Tests.ChangesTheSchema", token);
            Assert.AreEqual(first.Name, test.Name, "the first test takes the primary branch");
            await Database.ExecuteAsync(test.ConnectionString, "CREATE TABLE made_at_once (id int); DELETE FROM customers", token);
            NpgsqlConnection.ClearAllPools();

            var reset = await session.EndTestAsync(test, token);
            Assert.AreEqual(ResetKind.Full, reset?.Kind);
            var next = await session.BeginTestAsync(TestIsolation.Isolated, "Tests.Next", token);
            Assert.AreEqual(2L, await Database.ScalarAsync<long>(next.ConnectionString, "SELECT count(*) FROM customers", token), "the seed rows are back");
            Assert.AreEqual(0L, await Database.ScalarAsync<long>(next.ConnectionString, "SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'made_at_once'", token));
            Assert.AreEqual(session.BranchNamePrefix + "migration", session.MigrationBranch.Name);
            await session.EndTestAsync(next, token);
            NpgsqlConnection.ClearAllPools();
        }

        await DeleteTemplateAsync(template);
    }

    /// <summary>No database the session made is left, besides the template and its spares (the cache the next session uses).</summary>
    private async Task AssertNothingLeftAsync(HashSet<string> before, string? template)
    {
        var after = await Database.OurDatabasesAsync(TestContext.CancellationToken);
        after.ExceptWith(before);
        after.RemoveWhere(n => n == template || (template is not null && BranchNames.IsSpareOf(n, template)));
        Assert.AreEqual(0, after.Count, "left behind: " + string.Join(", ", after));
    }

    /// <summary>The spares of <paramref name="template"/> on the server now.</summary>
    private async Task<List<string>> SparesOfAsync(string template) =>
        [.. (await Database.OurDatabasesAsync(TestContext.CancellationToken)).Where(n => BranchNames.IsSpareOf(n, template)).Order()];

    [TestMethod]
    public async Task NextSession_TakesTheCleanBranchesTheLastOneLeft_InsteadOfCloning()
    {
        var token = TestContext.CancellationToken;
        string template;
        await using (var first = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, token))
        {
            template = first.TemplateName!;
            var test = await first.BeginTestAsync(TestIsolation.Isolated, "Tests.Writes", token);
            await Database.ExecuteAsync(test.ConnectionString, "INSERT INTO customers (name) VALUES ('written by the first session')", token);
            Assert.AreEqual(ResetKind.Restored, (await first.EndTestAsync(test, token))?.Kind);
            NpgsqlConnection.ClearAllPools();
            await first.DisposeAsync();
            Assert.AreEqual(0L, first.Statistics.BranchesFromSpares, "the first session found none");
            Assert.AreEqual(2L, first.Statistics.BranchesSpared, "its migration branch and its restored isolated branch");
            Assert.AreEqual(0L, first.Statistics.BranchesDeleted);
        }

        var left = await SparesOfAsync(template);
        Assert.AreEqual(2, left.Count, string.Join(", ", left));
        await using (var next = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, token))
        {
            Assert.AreEqual(template, next.TemplateName);
            var test = await next.BeginTestAsync(TestIsolation.Isolated, "Tests.Reads", token);
            Assert.AreEqual(2L, await Database.ScalarAsync<long>(test.ConnectionString, "SELECT count(*) FROM customers", token), "the seed rows only");
            await next.EndTestAsync(test, token);
            Assert.AreEqual(next.BranchNamePrefix + "migration", next.MigrationBranch.Name);
            Assert.AreEqual(2L, next.Statistics.BranchesFromSpares, "the first isolated branch and the migration branch");
            Assert.AreEqual(0, (await SparesOfAsync(template)).Count, "both taken");
            NpgsqlConnection.ClearAllPools();
        }

        Assert.AreEqual(2, (await SparesOfAsync(template)).Count, "left again");
        await DeleteTemplateAsync(template);
        Assert.AreEqual(0, (await SparesOfAsync(template)).Count, "deleted with their template");
    }

    [TestMethod]
    public async Task BranchChangedAfterItsLastTest_IsDroppedAtTheEnd_NotLeftAsASpare()
    {
        var token = TestContext.CancellationToken;
        string template;
        await using (var first = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, token))
        {
            template = first.TemplateName!;
            var test = await first.BeginTestAsync(TestIsolation.Isolated, "Tests.Reads", token);
            await first.EndTestAsync(test, token);

            // Written after its test ended and never marked: only the end's own check can see it.
            await Database.ExecuteAsync(test.ConnectionString, "INSERT INTO customers (name) VALUES ('written after the last test')", token);
            NpgsqlConnection.ClearAllPools();
            await first.DisposeAsync();
            Assert.AreEqual(1L, first.Statistics.BranchesSpared, "the migration branch only");
            Assert.AreEqual(1L, first.Statistics.BranchesDeleted, "the written isolated branch");
        }

        await using (var next = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, token))
        {
            var test = await next.BeginTestAsync(TestIsolation.Isolated, "Tests.Reads", token);
            Assert.AreEqual(2L, await Database.ScalarAsync<long>(test.ConnectionString, "SELECT count(*) FROM customers", token), "the seed rows only");
            await next.EndTestAsync(test, token);
            NpgsqlConnection.ClearAllPools();
        }

        await DeleteTemplateAsync(template);
    }

    [TestMethod]
    public async Task PreparedLevels_AreMadeBeforeAnyTestAsks_AndDeletedAtTheEnd()
    {
        var token = TestContext.CancellationToken;
        var before = await Database.OurDatabasesAsync(token);
        string? template;
        await using (var session = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, token))
        {
            template = session.TemplateName;
            var readOnly = session.BranchNamePrefix + "migration.ro";
            var shared = session.BranchNamePrefix + "shared";
            session.PrepareLevels(() => [TestIsolation.ReadOnly, TestIsolation.Shared]);

            // Nothing asks for them: they appear on their own.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!(await Database.ExistsAsync(readOnly, token) && await Database.ExistsAsync(shared, token) && session.Statistics.BranchesCreated >= 3) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, token);
            }

            Assert.IsTrue(await Database.ExistsAsync(readOnly, token), "the read-only endpoint's database");
            Assert.IsTrue(await Database.ExistsAsync(shared, token), "the shared branch");
            Assert.AreEqual(3L, session.Statistics.BranchesCreated, "the primary, the migration branch and the shared branch");
            var test = await session.BeginTestAsync(TestIsolation.ReadOnly, "Tests.Reads", token);
            Assert.AreEqual(2L, await Database.ScalarAsync<long>(test.ConnectionString, "SELECT count(*) FROM customers", token));
            await Assert.ThrowsExactlyAsync<PostgresException>(() => Database.ExecuteAsync(test.ConnectionString, "DELETE FROM customers", token));
            await session.EndTestAsync(test, token);
            Assert.AreEqual(2L, await Database.ScalarAsync<long>(await session.GetSharedConnectionStringAsync(token), "SELECT count(*) FROM customers", token));
            Assert.AreEqual(3L, session.Statistics.BranchesCreated, "the tests used what was made ahead");
            NpgsqlConnection.ClearAllPools();
        }

        await AssertNothingLeftAsync(before, template);
        await DeleteTemplateAsync(template);
    }

    [TestMethod]
    public async Task PreparedLevels_SessionEndingAtOnce_LeavesNothing()
    {
        var token = TestContext.CancellationToken;
        var before = await Database.OurDatabasesAsync(token);
        string? template;
        await using (var session = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, token))
        {
            template = session.TemplateName;
            session.PrepareLevels(() => [TestIsolation.ReadOnly, TestIsolation.Shared]);
        }

        await AssertNothingLeftAsync(before, template);
        await DeleteTemplateAsync(template);
    }

    [TestMethod]
    public async Task BranchWrittenWhileFree_IsRestoredBeforeItsNextTest_OnlyWhenMarked()
    {
        var token = TestContext.CancellationToken;
        string? template;
        await using (var session = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, token))
        {
            template = session.TemplateName;
            var first = await session.BeginTestAsync(TestIsolation.Isolated, "Tests.First", token);
            var branch = first.Branch!;
            await session.EndTestAsync(first, token);

            // Another test's write lands on the branch after its own test ended: unmarked, nothing restores it.
            await Database.ExecuteAsync(branch.ConnectionString, "INSERT INTO customers (name) VALUES ('written while free')", token);
            var unmarked = await session.BeginTestAsync(TestIsolation.Isolated, "Tests.Unmarked", token);
            Assert.AreSame(branch, unmarked.Branch);
            Assert.AreEqual(3L, await Database.ScalarAsync<long>(unmarked.ConnectionString, "SELECT count(*) FROM customers", token), "the leak this guards against");
            await session.EndTestAsync(unmarked, token);

            // The same write, marked (as the sharing monitor does): the next test starts from the migrated state.
            await Database.ExecuteAsync(branch.ConnectionString, "INSERT INTO customers (name) VALUES ('written while free')", token);
            branch.MarkChangedWhileFree();
            var next = await session.BeginTestAsync(TestIsolation.Isolated, "Tests.Next", token);
            Assert.AreSame(branch, next.Branch);
            Assert.AreEqual(2L, await Database.ScalarAsync<long>(next.ConnectionString, "SELECT count(*) FROM customers", token));
            await session.EndTestAsync(next, token);
            NpgsqlConnection.ClearAllPools();
        }

        await DeleteTemplateAsync(template);
    }

    [TestMethod]
    public async Task SessionStart_RecordsItsPhases_AndSweepsTheLocalLeftoversBesideTheStart()
    {
        // A leftover of a run that is gone: expired, and its owner no longer holds the liveness lock.
        var leftover = $"{BranchNames.Prefix}phases-{Guid.NewGuid():N}"[..40];
        await using (var crashed = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, TestContext.CancellationToken))
        {
            var root = await crashed.GetRootBranchAsync(TestContext.CancellationToken);
            await crashed.CreateBranchAsync(new BranchRequest(leftover, root.Id, DateTimeOffset.UtcNow.AddMinutes(-1)), TestContext.CancellationToken);
        }

        string? template;
        await using (var session = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, TestContext.CancellationToken))
        {
            template = session.TemplateName;
            var started = session.Statistics.SetupPhases.Select(p => p.Key).ToList();
            CollectionAssert.IsSubsetOf(new[] { "provider", "root", "template-build" }, started, string.Join(", ", started));
            Assert.IsTrue(session.Statistics.SetupPhases.All(p => p.Value > TimeSpan.Zero && p.Value <= session.Statistics.SetupTime + TimeSpan.FromSeconds(30)));
            StringAssert.Contains(session.Statistics.ToJson(), "\"setup_phases_ms\"");

            await session.OpenDefaultDatabaseAsync(TestIsolation.Isolated, TestContext.CancellationToken);
            Assert.IsTrue(session.Statistics.SetupPhases.Any(p => p.Key == "default-database"));
        }

        try
        {
            // The sweep ran beside the start; ending the session waited for it.
            Assert.IsFalse(await Database.ExistsAsync(leftover, TestContext.CancellationToken), "the expired leftover was swept");
        }
        finally
        {
            await DeleteTemplateAsync(template);
        }
    }

    [TestMethod]
    public async Task SecondSession_WithTheSameMigrations_ReusesTheTemplate_WithoutMigrating()
    {
        DateTime firstRun;
        string? template;
        await using (var first = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, TestContext.CancellationToken))
        {
            template = first.TemplateName;
            Assert.IsFalse(first.MigrationsReused);
            await using var lease = await first.AcquireIsolatedBranchAsync(TestContext.CancellationToken);
            firstRun = await Database.ScalarAsync<DateTime>(lease.ConnectionString, "SELECT ran_at FROM migration_runs", TestContext.CancellationToken);
            NpgsqlConnection.ClearAllPools();
        }

        try
        {
            await using var second = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, TestContext.CancellationToken);
            await using var lease = await second.AcquireIsolatedBranchAsync(TestContext.CancellationToken);

            Assert.IsTrue(second.MigrationsReused);
            Assert.AreEqual(0, second.Statistics.MigrationsApplied);
            // The migration stamps the time it ran: the second session sees the first run's stamp.
            Assert.AreEqual(firstRun, await Database.ScalarAsync<DateTime>(lease.ConnectionString, "SELECT ran_at FROM migration_runs", TestContext.CancellationToken));
            Assert.AreEqual(1L, await Database.ScalarAsync<long>(lease.ConnectionString, "SELECT count(*) FROM migration_runs", TestContext.CancellationToken));
            NpgsqlConnection.ClearAllPools();
        }
        finally
        {
            await DeleteTemplateAsync(template);
        }
    }

    [TestMethod]
    public async Task ChangedMigrations_BuildANewTemplate_AndCacheExpiryZeroAlwaysMigrates()
    {
        string? first;
        await using (var session = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, TestContext.CancellationToken))
        {
            first = session.TemplateName;
        }

        File.AppendAllText(Path.Combine(_migrations, "002_seed.sql"), "\nINSERT INTO customers (name) VALUES ('seed-3');\n");
        try
        {
            await using (var changed = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, TestContext.CancellationToken))
            {
                Assert.IsFalse(changed.MigrationsReused);
                Assert.AreNotEqual(first, changed.TemplateName);
                await DeleteTemplateAsync(changed.TemplateName);
            }

            await using var uncached = await TestDatabaseSession.StartAsync(Options(s => s[NeonSettings.MigrationCacheExpiry] = "0"), NullLogger.Instance, TestContext.CancellationToken);
            Assert.IsFalse(uncached.MigrationsReused);
            Assert.IsNull(uncached.TemplateName);
            Assert.AreEqual(2, uncached.Statistics.MigrationsApplied);
        }
        finally
        {
            await DeleteTemplateAsync(first);
        }
    }

    [TestMethod]
    public async Task TwoSessionsStartingAtOnce_MigrateOnce_WithDistinctBranchNames()
    {
        var sessions = await Task.WhenAll(
            TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, TestContext.CancellationToken),
            TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, TestContext.CancellationToken));
        try
        {
            Assert.AreEqual(1, sessions.Count(s => !s.MigrationsReused), "exactly one session migrates");
            Assert.AreEqual(sessions[0].TemplateName, sessions[1].TemplateName);
            Assert.AreNotEqual(sessions[0].MigrationBranch.Name, sessions[1].MigrationBranch.Name);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await sessions[0].DisposeAsync();
            await sessions[1].DisposeAsync();
            await DeleteTemplateAsync(sessions[0].TemplateName);
        }
    }

    [TestMethod]
    public async Task FailingMigration_StopsTheSession_WithTheMigrationsOwnError_AndLeavesNothing()
    {
        File.WriteAllText(Path.Combine(_migrations, "003_broken.sql"), "SELECT 1;\nINSERT INTO no_such_table VALUES (1);\n");
        var before = await Database.OurDatabasesAsync(TestContext.CancellationToken);

        var error = await Assert.ThrowsExactlyAsync<MigrationFailedException>(() => TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, TestContext.CancellationToken));

        Assert.AreEqual("003_broken.sql", error.Migration);
        StringAssert.Contains(error.Message, "no_such_table");
        StringAssert.Contains(error.Message, "line 2");
        var after = await Database.OurDatabasesAsync(TestContext.CancellationToken);
        CollectionAssert.AreEquivalent(before.ToList(), after.ToList());
    }

    [TestMethod]
    public async Task MigrationCommand_ReceivesTheConnectionStringInTheConfiguredVariable()
    {
        var before = await Database.OurDatabasesAsync(TestContext.CancellationToken);
        var options = Options(s =>
        {
            s[NeonSettings.Migrations] = null;
            s[NeonSettings.EnvVar] = "MY_DB";
            s[NeonSettings.MigrationCommand] = "test -n \"$MY_DB\" && echo \"$MY_DB\" > /dev/null && exit 0";
        });
        await using (var session = await TestDatabaseSession.StartAsync(options, NullLogger.Instance, TestContext.CancellationToken))
        {
            Assert.AreEqual(1, session.Statistics.MigrationsApplied);
            Assert.IsNull(session.TemplateName, "a command's inputs are unknown, so it is not cached");
        }

        var failing = Options(s =>
        {
            s[NeonSettings.Migrations] = null;
            s[NeonSettings.MigrationCommand] = "echo \"connecting to $DATABASE_URL\"; echo boom >&2; exit 3";
        });
        var error = await Assert.ThrowsExactlyAsync<MigrationFailedException>(() => TestDatabaseSession.StartAsync(failing, NullLogger.Instance, TestContext.CancellationToken));
        StringAssert.Contains(error.Message, "exited with code 3");
        StringAssert.Contains(error.Message, "boom");
        Assert.DoesNotContain("Password", error.Message, "the connection string is redacted from the output");
        var after = await Database.OurDatabasesAsync(TestContext.CancellationToken);
        CollectionAssert.AreEquivalent(before.ToList(), after.ToList());
    }

    [TestMethod]
    public async Task KeepBranches_LeavesTheBranchesForDebugging()
    {
        string migration;
        string? template;
        await using (var session = await TestDatabaseSession.StartAsync(Options(s => s[NeonSettings.KeepBranches] = "true"), NullLogger.Instance, TestContext.CancellationToken))
        {
            migration = session.MigrationBranch.Name;
            template = session.TemplateName;
            await using var lease = await session.AcquireIsolatedBranchAsync(TestContext.CancellationToken);
        }

        Assert.IsTrue(await Database.ExistsAsync(migration, TestContext.CancellationToken));
        await using var provider = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, TestContext.CancellationToken);
        foreach (var branch in (await provider.ListOurBranchesAsync(TestContext.CancellationToken)).Where(b => b.Name.StartsWith(migration[..^"migration".Length], StringComparison.Ordinal)))
        {
            await provider.DeleteBranchAsync(branch, TestContext.CancellationToken);
        }

        await DeleteTemplateAsync(template);
    }

    [TestMethod]
    public async Task BranchThatCannotBeDeleted_IsRecordedWithHowItGoes_AndTheOthersAreStillDeleted()
    {
        string isolated;
        string? template;
        TestDatabaseSession session;
        await using (session = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, TestContext.CancellationToken))
        {
            template = session.TemplateName;
            await using var lease = await session.AcquireIsolatedBranchAsync(TestContext.CancellationToken);
            isolated = lease.Branch.Name;

            // Without our marker the provider refuses to delete it: the session's end must say so, not stay silent.
            await ExecuteAdminAsync($"COMMENT ON DATABASE {PgIdentifier.Quote(isolated)} IS NULL");
        }

        try
        {
            var left = session.Statistics.BranchesLeft.ToList();
            Assert.AreEqual(1, left.Count, string.Join(", ", left));
            Assert.AreEqual(isolated, left[0].Name);
            StringAssert.Contains(left[0].HowItGoes, "the next session removes it");
            Assert.AreEqual(session.Statistics.BranchesCreated - 1, session.Statistics.BranchesDeleted + session.Statistics.BranchesSpared, "the others deleted or left as spares");
            Assert.IsTrue(await Database.ExistsAsync(isolated, TestContext.CancellationToken));
        }
        finally
        {
            await ExecuteAdminAsync($"DROP DATABASE IF EXISTS {PgIdentifier.Quote(isolated)} WITH (FORCE)");
            await DeleteTemplateAsync(template);
        }
    }

    private async Task ExecuteAdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestPostgres.Server.AdminConnectionString);
        await connection.OpenAsync(TestContext.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.CancellationToken);
    }

    [TestMethod]
    public async Task Serial_ConcurrentIsolatedTestsTakeTurnsOnOneBranch_EachStartingClean()
    {
        var token = TestContext.CancellationToken;
        string? template;
        await using (var session = await TestDatabaseSession.StartAsync(Options(s => s[NeonSettings.ConcurrentTests] = "Serial"), NullLogger.Instance, token))
        {
            template = session.TemplateName;
            var first = await session.BeginTestAsync(TestIsolation.Isolated, "Tests.First", token);
            await Database.ExecuteAsync(first.ConnectionString, "INSERT INTO customers (name) VALUES ('written by the first')", token);

            var second = session.BeginTestAsync(TestIsolation.Isolated, "Tests.Second", token);
            await Task.Delay(300, token);
            Assert.IsFalse(second.IsCompleted, "the second test waits while the first holds the one branch");

            await session.EndTestAsync(first, token);
            var turn = await second.WaitAsync(TimeSpan.FromSeconds(60), token);
            Assert.AreSame(first.Branch, turn.Branch, "serial tests take turns on one branch");
            Assert.AreEqual(2L, await Database.ScalarAsync<long>(turn.ConnectionString, "SELECT count(*) FROM customers", token), "the first test's row was restored before the second's turn");
            Assert.AreEqual(1, session.IsolatedBranchCount);
            Assert.AreEqual(1L, session.Statistics.TurnsWaited);
            Assert.IsTrue(session.Statistics.TurnWaitTime >= TimeSpan.FromMilliseconds(250), session.Statistics.TurnWaitTime.ToString());
            await session.EndTestAsync(turn, token);
        }

        await DeleteTemplateAsync(template);
    }

    [TestMethod]
    public async Task Serial_TestsOfOnePerClassClassRunTogether_AnotherClassWaitsForThemAndStartsClean()
    {
        var token = TestContext.CancellationToken;
        string? template;
        await using (var session = await TestDatabaseSession.StartAsync(Options(s => s[NeonSettings.ConcurrentTests] = "Serial"), NullLogger.Instance, token))
        {
            template = session.TemplateName;
            var one = await session.BeginTestAsync(TestIsolation.PerClass, "Tests.ClassA", token);
            var two = await session.BeginTestAsync(TestIsolation.PerClass, "Tests.ClassA", token).WaitAsync(TimeSpan.FromSeconds(60), token);
            Assert.AreSame(one.Branch, two.Branch, "tests of one PerClass class share its branch");
            await Database.ExecuteAsync(one.ConnectionString, "INSERT INTO customers (name) VALUES ('class A')", token);

            var other = session.BeginTestAsync(TestIsolation.Isolated, "Tests.ClassB", token);
            await session.EndTestAsync(one, token);
            await Task.Delay(200, token);
            Assert.IsFalse(other.IsCompleted, "another class's test waits while a test of class A still runs");

            await session.EndTestAsync(two, token);
            var turn = await other.WaitAsync(TimeSpan.FromSeconds(60), token);
            Assert.AreSame(one.Branch, turn.Branch);
            Assert.AreEqual(2L, await Database.ScalarAsync<long>(turn.ConnectionString, "SELECT count(*) FROM customers", token), "class A's rows were restored before the other class's turn");
            Assert.AreEqual(1, session.IsolatedBranchCount);
            await session.EndTestAsync(turn, token);
        }

        await DeleteTemplateAsync(template);
    }

    [TestMethod]
    public async Task FullReset_OfOneBranch_KeepsAnotherBranchsPooledConnections_AndTheNextTestMeetsNoDeadOne()
    {
        var token = TestContext.CancellationToken;
        string? template;
        await using (var session = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, token))
        {
            template = session.TemplateName;
            var resetOne = await session.BeginTestAsync(TestIsolation.Isolated, "Tests.ResetOne", token);
            var concurrent = await session.BeginTestAsync(TestIsolation.Isolated, "Tests.Concurrent", token);
            Assert.AreNotSame(resetOne.Branch, concurrent.Branch, "concurrent isolated tests get a branch each");

            // Each query returns its connection to the pool, where the next open on the same string finds it.
            var concurrentBackend = await Database.ScalarAsync<int>(concurrent.ConnectionString, "SELECT pg_backend_pid()", token);
            var resetBackend = await Database.ScalarAsync<int>(resetOne.ConnectionString, "SELECT pg_backend_pid()", token);
            await Database.ExecuteAsync(resetOne.ConnectionString, "CREATE TABLE made_by_a_test (id int)", token);

            var reset = await session.EndTestAsync(resetOne, token);
            Assert.AreEqual(ResetKind.Full, reset?.Kind, "a schema change resets the whole branch");

            Assert.AreEqual(
                concurrentBackend,
                await Database.ScalarAsync<int>(concurrent.ConnectionString, "SELECT pg_backend_pid()", token),
                "the concurrent test on the other branch keeps its pooled connection");

            var next = await session.BeginTestAsync(TestIsolation.Isolated, "Tests.Next", token);
            Assert.AreSame(resetOne.Branch, next.Branch, "the next test takes the freed, re-created branch");
            Assert.AreEqual(2L, await Database.ScalarAsync<long>(next.ConnectionString, "SELECT count(*) FROM customers", token), "no dead pooled connection: the query runs");
            Assert.AreNotEqual(resetBackend, await Database.ScalarAsync<int>(next.ConnectionString, "SELECT pg_backend_pid()", token), "a new server connection to the re-created branch");
            Assert.AreEqual(0L, await Database.ScalarAsync<long>(next.ConnectionString, "SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'made_by_a_test'", token));

            await session.EndTestAsync(next, token);
            await session.EndTestAsync(concurrent, token);
            NpgsqlConnection.ClearAllPools();
        }

        await DeleteTemplateAsync(template);
    }

    [TestMethod]
    public async Task FullReset_RaisesBranchConnectionsReset_ForThatBranchOnly()
    {
        var token = TestContext.CancellationToken;
        string? template;
        await using (var session = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, token))
        {
            template = session.TemplateName;
            var events = new System.Collections.Concurrent.ConcurrentQueue<BranchConnectionsResetEventArgs>();
            session.BranchConnectionsReset += (_, e) => events.Enqueue(e);
            var resetOne = await session.BeginTestAsync(TestIsolation.Isolated, "Tests.ResetOne", token);
            var other = await session.BeginTestAsync(TestIsolation.Isolated, "Tests.Other", token);
            // An app's own data source uses its own settings: another pool size, another application name.
            var appConnectionString = new NpgsqlConnectionStringBuilder(resetOne.ConnectionString) { MaxPoolSize = 7, ApplicationName = "app" }.ConnectionString;

            await Database.ExecuteAsync(resetOne.ConnectionString, "CREATE TABLE made_by_a_test (id int)", token);
            await session.EndTestAsync(resetOne, token);

            Assert.IsNotEmpty(events, "a full reset tells whoever pools connections elsewhere");
            Assert.IsTrue(events.All(e => e.Branch == resetOne.Branch!.Branch));
            Assert.IsTrue(events.All(e => e.Reaches(appConnectionString)));
            Assert.IsFalse(events.Any(e => e.Reaches(other.ConnectionString)), "the other branch's pools are not touched");
            Assert.IsFalse(events.Any(e => e.Reaches("not a connection string ===")));

            events.Clear();
            var clean = await session.BeginTestAsync(TestIsolation.Isolated, "Tests.Clean", token);
            await session.EndTestAsync(clean, token);
            Assert.IsEmpty(events, "a test that wrote nothing kills no connection");
            await session.EndTestAsync(other, token);
            NpgsqlConnection.ClearAllPools();
        }

        await DeleteTemplateAsync(template);
    }

    [TestMethod]
    public async Task Levels_MeanWhatTheySay_PerClassKeepsItsBranchUntilTheClassIsDone_TransactionRollsBack()
    {
        var token = TestContext.CancellationToken;
        string? template;
        await using (var session = await TestDatabaseSession.StartAsync(Options(), NullLogger.Instance, token))
        {
            template = session.TemplateName;
            var primary = await session.OpenDefaultDatabaseAsync(TestIsolation.Isolated, token);
            Assert.IsNull(primary.Branch, "nobody holds the environment variable's branch");

            var first = await session.BeginTestAsync(TestIsolation.PerClass, "Tests.Class", token);
            Assert.AreEqual(primary.ConnectionString, first.ConnectionString, "tests take the primary branch first");
            Assert.IsFalse(first.OnOwnBranch);
            await Database.ExecuteAsync(first.ConnectionString, "INSERT INTO customers (name) VALUES ('per class')", token);
            Assert.IsNull(await session.EndTestAsync(first, token), "a PerClass branch is not reset after each test");

            var second = await session.BeginTestAsync(TestIsolation.PerClass, "Tests.Class", token);
            Assert.AreSame(first.Branch, second.Branch);
            Assert.AreEqual(3L, await Database.ScalarAsync<long>(second.ConnectionString, "SELECT count(*) FROM customers", token), "the class sees its own earlier writes");
            await session.EndTestAsync(second, token);

            var other = await session.BeginTestAsync(TestIsolation.Isolated, "Tests.Other", token);
            Assert.AreSame(first.Branch, other.Branch, "the class is done: its branch is restored and handed on");
            Assert.AreEqual(2L, await Database.ScalarAsync<long>(other.ConnectionString, "SELECT count(*) FROM customers", token));
            await session.EndTestAsync(other, token);

            var transaction = await session.BeginTestAsync(TestIsolation.Transaction, "Tests.Tx", token);
            Assert.IsNotNull(transaction.Connection);
            await using (var insert = new NpgsqlCommand("INSERT INTO customers (name) VALUES ('rolled back')", transaction.Connection))
            {
                await insert.ExecuteNonQueryAsync(token);
            }

            await session.EndTestAsync(transaction, token);
            Assert.AreEqual(2L, await Database.ScalarAsync<long>(primary.ConnectionString, "SELECT count(*) FROM customers", token), "the outer transaction was rolled back (and the branch restored)");

            var readOnly = await session.BeginTestAsync(TestIsolation.ReadOnly, "Tests.Read", token);
            Assert.IsNull(readOnly.Branch);
            Assert.IsNull(await session.EndTestAsync(readOnly, token), "nothing to do after a read-only test");
            Assert.AreEqual(1, session.IsolatedBranchCount, "one test at a time needs one isolated branch");
            NpgsqlConnection.ClearAllPools();
        }

        await DeleteTemplateAsync(template);
    }

    [TestMethod]
    public async Task MigrationCommand_WithDeclaredInputs_IsReused_AndRebuiltWhenAnInputChanges()
    {
        var app = Directory.CreateTempSubdirectory("neon-app-").FullName;
        var runs = Path.Combine(app, "runs.txt");
        Directory.CreateDirectory(Path.Combine(app, "Migrations"));
        Directory.CreateDirectory(Path.Combine(app, "obj"));
        File.WriteAllText(Path.Combine(app, "Migrations", "001_Initial.cs"), $"// {Guid.NewGuid()}");
        File.WriteAllText(Path.Combine(app, "obj", "changes-every-build.cs"), "1");
        NeonTestingOptions CommandOptions() => Options(s =>
        {
            s[NeonSettings.Migrations] = null;
            s[NeonSettings.WorkingDirectory] = app;
            s[NeonSettings.MigrationCommand] = $"echo ran >> '{runs}'";
            s[NeonSettings.MigrationInputs] = "**/*.cs";
        });
        int Runs() => File.Exists(runs) ? File.ReadAllLines(runs).Length : 0;
        var templates = new List<string?>();
        try
        {
            await using (var first = await TestDatabaseSession.StartAsync(CommandOptions(), NullLogger.Instance, TestContext.CancellationToken))
            {
                templates.Add(first.TemplateName);
                Assert.IsNotNull(first.TemplateName, "a command with declared inputs is cached");
                Assert.IsFalse(first.MigrationsReused);
            }

            File.WriteAllText(Path.Combine(app, "obj", "changes-every-build.cs"), "2");
            await using (var second = await TestDatabaseSession.StartAsync(CommandOptions(), NullLogger.Instance, TestContext.CancellationToken))
            {
                Assert.IsTrue(second.MigrationsReused, "obj/ is not an input");
                Assert.AreEqual(0, second.Statistics.MigrationsApplied);
                Assert.AreEqual(1, Runs(), "the command did not run again");
            }

            File.AppendAllText(Path.Combine(app, "Migrations", "001_Initial.cs"), "\n// changed");
            await using (var third = await TestDatabaseSession.StartAsync(CommandOptions(), NullLogger.Instance, TestContext.CancellationToken))
            {
                templates.Add(third.TemplateName);
                Assert.IsFalse(third.MigrationsReused);
                Assert.AreNotEqual(templates[0], third.TemplateName);
                Assert.AreEqual(2, Runs(), "a changed input reruns the command");
            }
        }
        finally
        {
            foreach (var template in templates)
            {
                await DeleteTemplateAsync(template);
            }

            Directory.Delete(app, recursive: true);
        }
    }

    [TestMethod]
    public async Task MigrationCommand_ThatCreatesNoTable_Warns_SayingWhatToCheck()
    {
        var options = Options(s =>
        {
            s[NeonSettings.Migrations] = null;
            s[NeonSettings.MigrationCommand] = "echo 'migrated nothing'";
        });

        await using var session = await TestDatabaseSession.StartAsync(options, NullLogger.Instance, TestContext.CancellationToken);

        var warning = session.Statistics.Warnings.Single();
        StringAssert.Contains(warning, "no table");
        StringAssert.Contains(warning, "DATABASE_URL");
        StringAssert.Contains(warning, "dotnet run --file");
        StringAssert.Contains(session.Statistics.ToJson(), "no table");
    }

    [TestMethod]
    public async Task MigrationCommand_ThatCreatesATable_DoesNotWarn()
    {
        var psql = Path.Combine(PostgresBinaries.Find().Directory, "psql");
        Assert.IsTrue(File.Exists(psql), psql);
        var options = Options(s =>
        {
            s[NeonSettings.Migrations] = null;
            // psql takes libpq's key=value form; the variable holds Npgsql's.
            s[NeonSettings.MigrationCommand] = psql + " \"$(echo \"$DATABASE_URL\" | tr ';' '\\n' | sed -n 's/^Host=/host=/p;s/^Port=/port=/p;s/^Database=/dbname=/p;s/^Username=/user=/p;s/^Password=/password=/p' | tr '\\n' ' ')\" -v ON_ERROR_STOP=1 -c 'CREATE TABLE made_by_command (id int)'";
        });

        await using var session = await TestDatabaseSession.StartAsync(options, NullLogger.Instance, TestContext.CancellationToken);

        Assert.IsEmpty(session.Statistics.Warnings);
    }

    [TestMethod]
    public async Task FailedTest_IsKeptOnABranchOfItsOwn_AndALeftoverSweepOfItsSessionSparesIt()
    {
        string prefix;
        string? template;
        KeptBranch kept;
        await using (var session = await TestDatabaseSession.StartAsync(Options(s => s[NeonSettings.KeepBranches] = "true"), NullLogger.Instance, TestContext.CancellationToken))
        {
            template = session.TemplateName;
            prefix = session.MigrationBranch.Name[..^"migration".Length];
            var database = await session.BeginTestAsync(TestIsolation.Isolated, "Tests.Kept", TestContext.CancellationToken);
            await using (var connection = new Npgsql.NpgsqlConnection(database.ConnectionString))
            {
                await connection.OpenAsync(TestContext.CancellationToken);
                await using var create = new Npgsql.NpgsqlCommand("CREATE TABLE IF NOT EXISTS kept_probe (id int); INSERT INTO kept_probe VALUES (42)", connection);
                await create.ExecuteNonQueryAsync(TestContext.CancellationToken);
            }

            await session.EndTestAsync(database, "Tests.Kept.Fails", TestContext.CancellationToken);
            kept = session.Statistics.BranchesKept.Single();
            StringAssert.StartsWith(kept.Name, prefix + "failed-1-fails");
        }

        // What a VSTest run's tasks do after the host was ended: delete the session's leftovers, but not the kept branch.
        var deleted = await TestDatabaseSession.DeleteLeftBranchesAsync(Options(), prefix, NullLogger.Instance, TestContext.CancellationToken);
        Assert.IsGreaterThan(0, deleted);
        Assert.IsTrue(await Database.ExistsAsync(kept.Name, TestContext.CancellationToken), "the kept branch was swept with the leftovers");
        await using var provider = await LocalBranchProvider.CreateAsync(Options(), NullLogger.Instance, TestContext.CancellationToken);
        var ours = (await provider.ListOurBranchesAsync(TestContext.CancellationToken)).Where(b => b.Name.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        CollectionAssert.AreEqual(new[] { kept.Name }, ours.Select(b => b.Name).ToArray());
        await provider.DeleteBranchAsync(ours.Single(), TestContext.CancellationToken);
        await DeleteTemplateAsync(template);
    }
}
