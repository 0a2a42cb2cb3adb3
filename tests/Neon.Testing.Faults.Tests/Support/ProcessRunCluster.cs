using Npgsql;

namespace Neon.Testing.Faults.Tests.Support;

/// <summary>What a fault case sees on a server with its superuser: our databases and roles, and what runs there.</summary>
public sealed class ProcessRunCluster(string adminConnectionString)
{
    /// <summary>The suite's cluster (<see cref="TestPostgres"/>).</summary>
    public static ProcessRunCluster Suite => new(TestPostgres.Server.AdminConnectionString);

    public string AdminConnectionString { get; } = adminConnectionString;

    /// <summary>Databases with our prefix, except migrated templates (complete or being built).</summary>
    public Task<List<string>> SessionDatabasesAsync() =>
        NamesAsync("SELECT datname FROM pg_database WHERE starts_with(datname, 'neon-testing/') AND NOT starts_with(datname, 'neon-testing/template-') ORDER BY 1");

    /// <summary>Templates, complete or being built (not their spares, the clean copies sessions pass on to the next).</summary>
    public Task<List<string>> TemplatesAsync() =>
        NamesAsync("SELECT datname FROM pg_database WHERE starts_with(datname, 'neon-testing/template-') AND strpos(datname, '.spare-') = 0 ORDER BY 1");

    /// <summary>Roles with our prefix (the read-only endpoints' logins).</summary>
    public Task<List<string>> RolesAsync() =>
        NamesAsync("SELECT rolname FROM pg_roles WHERE starts_with(rolname, 'neon-testing/') ORDER BY 1");

    /// <summary>Everything of ours that is not a template: databases and roles.</summary>
    public async Task<List<string>> LitterAsync() => [.. await SessionDatabasesAsync(), .. await RolesAsync()];

    /// <summary>Whether a client backend runs a statement containing <paramref name="text"/> (other than this query).</summary>
    public async Task<bool> IsRunningAsync(string text)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND strpos(query, $1) > 0 AND pid <> pg_backend_pid()", connection);
        command.Parameters.AddWithValue(text);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    /// <summary>Whether a backend in a session's branch (not a template) sleeps in pg_sleep: a gate holds it.</summary>
    public async Task<bool> IsSleepingInABranchAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND starts_with(datname, 'neon-testing/') AND NOT starts_with(datname, 'neon-testing/template-')", connection);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Removes what a case left on purpose or by failure: databases and roles named (all ours by prefix).</summary>
    public async Task DropAsync(IEnumerable<string> names)
    {
        var list = names.ToList();
        var roles = await RolesAsync();
        foreach (var name in list.Where(n => n.StartsWith("neon-testing/", StringComparison.Ordinal)))
        {
            var quoted = "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            await ExecuteAsync(roles.Contains(name) ? $"DROP ROLE IF EXISTS {quoted}" : $"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)");
        }
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(AdminConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private async Task<List<string>> NamesAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
