using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine.Migrations;
using Npgsql;

namespace Neon.Testing.Engine.Tests.Migrations;

/// <summary><c>.sql</c> migrations on a real PostgreSQL: files that manage their own transactions apply, and errors name the real line.</summary>
[TestClass]
public sealed class SqlMigrationTests
{
    private string _folder = null!;
    private string _database = null!;

    public TestContext TestContext { get; set; } = null!;

    private string ConnectionString => Database.Admin(_database);

    [TestInitialize]
    public async Task CreateDatabaseAsync()
    {
        _folder = Directory.CreateTempSubdirectory("neon-sql-").FullName;
        _database = "neon_sql_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        await Database.ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"CREATE DATABASE {_database}", TestContext.CancellationToken);
    }

    [TestCleanup]
    public async Task DropDatabaseAsync()
    {
        Directory.Delete(_folder, recursive: true);
        await Database.ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", TestContext.CancellationToken);
    }

    private Task<int> ApplyAsync() =>
        MigrationRunner.ApplyAsync(new NeonTestingOptions { Migrations = _folder }, ConnectionString, NullLogger.Instance, warn: null, TestContext.CancellationToken);

    private void Write(string name, string sql) => File.WriteAllText(Path.Combine(_folder, name), sql);

    [TestMethod]
    public async Task EfIdempotentScript_WithItsOwnTransactions_Applies_AndAppliesAgainAsANoOp()
    {
        Write("001_ef.sql", EfScripts.Idempotent);
        Write("002_ef_again.sql", EfScripts.Idempotent);

        Assert.AreEqual(2, await ApplyAsync());

        Assert.AreEqual(2L, await Database.ScalarAsync<long>(ConnectionString, "SELECT count(*) FROM \"__EFMigrationsHistory\"", TestContext.CancellationToken));
        Assert.AreEqual("https://example.org/a;b", await Database.ScalarAsync<string>(ConnectionString, "SELECT \"Url\" FROM \"Blogs\" WHERE \"Id\" = 1", TestContext.CancellationToken));
        Assert.AreEqual(8L, await Database.ScalarAsync<long>(ConnectionString, "SELECT sum(\"Rating\") FROM \"Blogs\"", TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task CreateIndexConcurrently_AndVacuum_Apply()
    {
        Write("001_table.sql", "CREATE TABLE items (id int PRIMARY KEY, name text);\nINSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 100) g;\n");
        Write("002_index.sql", "-- must run outside a transaction\nCREATE INDEX CONCURRENTLY items_name ON items (name);\nVACUUM ANALYZE items;\n");

        await ApplyAsync();

        Assert.IsTrue(await Database.ScalarAsync<bool>(ConnectionString, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_name'::regclass", TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task FilesWithoutTransactionControl_StillRunInOneTransaction()
    {
        Write("001_half.sql", "CREATE TABLE half (id int);\nINSERT INTO half VALUES (1);\nINSERT INTO no_such_table VALUES (1);\n");

        await Assert.ThrowsExactlyAsync<MigrationFailedException>(ApplyAsync);

        Assert.IsNull(await Database.ScalarAsync<string>(ConnectionString, "SELECT to_regclass('half')::text", TestContext.CancellationToken), "the whole file rolled back");
    }

    [TestMethod]
    public async Task ErrorOnLine7_OfASingleStatement_ReportsTheFileAndLine7()
    {
        Write("001_one.sql", "-- one statement over many lines\n\nCREATE TABLE t (\n  id int,\n  a text,\n  b text,\n  c no_such_type\n);\n");

        var error = await Assert.ThrowsExactlyAsync<MigrationFailedException>(ApplyAsync);

        Assert.AreEqual("001_one.sql", error.Migration);
        Assert.AreEqual(7, error.Line);
        StringAssert.Contains(error.Message, "001_one.sql failed at line 7: 42704");
        StringAssert.Contains(error.Message, "7 | c no_such_type");
    }

    [TestMethod]
    [DataRow(false, DisplayName = "in one transaction of ours")]
    [DataRow(true, DisplayName = "run as written")]
    public async Task ErrorOnLine7_InALaterStatement_ReportsLine7(bool ownTransaction)
    {
        var sql = """
            CREATE TABLE a (id int);
            INSERT INTO a VALUES (1);

            /* a comment; with a semicolon */
            INSERT INTO a
              SELECT id
              FROM no_such_table;
            """;
        Write("002_many.sql", ownTransaction ? $"BEGIN;\n{sql}\nCOMMIT;\n" : sql);

        var error = await Assert.ThrowsExactlyAsync<MigrationFailedException>(ApplyAsync);

        var expected = ownTransaction ? 8 : 7;
        Assert.AreEqual(expected, error.Line);
        StringAssert.Contains(error.Message, $"002_many.sql failed at line {expected}: 42P01");
        StringAssert.Contains(error.Message, "no_such_table");
    }

    [TestMethod]
    public async Task ErrorInsideADoBlock_ReportsTheLineInTheBody()
    {
        Write("003_do.sql", "START TRANSACTION;\nDO $EF$\nBEGIN\n    IF true THEN\n    PERFORM 1 / 0;\n    END IF;\nEND $EF$;\nCOMMIT;\n");

        var error = await Assert.ThrowsExactlyAsync<MigrationFailedException>(ApplyAsync);

        Assert.AreEqual(5, error.Line);
        StringAssert.Contains(error.Message, "22012");
    }

    [TestMethod]
    public async Task ErrorWithoutAPosition_ReportsTheFailingStatementsLine()
    {
        Write("004_dup.sql", "CREATE TABLE u (id int PRIMARY KEY);\n\nINSERT INTO u VALUES (1);\nINSERT INTO u\n  VALUES (1);\n");

        var error = await Assert.ThrowsExactlyAsync<MigrationFailedException>(ApplyAsync);

        Assert.AreEqual(4, error.Line);
        StringAssert.Contains(error.Message, "in the statement at line 4: 23505");
    }

    [TestMethod]
    public async Task TransactionTheFileNeverEnds_FailsBeforeRunning_NamingItsLine()
    {
        Write("005_open.sql", "CREATE TABLE before_open (id int);\nBEGIN;\nCREATE TABLE inside (id int);\n");

        var error = await Assert.ThrowsExactlyAsync<MigrationFailedException>(ApplyAsync);

        Assert.AreEqual(2, error.Line);
        StringAssert.Contains(error.Message, "never ends");
        Assert.IsNull(await Database.ScalarAsync<string>(ConnectionString, "SELECT to_regclass('before_open')::text", TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task ErrorInTheSecondFile_NamesThatFile_AndKeepsTheFirstApplied()
    {
        Write("001_ok.sql", "CREATE TABLE ok (id int);");
        Write("002_bad.sql", "SELECT 1;\nSELECT 2;\nSELEC 3;");

        var error = await Assert.ThrowsExactlyAsync<MigrationFailedException>(ApplyAsync);

        Assert.AreEqual("002_bad.sql", error.Migration);
        Assert.AreEqual(3, error.Line);
        StringAssert.Contains(error.Message, "42601");
    }

    [TestMethod]
    [DataRow(false, DisplayName = "in one transaction of ours")]
    [DataRow(true, DisplayName = "run as written")]
    public async Task Timeout_IsNotAPostgresError_ButStillNamesTheFile(bool asWritten)
    {
        var sql = (asWritten ? "BEGIN;\n" : "") + "SELECT 1;\nSELECT pg_sleep(10);\n" + (asWritten ? "COMMIT;\n" : "");
        await using var connection = new NpgsqlConnection(ConnectionString + ";Pooling=false");
        await connection.OpenAsync(TestContext.CancellationToken);

        var error = await Assert.ThrowsExactlyAsync<MigrationFailedException>(() =>
            SqlFileMigration.ApplyAsync(connection, "slow.sql", SqlScript.Parse(sql), TimeSpan.FromSeconds(1), TestContext.CancellationToken));

        Assert.AreEqual("slow.sql", error.Migration);
        StringAssert.Contains(error.Message, "Migration slow.sql failed");
        StringAssert.Contains(error.Message, "did not finish within 1 s");
        if (asWritten)
        {
            Assert.AreEqual(3, error.Line);
        }
    }
}
