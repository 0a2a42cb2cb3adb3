using Npgsql;

namespace Neon.Testing.Engine.Providers.Local;

/// <summary>
/// The provider's administrative connection to the server: our databases and roles found by their marker comments,
/// refusals to touch anything else, DDL, and ending the connections to a database.
/// </summary>
internal sealed class LocalServerAdmin(NpgsqlConnectionStringBuilder server) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource = OwnDataSource.Create(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Pooling = true, MaxPoolSize = 8 }.ConnectionString);

    /// <summary>The connection string this pool was made for (as given, before pooling was set).</summary>
    public string ConnectionString { get; } = server.ConnectionString;

    /// <summary>A command on a pooled admin connection.</summary>
    public NpgsqlCommand CreateCommand(string sql) => _dataSource.CreateCommand(sql);

    /// <summary>A pooled admin connection held by the caller until disposed (session-level locks).</summary>
    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken) => _dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>
    /// Ends the connections to one of our databases and waits until they are gone: DROP ... WITH (FORCE)
    /// would otherwise poll for them in 100 ms steps, which dominated the cost of a full reset.
    /// </summary>
    public async Task DisconnectAsync(string database, CancellationToken cancellationToken)
    {
        await using (var terminate = _dataSource.CreateCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()"))
        {
            terminate.Parameters.AddWithValue(database);
            if ((long)(await terminate.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 0)
            {
                return;
            }
        }

        var waited = System.Diagnostics.Stopwatch.StartNew();
        await using var remaining = _dataSource.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = $1");
        remaining.Parameters.AddWithValue(database);
        while ((long)(await remaining.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0 && waited.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(2, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<DatabaseMarker> RequireMarkedAsync(string database, string action, CancellationToken cancellationToken)
    {
        RequireOurName(database, action);
        var found = await ReadDatabaseAsync(database, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Cannot {action} '{database}': no such database.");
        return found.Marker ?? throw new InvalidOperationException(
            $"Refusing to {action} '{database}': it has our name prefix but not our marker comment, so it was not created by Neon.Testing.Sdk. Nothing was changed.");
    }

    public static void RequireOurName(string database, string action)
    {
        if (!BranchNames.IsOurs(database))
        {
            throw new InvalidOperationException(
                $"Refusing to {action} '{database}': only databases whose names start with '{BranchNames.Prefix}' belong to Neon.Testing.Sdk. Parents and other databases are never modified.");
        }
    }

    public async Task<(string Name, DatabaseMarker? Marker)?> ReadDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1");
        command.Parameters.AddWithValue(database);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return (database, DatabaseMarker.TryParse(reader.IsDBNull(0) ? null : reader.GetString(0)));
    }

    public async Task<List<(string Name, DatabaseMarker Marker)>> ListMarkedAsync(CancellationToken cancellationToken)
    {
        var found = new List<(string, DatabaseMarker)>();
        await using var command = _dataSource.CreateCommand("SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname DESC");
        command.Parameters.AddWithValue(BranchNames.Prefix);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (DatabaseMarker.TryParse(reader.IsDBNull(1) ? null : reader.GetString(1)) is { } marker)
            {
                found.Add((reader.GetString(0), marker));
            }
        }

        return found;
    }

    public async Task<bool> IsOurRoleAsync(string role, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = $1");
        command.Parameters.AddWithValue(role);
        var comment = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        return BranchNames.IsOurs(role) && DatabaseMarker.TryParse(comment) is not null;
    }

    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken, bool ignoreDuplicate = false)
    {
        await using var command = _dataSource.CreateCommand(sql);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (ignoreDuplicate && e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
