using Npgsql;

namespace Neon.Testing.Faults.Tests.Safety;

/// <summary>
/// Databases that are not ours, made on the test cluster behind the product's back, and a fingerprint of each (rows,
/// their checksum, the comment) to prove afterwards that nothing touched them.
/// </summary>
internal static class ForeignDatabases
{
    public static async Task CreateAsync(string name, string? comment, CancellationToken cancellationToken)
    {
        await ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"CREATE DATABASE {Quote(name)}", cancellationToken);
        if (comment is not null)
        {
            await ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"COMMENT ON DATABASE {Quote(name)} IS '{comment.Replace("'", "''", StringComparison.Ordinal)}'", cancellationToken);
        }

        await ExecuteAsync(On(name), "CREATE TABLE precious (id int PRIMARY KEY, note text); INSERT INTO precious SELECT g, 'row ' || g FROM generate_series(1, 25) g", cancellationToken);
    }

    /// <summary>What must not change: existence, comment, the precious table's rows and checksum.</summary>
    public static async Task<string> FingerprintAsync(string name, CancellationToken cancellationToken)
    {
        await using var admin = new NpgsqlConnection(TestPostgres.Server.AdminConnectionString);
        await admin.OpenAsync(cancellationToken);
        await using var find = new NpgsqlCommand("SELECT coalesce(shobj_description(oid, 'pg_database'), '-') FROM pg_database WHERE datname = $1", admin);
        find.Parameters.AddWithValue(name);
        if (await find.ExecuteScalarAsync(cancellationToken) is not string comment)
        {
            return "missing";
        }

        await using var connection = new NpgsqlConnection(On(name));
        await connection.OpenAsync(cancellationToken);
        await using var rows = new NpgsqlCommand(
            "SELECT count(*) || ':' || coalesce(md5(string_agg(id || note, ',' ORDER BY id)), '') FROM precious", connection);
        var content = (string)(await rows.ExecuteScalarAsync(cancellationToken))!;
        return $"{comment}|{content}";
    }

    public static async Task DropAsync(string name)
    {
        await ExecuteAsync(TestPostgres.Server.AdminConnectionString, $"DROP DATABASE IF EXISTS {Quote(name)} WITH (FORCE)", CancellationToken.None);
    }

    public static string On(string database) =>
        new NpgsqlConnectionStringBuilder(TestPostgres.Server.AdminConnectionString) { Database = database, Pooling = false }.ConnectionString;

    public static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
