using Neon.Testing;
using Npgsql;
using Xunit;

namespace Neon.Samples.Xunit;

// Three classes = three xUnit collections; run with --parallel collections they overlap, and each
// test must find only its own rows in the branch NeonDatabase hands it.
[Trait("Category", "parallel")]
public sealed class ParallelA
{
    [Fact] public Task One() => Parallel.OwnRowsOnlyAsync("a1");
    [Fact] public Task Two() => Parallel.OwnRowsOnlyAsync("a2");
}

[Trait("Category", "parallel")]
public sealed class ParallelB
{
    [Fact] public Task One() => Parallel.OwnRowsOnlyAsync("b1");
    [Fact] public Task Two() => Parallel.OwnRowsOnlyAsync("b2");
}

[Trait("Category", "parallel")]
public sealed class ParallelC
{
    [Fact] public Task One() => Parallel.OwnRowsOnlyAsync("c1");
    [Fact] public Task Two() => Parallel.OwnRowsOnlyAsync("c2");
}

internal static class Parallel
{
    public static async Task OwnRowsOnlyAsync(string marker)
    {
        await using var connection = new NpgsqlConnection(NeonDatabase.ConnectionString);
        await connection.OpenAsync();
        await using (var insert = new NpgsqlCommand("INSERT INTO items (name) VALUES ($1)", connection))
        {
            insert.Parameters.AddWithValue(marker);
            await insert.ExecuteNonQueryAsync();
        }

        await Task.Delay(300);
        await using var names = new NpgsqlCommand("SELECT string_agg(name, ',') FROM items", connection);
        Assert.Equal(marker, (string?)await names.ExecuteScalarAsync());
    }
}
