using System.Security.Cryptography;
using Neon.Testing.Engine.Isolation;
using Npgsql;

namespace Neon.Testing.Engine.Tests.Isolation;

/// <summary>
/// A throwaway database pair on the test cluster, shaped like a session's branches: a template (the migration branch, where
/// tracking is installed) and a clone of it (the isolated branch the tests write to). The full-reset callback re-clones.
/// Optionally owned by a fresh non-superuser role, like Neon's neondb_owner. Everything is dropped on dispose.
/// </summary>
internal sealed class IsolationDatabase : IAsyncDisposable
{
    private readonly string _suffix = Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
    private readonly List<string> _roles = [];
    private readonly string _password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    private IsolationDatabase(bool asOwner)
    {
        AsOwner = asOwner;
        TemplateName = $"neon_iso_{_suffix}_tpl";
        Name = $"neon_iso_{_suffix}";
        OwnerRole = asOwner ? $"neon_iso_owner_{_suffix}" : "postgres";
    }

    public bool AsOwner { get; }

    public string TemplateName { get; }

    public string Name { get; }

    public string OwnerRole { get; }

    public TrackingInstallation Installation { get; private set; } = null!;

    public int FullResets { get; private set; }

    /// <summary>Connection string of the clone for the role the tests (and the tracker) use.</summary>
    public string ConnectionString => ConnectionFor(Name, pooling: true);

    /// <summary>Superuser connection string of the clone.</summary>
    public string AdminConnectionString => new NpgsqlConnectionStringBuilder(TestPostgres.Server.AdminConnectionString) { Database = Name }.ConnectionString;

    public static async Task<IsolationDatabase> CreateAsync(string schemaSql, bool asOwner, TrackingScope? options = null, string? adminSetupSql = null, CancellationToken cancellationToken = default)
    {
        var database = new IsolationDatabase(asOwner);
        try
        {
            await database.InitializeAsync(schemaSql, options, adminSetupSql, cancellationToken);
            return database;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>The full-reset callback handed to the tracker: drop the clone and clone the template again.</summary>
    public async Task FullResetAsync(CancellationToken cancellationToken)
    {
        FullResets++;
        await CloneAsync(cancellationToken);
    }

    public Task<ChangeTracker> AttachAsync(RestoreOptions? options = null, CancellationToken cancellationToken = default)
        => ChangeTracker.AttachAsync(ConnectionString, FullResetAsync, options ?? new RestoreOptions(), logger: null, cancellationToken);

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(ConnectionFor(Name, pooling: false));
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public async Task<DatabaseSnapshot> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        return await DatabaseSnapshot.TakeAsync(connection, cancellationToken);
    }

    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<T> ScalarAsync<T>(string sql, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Creates another login role (dropped on dispose) and returns its name.</summary>
    public async Task<string> CreateRoleAsync(string label, CancellationToken cancellationToken = default)
    {
        var role = $"neon_iso_{label}_{_suffix}";
        await AdminAsync("postgres", $"CREATE ROLE {Quote(role)} LOGIN PASSWORD '{_password}'", cancellationToken);
        _roles.Add(role);
        return role;
    }

    public string ConnectionFor(string database, bool pooling, string? role = null) => new NpgsqlConnectionStringBuilder(TestPostgres.Server.AdminConnectionString)
    {
        Database = database,
        Username = role ?? OwnerRole,
        Password = role is null && !AsOwner ? new NpgsqlConnectionStringBuilder(TestPostgres.Server.AdminConnectionString).Password : _password,
        Pooling = pooling,
    }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await AdminAsync("postgres", $"DROP DATABASE IF EXISTS {Quote(Name)} WITH (FORCE)", CancellationToken.None);
        await AdminAsync("postgres", $"DROP DATABASE IF EXISTS {Quote(TemplateName)} WITH (FORCE)", CancellationToken.None);
        foreach (var role in Enumerable.Reverse(_roles))
        {
            await AdminAsync("postgres", $"DROP ROLE IF EXISTS {Quote(role)}", CancellationToken.None);
        }
    }

    private async Task InitializeAsync(string schemaSql, TrackingScope? options, string? adminSetupSql, CancellationToken cancellationToken)
    {
        if (AsOwner)
        {
            await AdminAsync("postgres", $"CREATE ROLE {Quote(OwnerRole)} LOGIN PASSWORD '{_password}' NOSUPERUSER NOCREATEDB NOCREATEROLE", cancellationToken);
            _roles.Add(OwnerRole);
        }

        await AdminAsync("postgres", $"CREATE DATABASE {Quote(TemplateName)} OWNER {Quote(OwnerRole)}", cancellationToken);
        await using (var connection = new NpgsqlConnection(ConnectionFor(TemplateName, pooling: false)))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(schemaSql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        if (adminSetupSql is not null)
        {
            await AdminAsync(TemplateName, adminSetupSql, cancellationToken);
        }

        Installation = await TrackingInstaller.InstallAsync(ConnectionFor(TemplateName, pooling: false), options, cancellationToken);
        await CloneAsync(cancellationToken);
    }

    private async Task CloneAsync(CancellationToken cancellationToken)
    {
        await AdminAsync("postgres", $"DROP DATABASE IF EXISTS {Quote(Name)} WITH (FORCE)", cancellationToken);
        await AdminAsync("postgres", $"CREATE DATABASE {Quote(Name)} TEMPLATE {Quote(TemplateName)} OWNER {Quote(OwnerRole)}", cancellationToken);
    }

    public async Task AdminAsync(string database, string sql, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(TestPostgres.Server.AdminConnectionString) { Database = database, Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
