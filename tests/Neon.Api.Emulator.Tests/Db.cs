using Npgsql;

namespace Neon.Api.Emulator.Tests;

/// <summary>Short SQL helpers over real connections.</summary>
internal static class Db
{
    public static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Runs <paramref name="sql"/>; <c>@p</c> in it binds <paramref name="parameter"/>.</summary>
    public static async Task<T> ScalarAsync<T>(string connectionString, string sql, CancellationToken cancellationToken, object? parameter = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        if (parameter is not null)
        {
            command.Parameters.AddWithValue("p", parameter);
        }

        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Superuser query against the server behind the emulators (to look behind the API).</summary>
    public static Task<T> AdminScalarAsync<T>(string sql, CancellationToken cancellationToken, object? parameter = null) =>
        ScalarAsync<T>(TestPostgres.Server.AdminConnectionString, sql, cancellationToken, parameter);
}
