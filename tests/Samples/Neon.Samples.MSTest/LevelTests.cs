using Neon.Testing;
using Npgsql;

namespace Neon.Samples.MSTest;

[TestClass]
[ReadOnly]
public sealed class ReadOnlyTests
{
    [TestMethod]
    public async Task Reads_TheMigratedData()
    {
        Assert.AreEqual(3L, await Db.CountAsync(NeonDatabase.ConnectionString, "colors"));
    }

    [TestMethod]
    public async Task Writes_FailInTheDatabase()
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(NeonDatabase.ConnectionString, "INSERT INTO items (name) VALUES ('nope')"));
        Assert.AreEqual("25006", error.SqlState, "expected read_only_sql_transaction");
    }
}

[TestClass]
[Shared]
public sealed class SharedTests
{
    private static int _written;

    [TestMethod]
    public async Task Keeps_Data_First() => await AccumulateAsync();

    [TestMethod]
    public async Task Keeps_Data_Second() => await AccumulateAsync();

    private static async Task AccumulateAsync()
    {
        await Db.ExecuteAsync(NeonDatabase.ConnectionString, "INSERT INTO items (name) VALUES ('shared')");
        Assert.AreEqual(++_written, await Db.CountAsync(NeonDatabase.ConnectionString, "items"), "the shared branch did not keep the earlier shared test's row");
    }
}

[TestClass]
[PerClass]
public sealed class PerClassTests
{
    private static int _written;

    [TestMethod]
    public async Task Keeps_Data_WithinTheClass_First() => await AccumulateAsync();

    [TestMethod]
    public async Task Keeps_Data_WithinTheClass_Second() => await AccumulateAsync();

    private static async Task AccumulateAsync()
    {
        await Db.ExecuteAsync(NeonDatabase.ConnectionString, "INSERT INTO items (name) VALUES ('per-class')");
        Assert.AreEqual(++_written, await Db.CountAsync(NeonDatabase.ConnectionString, "items"));
    }
}

[TestClass]
public sealed class TransactionTests
{
    [TestMethod]
    [Transaction]
    public async Task Insert_IsRolledBack_First() => await InsertInTransactionAsync();

    [TestMethod]
    [Transaction]
    public async Task Insert_IsRolledBack_Second() => await InsertInTransactionAsync();

    private static async Task InsertInTransactionAsync()
    {
        var connection = NeonDatabase.Connection;
        await using (var insert = new NpgsqlCommand("INSERT INTO items (name) VALUES ('tx')", connection))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM items", connection);
        Assert.AreEqual(1L, (long)(await count.ExecuteScalarAsync())!);
    }
}
