using System.Diagnostics;
using Neon.Testing.Engine.Isolation;
using Npgsql;

namespace Neon.Testing.Benchmarks;

/// <summary>Databases of one benchmark run on the embedded cluster; all of them are dropped at the end.</summary>
internal sealed class BenchCluster(string adminConnectionString, string prefix) : IAsyncDisposable
{
    private readonly List<string> _databases = [];
    private readonly List<string> _roles = [];
    private string _rolePassword = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    /// <summary>
    /// The same cluster reached through another port (the latency proxy): databases it creates get <paramref name="suffix"/>
    /// in their prefix and are dropped with it; roles, their password and the clone strategy are shared.
    /// </summary>
    public BenchCluster Through(int port, string suffix) => new(new NpgsqlConnectionStringBuilder(adminConnectionString) { Port = port }.ConnectionString, prefix + suffix)
    {
        _rolePassword = _rolePassword,
        CloneStrategy = CloneStrategy,
    };

    public string Prefix => prefix;

    /// <summary>Whether CREATE DATABASE ... STRATEGY FILE_COPY beat the default WAL_LOG here (set by <see cref="CalibrateCloneAsync"/>).</summary>
    public string CloneStrategy { get; private set; } = "WAL_LOG";

    public string ConnectionString(string database, bool pooling = true) => new NpgsqlConnectionStringBuilder(adminConnectionString)
    {
        Database = database,
        Pooling = pooling,
    }.ConnectionString;

    public async Task ExecuteAsync(string database, string sql, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database, pooling: false));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<string> ScalarAsync(string database, string sql, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database, pooling: false));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    public async Task CreateAsync(string database, string? template = null, CancellationToken cancellationToken = default, string? owner = null)
    {
        if (!_databases.Contains(database))
        {
            _databases.Add(database);
        }

        var from = template is null ? "" : $" TEMPLATE {Quote(template)} STRATEGY {CloneStrategy}";
        var by = owner is null ? "" : $" OWNER {Quote(owner)}";
        await ExecuteAsync("postgres", $"CREATE DATABASE {Quote(database)}{from}{by}", cancellationToken);
    }

    /// <summary>A login role that is not a superuser (dropped at the end), like Neon's neondb_owner.</summary>
    public async Task<string> CreateOwnerRoleAsync(CancellationToken cancellationToken)
    {
        var role = prefix + "_owner";
        await ExecuteAsync("postgres", $"CREATE ROLE {Quote(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{_rolePassword}'", cancellationToken);
        _roles.Add(role);
        return role;
    }

    /// <summary>Makes <paramref name="role"/> a superuser or takes that away again.</summary>
    public Task SetSuperuserAsync(string role, bool superuser, CancellationToken cancellationToken)
        => ExecuteAsync("postgres", $"ALTER ROLE {Quote(role)} {(superuser ? "SUPERUSER" : "NOSUPERUSER")}", cancellationToken);

    public string RoleConnectionString(string database, string role, bool pooling = true) => new NpgsqlConnectionStringBuilder(adminConnectionString)
    {
        Database = database,
        Username = role,
        Password = _rolePassword,
        Pooling = pooling,
    }.ConnectionString;

    /// <summary>
    /// The re-clone every strategy that resets a whole branch uses: drop the database, clone the template again.
    /// DROP DATABASE ... WITH (FORCE) waits in 100 ms steps while any backend is still connected or exiting; with
    /// <paramref name="waitForBackends"/> the database's backends are terminated and waited for (1 ms polls) first.
    /// </summary>
    public async Task RecloneAsync(NpgsqlConnection admin, string database, string template, CancellationToken cancellationToken = default, string? owner = null, bool waitForBackends = false)
    {
        if (waitForBackends)
        {
            await TerminateAndWaitAsync(admin, database, cancellationToken);
        }

        await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Quote(database)} WITH (FORCE)", admin))
        {
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        var by = owner is null ? "" : $" OWNER {Quote(owner)}";
        await using var create = new NpgsqlCommand($"CREATE DATABASE {Quote(database)} TEMPLATE {Quote(template)} STRATEGY {CloneStrategy}{by}", admin) { CommandTimeout = 300 };
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task TerminateAndWaitAsync(NpgsqlConnection admin, string database, CancellationToken cancellationToken)
    {
        await using (var terminate = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", admin))
        {
            terminate.Parameters.Add(new() { Value = database });
            await terminate.ExecuteScalarAsync(cancellationToken);
        }

        await using (var remaining = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", admin))
        {
            remaining.Parameters.Add(new() { Value = database });
            var waited = Stopwatch.StartNew();
            while ((long)(await remaining.ExecuteScalarAsync(cancellationToken))! > 0 && waited.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(1, cancellationToken);
            }
        }

    }

    /// <summary>Picks the faster clone strategy on this machine, so the re-clone baseline is not handicapped.</summary>
    public async Task<string> CalibrateCloneAsync(string template, CancellationToken cancellationToken)
    {
        await using var admin = new NpgsqlConnection(ConnectionString("postgres", pooling: false));
        await admin.OpenAsync(cancellationToken);
        var probe = $"{prefix}_calibrate";
        _databases.Add(probe);
        var timings = new Dictionary<string, double>();
        foreach (var strategy in new[] { "WAL_LOG", "FILE_COPY" })
        {
            CloneStrategy = strategy;
            var samples = new List<double>();
            for (var i = 0; i < 4; i++)
            {
                var stopwatch = Stopwatch.StartNew();
                await RecloneAsync(admin, probe, template, cancellationToken);
                samples.Add(stopwatch.Elapsed.TotalMilliseconds);
            }

            samples.Sort();
            timings[strategy] = samples[1];
        }

        CloneStrategy = timings.MinBy(t => t.Value).Key;
        return string.Join(", ", timings.Select(t => $"{t.Key} {t.Value:0} ms"));
    }

    public async Task<DatabaseSnapshot> SnapshotAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database, pooling: false));
        await connection.OpenAsync(cancellationToken);
        return await DatabaseSnapshot.TakeAsync(connection, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var database in Enumerable.Reverse(_databases))
        {
            try
            {
                await ExecuteAsync("postgres", $"DROP DATABASE IF EXISTS {Quote(database)} WITH (FORCE)");
            }
            catch (PostgresException e)
            {
                await Console.Error.WriteLineAsync($"warning: could not drop {database}: {e.MessageText}");
            }
        }

        foreach (var role in _roles)
        {
            try
            {
                await ExecuteAsync("postgres", $"DROP ROLE IF EXISTS {Quote(role)}");
            }
            catch (PostgresException e)
            {
                await Console.Error.WriteLineAsync($"warning: could not drop role {role}: {e.MessageText}");
            }
        }
    }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
