using System.Data.Common;
using Neon.Testing.Engine.Isolation;
using Npgsql;

namespace Neon.Testing.Engine.Tests.Isolation;

[TestClass]
public sealed class OuterTransactionTests
{
    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Token => TestContext.CancellationToken;

    [TestMethod]
    public async Task Dispose_RollsBackEverything_EvenWhenTheTestCommitted()
    {
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner: true, cancellationToken: Token);
        var baseline = await db.SnapshotAsync(Token);

        await using (var test = await OuterTransaction.BeginAsync(db.ConnectionString, Token))
        {
            // Code under test that manages its own transaction through ADO.NET.
            await SaveCustomerAsync(test.DbConnection, "Cy", Token);

            // It sees its own committed writes, on the same connection and through the raw NpgsqlConnection.
            await using var count = new NpgsqlCommand("SELECT count(*) FROM app.customer WHERE name = 'Cy'", test.Connection);
            Assert.AreEqual(1L, await count.ExecuteScalarAsync(Token));

            // Other connections never see them: nothing was really committed.
            Assert.AreEqual(0L, await db.ScalarAsync<long>("SELECT count(*) FROM app.customer WHERE name = 'Cy'", Token));
        }

        AssertSameRows(baseline, await db.SnapshotAsync(Token));
    }

    [TestMethod]
    public async Task Rollback_InsideTheTest_UndoesOnlyItsOwnSavepoint()
    {
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner: false, cancellationToken: Token);
        var baseline = await db.SnapshotAsync(Token);

        await using (var test = await OuterTransaction.BeginAsync(db.ConnectionString, Token))
        {
            await using (var command = new NpgsqlCommand("INSERT INTO app.tag VALUES ('kept', 1)", test.Connection))
            {
                await command.ExecuteNonQueryAsync(Token);
            }

            await using (var inner = await test.BeginTransactionAsync(Token))
            {
                await using var command = test.DbConnection.CreateCommand();
                command.Transaction = inner;
                command.CommandText = "INSERT INTO app.tag VALUES ('dropped', 2)";
                await command.ExecuteNonQueryAsync(Token);
                await inner.RollbackAsync(Token);
            }

            // A failing statement inside a savepoint leaves the outer transaction usable, as it would in autocommit code.
            await using (var failing = test.BeginTransaction())
            {
                await using var command = new NpgsqlCommand("INSERT INTO app.country VALUES ('NL', 'duplicate')", test.Connection);
                await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Token));
            }

            await using var labels = new NpgsqlCommand("SELECT string_agg(label, ',' ORDER BY label) FROM app.tag", test.Connection);
            Assert.AreEqual("a,a,b,kept", await labels.ExecuteScalarAsync(Token));
        }

        AssertSameRows(baseline, await db.SnapshotAsync(Token));
    }

    [TestMethod]
    public async Task DbConnection_SurvivesTheCodeUnderTestClosingAndDisposingIt()
    {
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner: true, cancellationToken: Token);

        await using var test = await OuterTransaction.BeginAsync(db.ConnectionString, Token);
        await using (var connection = test.DbConnection)
        {
            await connection.OpenAsync(Token);
            await using var transaction = await connection.BeginTransactionAsync(Token);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM app.tag";
            Assert.AreEqual(3, await command.ExecuteNonQueryAsync(Token));
            transaction.Commit();
            await connection.CloseAsync();
        }

        Assert.AreEqual(System.Data.ConnectionState.Open, test.Connection.State);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM app.tag", test.Connection);
        Assert.AreEqual(0L, await count.ExecuteScalarAsync(Token));
        Assert.AreEqual(3L, await db.ScalarAsync<long>("SELECT count(*) FROM app.tag", Token));
    }

    [TestMethod]
    public async Task Transaction_DisposedWithoutCommit_RollsBackLikeAnyAdoNetTransaction()
    {
        await using var db = await IsolationDatabase.CreateAsync(ShopSchema.Sql, asOwner: true, cancellationToken: Token);

        await using var test = await OuterTransaction.BeginAsync(db.ConnectionString, Token);
        using (var transaction = test.DbConnection.BeginTransaction())
        {
            using var command = test.DbConnection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "DELETE FROM app.tag";
            command.ExecuteNonQuery();
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM app.tag", test.Connection);
        Assert.AreEqual(3L, await count.ExecuteScalarAsync(Token));
        Assert.ThrowsExactly<ObjectDisposedException>(() =>
        {
            var transaction = test.BeginTransaction();
            transaction.Commit();
            transaction.Commit();
        });
    }

    /// <summary>Rows and schema; sequences advance in any rolled-back transaction, and this level leaves them be (parallel tests share them).</summary>
    private static void AssertSameRows(DatabaseSnapshot expected, DatabaseSnapshot actual)
    {
        var differences = (actual with { Sequences = expected.Sequences }).DifferencesFrom(expected);
        Assert.IsEmpty(differences, string.Join(Environment.NewLine, differences));
    }

    /// <summary>What application code typically looks like: its own transaction, a commit at the end.</summary>
    private static async Task SaveCustomerAsync(DbConnection connection, string name, CancellationToken cancellationToken)
    {
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO app.customer (name, country) VALUES (@name, 'NL')";
            var parameter = insert.CreateParameter();
            parameter.ParameterName = "name";
            parameter.Value = name;
            insert.Parameters.Add(parameter);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        await connection.CloseAsync();
    }
}
