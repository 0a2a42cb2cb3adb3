using Npgsql;

namespace Neon.Testing.NeonCloud.Tests;

/// <summary>Plain pooled Npgsql access, as a test under the SDK would do it: a dead pooled connection after a reset would show here.</summary>
internal static class Db
{
    public static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public static async Task<IReadOnlyList<string>> ColumnAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    /// <summary>The seed names in <c>customers</c>, in id order: the migrated state is exactly <c>seed-1, seed-2</c>.</summary>
    public static Task<IReadOnlyList<string>> CustomersAsync(string connectionString, CancellationToken cancellationToken) =>
        ColumnAsync(connectionString, "SELECT name FROM customers ORDER BY id", cancellationToken);
}
