using Npgsql;

namespace Neon.Testing.Engine.Tests;

/// <summary>Small query shortcuts for assertions.</summary>
internal static class Database
{
    public static async Task<T?> ScalarAsync<T>(string connectionString, string sql, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<bool> ExistsAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(TestPostgres.Server.AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = $1", connection);
        command.Parameters.AddWithValue(database);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }

    public static Task<HashSet<string>> OurDatabasesAsync(CancellationToken cancellationToken = default) =>
        NamesAsync("SELECT datname FROM pg_database WHERE starts_with(datname, 'neon-testing/')", null, cancellationToken);

    public static Task<HashSet<string>> OwnedDatabasesAsync(string role, CancellationToken cancellationToken = default) =>
        NamesAsync("SELECT datname FROM pg_database WHERE pg_get_userbyid(datdba) = $1", role, cancellationToken);

    private static async Task<HashSet<string>> NamesAsync(string sql, string? parameter, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(TestPostgres.Server.AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        if (parameter is not null)
        {
            command.Parameters.AddWithValue(parameter);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    public static string Admin(string database) => new NpgsqlConnectionStringBuilder(TestPostgres.Server.AdminConnectionString) { Database = database }.ConnectionString;
}
