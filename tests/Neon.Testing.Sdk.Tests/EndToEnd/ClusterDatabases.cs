using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine.Providers.Local;
using Npgsql;

namespace Neon.Testing.Sdk.Tests.EndToEnd;

/// <summary>
/// What the end-to-end runs left on the embedded PostgreSQL they share with this process
/// (NEON_LOCAL_DATA_DIR, or the default cluster): databases and roles under one project's prefix.
/// </summary>
internal static class ClusterDatabases
{
    private static async Task<NpgsqlConnection> OpenAsync()
    {
        var server = await EmbeddedPostgres.StartAsync(Environment.GetEnvironmentVariable("NEON_LOCAL_DATA_DIR"), NullLogger.Instance);
        var connection = new NpgsqlConnection(server.AdminConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Databases and roles whose names start with <paramref name="prefix"/>.</summary>
    public static async Task<IReadOnlyList<string>> ListAsync(string prefix)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT datname FROM pg_database WHERE starts_with(datname, $1) UNION ALL SELECT 'role ' || rolname FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY 1", connection);
        command.Parameters.AddWithValue(prefix);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>Drops what <see cref="ListAsync"/> finds: only names under the project's unique prefix.</summary>
    public static async Task DropAsync(string prefix)
    {
        if (!prefix.StartsWith("neon-testing/e2e", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Refusing to drop '{prefix}*': not an end-to-end prefix.", nameof(prefix));
        }

        var names = await ListAsync(prefix);
        await using var connection = await OpenAsync();
        foreach (var name in names.Where(n => !n.StartsWith("role ", StringComparison.Ordinal)))
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Quote(name)} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }

        foreach (var role in names.Where(n => n.StartsWith("role ", StringComparison.Ordinal)).Select(n => n["role ".Length..]))
        {
            await using var drop = new NpgsqlCommand($"DROP ROLE IF EXISTS {Quote(role)}", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
