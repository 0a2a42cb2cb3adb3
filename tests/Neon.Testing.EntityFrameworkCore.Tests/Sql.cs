using Npgsql;

namespace Neon.Testing.EntityFrameworkCore.Tests;

/// <summary>Query shortcuts for assertions, beside EF (what is in the database, not what EF thinks).</summary>
internal static class Sql
{
    public static async Task<long> CountAsync(string connectionString, string table, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM \"{table}\"", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public static async Task<bool> TableExistsAsync(string connectionString, string table, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT to_regclass(quote_ident($1)) IS NOT NULL", connection);
        command.Parameters.AddWithValue(table);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
