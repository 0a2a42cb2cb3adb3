using Neon.Testing;
using NUnit.Framework;
using Npgsql;

namespace Neon.Samples.NUnit;

internal static class Db
{
    public static string Url => Environment.GetEnvironmentVariable("DATABASE_URL") ?? throw new InvalidOperationException("DATABASE_URL is not set.");

    public static async Task<long> CountAsync(string connectionString, string table)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

public sealed class IsolatedTests
{
    [Test] public Task Insert_First() => InsertIntoCleanTableAsync();
    [Test] public Task Insert_Second() => InsertIntoCleanTableAsync();
    [Test] public Task Insert_Third() => InsertIntoCleanTableAsync();
    [Test] public Task SeedRows_Deleted_First() => DeleteSeedRowsAsync();
    [Test] public Task SeedRows_Deleted_Second() => DeleteSeedRowsAsync();

    [Test]
    public async Task Failing_AfterInsert()
    {
        await Db.ExecuteAsync(Db.Url, "INSERT INTO items (name) VALUES ('left by a failing test')");
        Assert.Fail("Deliberate failure: its row must still be cleaned up.");
    }

    private static async Task InsertIntoCleanTableAsync()
    {
        Assert.That(await Db.CountAsync(Db.Url, "items"), Is.Zero, "items is not empty: an earlier test's row leaked.");
        await Db.ExecuteAsync(Db.Url, "INSERT INTO items (name) VALUES ('mine')");
        Assert.That(await Db.CountAsync(Db.Url, "items"), Is.EqualTo(1));
    }

    private static async Task DeleteSeedRowsAsync()
    {
        Assert.That(await Db.CountAsync(Db.Url, "colors"), Is.EqualTo(3), "seed rows are missing: an earlier test's delete leaked.");
        await Db.ExecuteAsync(Db.Url, "DELETE FROM colors");
    }
}

[ReadOnly]
public sealed class ReadOnlyTests
{
    [Test]
    public void Writes_FailInTheDatabase()
    {
        var error = Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(NeonDatabase.ConnectionString, "INSERT INTO items (name) VALUES ('nope')"));
        Assert.That(error!.SqlState, Is.EqualTo("25006"));
    }
}

[Shared]
public sealed class SharedTests
{
    private static int _written;

    [Test] public Task Keeps_Data_First() => AccumulateAsync();
    [Test] public Task Keeps_Data_Second() => AccumulateAsync();

    private static async Task AccumulateAsync()
    {
        await Db.ExecuteAsync(NeonDatabase.ConnectionString, "INSERT INTO items (name) VALUES ('shared')");
        Assert.That(await Db.CountAsync(NeonDatabase.ConnectionString, "items"), Is.EqualTo(++_written));
    }
}
