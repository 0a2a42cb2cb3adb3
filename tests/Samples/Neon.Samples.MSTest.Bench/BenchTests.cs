using Npgsql;

namespace Neon.Samples.MSTest.Bench;

/// <summary>
/// 200 tests that only read, and 200 that write, for measuring what isolation costs per test
/// (run each category with the extension on, then with --neon-enabled false against a fixed database).
/// </summary>
[TestClass]
public sealed class BenchTests
{
    public static IEnumerable<object[]> Cases => Enumerable.Range(1, 200).Select(i => new object[] { i });

    private static string Url => Environment.GetEnvironmentVariable("DATABASE_URL") ?? throw new InvalidOperationException("DATABASE_URL is not set.");

    /// <summary>One reading test: the fixed cost of a session (start, first branch, teardown) without per-test work.</summary>
    [TestMethod, TestCategory("single")]
    public Task Single() => Reads(1);

    [TestMethod, TestCategory("clean")]
    [DynamicData(nameof(Cases))]
    public async Task Reads(int i)
    {
        await using var connection = new NpgsqlConnection(Url);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM colors WHERE id <= $1", connection);
        command.Parameters.AddWithValue(i);
        Assert.IsGreaterThanOrEqualTo(0L, (long)(await command.ExecuteScalarAsync())!);
    }

    [TestMethod, TestCategory("writing")]
    [DynamicData(nameof(Cases))]
    public async Task Writes(int i)
    {
        await using var connection = new NpgsqlConnection(Url);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("INSERT INTO items (name) VALUES ($1)", connection);
        command.Parameters.AddWithValue($"row {i}");
        await command.ExecuteNonQueryAsync();
    }
}
