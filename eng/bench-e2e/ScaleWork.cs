using Neon.Testing;
using Npgsql;

namespace BenchE2e.Scale;

/// <summary>One isolated test's work: insert a row, then count the rows tests wrote (exactly its own when isolated).</summary>
internal static class ScaleWork
{
    private static readonly bool Isolated = Environment.GetEnvironmentVariable("BENCH_E2E_ISOLATED") == "1";

    public static async Task RunAsync(string test)
    {
        await using var connection = new NpgsqlConnection(NeonDatabase.ConnectionString);
        await connection.OpenAsync();
        await using (var insert = new NpgsqlCommand("INSERT INTO items (test) VALUES ($1)", connection))
        {
            insert.Parameters.AddWithValue(test);
            await insert.ExecuteNonQueryAsync();
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM items WHERE test NOT LIKE 'seed-%'", connection);
        var written = (long)(await count.ExecuteScalarAsync())!;
        if (Isolated && written != 1)
        {
            throw new InvalidOperationException($"{test} sees {written} rows written by tests; it should see only its own.");
        }
    }
}
