using Neon.Testing;
using Xunit;
using Npgsql;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Neon.Samples.Xunit;

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
    [Fact] public Task Insert_First() => InsertIntoCleanTableAsync();
    [Fact] public Task Insert_Second() => InsertIntoCleanTableAsync();
    [Fact] public Task Insert_Third() => InsertIntoCleanTableAsync();
    [Fact] public Task SeedRows_Deleted_First() => DeleteSeedRowsAsync();
    [Fact] public Task SeedRows_Deleted_Second() => DeleteSeedRowsAsync();

    [Fact]
    public async Task Failing_AfterInsert()
    {
        await Db.ExecuteAsync(Db.Url, "INSERT INTO items (name) VALUES ('left by a failing test')");
        Assert.Fail("Deliberate failure: its row must still be cleaned up.");
    }

    private static async Task InsertIntoCleanTableAsync()
    {
        Assert.Equal(0L, await Db.CountAsync(Db.Url, "items"));
        await Db.ExecuteAsync(Db.Url, "INSERT INTO items (name) VALUES ('mine')");
        Assert.Equal(1L, await Db.CountAsync(Db.Url, "items"));
    }

    private static async Task DeleteSeedRowsAsync()
    {
        Assert.Equal(3L, await Db.CountAsync(Db.Url, "colors"));
        await Db.ExecuteAsync(Db.Url, "DELETE FROM colors");
    }
}

[ReadOnly]
public sealed class ReadOnlyTests
{
    [Fact]
    public async Task Writes_FailInTheDatabase()
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(NeonDatabase.ConnectionString, "INSERT INTO items (name) VALUES ('nope')"));
        Assert.Equal("25006", error.SqlState);
    }
}

[Shared]
public sealed class SharedTests
{
    private static int _written;

    [Fact] public Task Keeps_Data_First() => AccumulateAsync();
    [Fact] public Task Keeps_Data_Second() => AccumulateAsync();

    private static async Task AccumulateAsync()
    {
        await Db.ExecuteAsync(NeonDatabase.ConnectionString, "INSERT INTO items (name) VALUES ('shared')");
        Assert.Equal(++_written, await Db.CountAsync(NeonDatabase.ConnectionString, "items"));
    }
}
