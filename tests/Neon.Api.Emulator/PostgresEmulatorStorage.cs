using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Neon.Api.Emulator;

/// <summary>
/// <see cref="IEmulatorStorage"/> on a PostgreSQL server reached with a superuser (or CREATEDB and
/// CREATEROLE) connection string: databases cloned with <c>CREATE DATABASE ... TEMPLATE</c>, all named
/// <c>neonemu_&lt;instance&gt;_...</c>. The instance holds an advisory lock for its lifetime, so a later
/// instance can tell the leftovers of a crashed one (lock free) from a live neighbour's (lock held).
/// </summary>
internal sealed class PostgresEmulatorStorage : IEmulatorStorage
{
    private const string Family = "neonemu_";

    // pg_advisory_lock(int4, int4): the first key marks our family, the second is the instance.
    private const int LockClass = 0x4E454F4E;

    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(50);

    private readonly NpgsqlDataSource _admin;
    private readonly NpgsqlConnection _lockConnection;
    private readonly string _adminConnectionString;
    private readonly string _prefix;
    private readonly TimeSpan _sourceGrace;
    private readonly ILogger _logger;
    private int _counter;

    private PostgresEmulatorStorage(NpgsqlDataSource admin, NpgsqlConnection lockConnection, string adminConnectionString, string prefix, TimeSpan sourceGrace, ILogger logger)
    {
        _admin = admin;
        _lockConnection = lockConnection;
        _adminConnectionString = adminConnectionString;
        _prefix = prefix;
        _sourceGrace = sourceGrace;
        _logger = logger;
        var builder = new NpgsqlConnectionStringBuilder(adminConnectionString);
        Host = builder.Host ?? "127.0.0.1";
        Port = builder.Port;
        ServerVersion = lockConnection.PostgreSqlVersion.Major;
        OwnerRole = prefix + "owner";
        ReaderRole = prefix + "reader";
    }

    public string Host { get; }

    public int Port { get; }

    public int ServerVersion { get; }

    public string OwnerRole { get; }

    public string ReaderRole { get; }

    /// <summary>Connects, takes this instance's lock, clears crashed instances' leftovers and creates the two roles.</summary>
    public static async Task<PostgresEmulatorStorage> CreateAsync(string adminConnectionString, string rolePassword, TimeSpan sourceGrace, ILogger logger, CancellationToken cancellationToken = default)
    {
        var instance = RandomNumberGenerator.GetInt32(1, int.MaxValue);
        var prefix = $"{Family}{instance:x8}_";
        var pooled = new NpgsqlConnectionStringBuilder(adminConnectionString) { Pooling = true, MaxPoolSize = 8 }.ConnectionString;
        var admin = NpgsqlDataSource.Create(pooled);
        var lockConnection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(adminConnectionString) { Pooling = false }.ConnectionString);
        PostgresEmulatorStorage? storage = null;
        try
        {
            await lockConnection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (var command = new NpgsqlCommand("SELECT pg_advisory_lock(@c, @k)", lockConnection))
            {
                command.Parameters.AddWithValue("c", LockClass);
                command.Parameters.AddWithValue("k", instance);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            storage = new PostgresEmulatorStorage(admin, lockConnection, adminConnectionString, prefix, sourceGrace, logger);
            await storage.SweepCrashedInstancesAsync(instance, cancellationToken).ConfigureAwait(false);
            await storage.ExecuteAsync(
                $"CREATE ROLE {Sql.Identifier(storage.OwnerRole)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {Sql.Literal(rolePassword)}",
                cancellationToken).ConfigureAwait(false);
            await storage.ExecuteAsync(
                $"CREATE ROLE {Sql.Identifier(storage.ReaderRole)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {Sql.Literal(rolePassword)}",
                cancellationToken).ConfigureAwait(false);

            // A read-only compute answers writes with 25006 (read-only transaction); the missing grants back it up.
            await storage.ExecuteAsync($"ALTER ROLE {Sql.Identifier(storage.ReaderRole)} SET default_transaction_read_only = on", cancellationToken).ConfigureAwait(false);
            return storage;
        }
        catch
        {
            if (storage is not null)
            {
                await storage.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                await lockConnection.DisposeAsync().ConfigureAwait(false);
                await admin.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    public string NewDatabaseName() => $"{_prefix}db{Interlocked.Increment(ref _counter)}";

    public async Task CreateEmptyAsync(string database, CancellationToken cancellationToken = default)
    {
        // template0: the shared cluster's template1 may hold whatever someone put there.
        await ExecuteAsync($"CREATE DATABASE {Sql.Identifier(database)} OWNER {Sql.Identifier(OwnerRole)} TEMPLATE template0", cancellationToken).ConfigureAwait(false);
        await MarkAsync(database, cancellationToken).ConfigureAwait(false);

        // Default privileges live in the database, so every clone inherits them: the reader sees whatever the owner creates later.
        var inDatabase = new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = database, Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(inDatabase);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var owner = Sql.Identifier(OwnerRole);
        var reader = Sql.Identifier(ReaderRole);
        await using var command = new NpgsqlCommand(
            $"""
            ALTER DEFAULT PRIVILEGES FOR ROLE {owner} GRANT SELECT ON TABLES TO {reader};
            ALTER DEFAULT PRIVILEGES FOR ROLE {owner} GRANT SELECT ON SEQUENCES TO {reader};
            ALTER DEFAULT PRIVILEGES FOR ROLE {owner} GRANT USAGE ON SCHEMAS TO {reader};
            """,
            connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task CloneAsync(string database, string source, CancellationToken cancellationToken = default)
    {
        var sql = $"CREATE DATABASE {Sql.Identifier(database)} OWNER {Sql.Identifier(OwnerRole)} TEMPLATE {Sql.Identifier(source)}";
        await WithSourceAsync(source, () => ExecuteAsync(sql, cancellationToken), cancellationToken).ConfigureAwait(false);
        await MarkAsync(database, cancellationToken).ConfigureAwait(false);
    }

    public async Task ReplaceAsync(string database, string source, string? preserveAs, CancellationToken cancellationToken = default)
    {
        if (preserveAs is null)
        {
            await DropAsync(database, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Restore ends the branch's sessions on Neon too.
            var rename = $"ALTER DATABASE {Sql.Identifier(database)} RENAME TO {Sql.Identifier(preserveAs)}";
            await WithSourceAsync(database, () => ExecuteAsync(rename, cancellationToken), cancellationToken, grace: TimeSpan.Zero).ConfigureAwait(false);
        }

        await CloneAsync(database, source, cancellationToken).ConfigureAwait(false);
    }

    public Task DropAsync(string database, CancellationToken cancellationToken = default) =>
        ExecuteAsync($"DROP DATABASE IF EXISTS {Sql.Identifier(database)} WITH (FORCE)", cancellationToken);

    public async Task<bool> ExistsAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var command = _admin.CreateCommand("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @name)");
        command.Parameters.AddWithValue("name", database);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<long> SizeAsync(string database, CancellationToken cancellationToken = default)
    {
        await using var command = _admin.CreateCommand("SELECT pg_database_size(@name)");
        command.Parameters.AddWithValue("name", database);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await DropInstanceAsync(_prefix, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // Left for the next instance's sweep: our lock goes with the connection below.
            _logger.LogWarning(e, "Could not drop the emulator's databases and roles ({Prefix}*); the next emulator start removes them.", _prefix);
        }

        await _lockConnection.DisposeAsync().ConfigureAwait(false);
        await _admin.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// PostgreSQL copies a template only while nobody is connected to it; Neon branches from a busy
    /// parent without a blink. Wait a little for sessions to leave, then end the ones still there.
    /// </summary>
    private async Task WithSourceAsync(string source, Func<Task> action, CancellationToken cancellationToken, TimeSpan? grace = null)
    {
        var waited = Stopwatch.StartNew();
        var terminations = 0;
        while (true)
        {
            try
            {
                await action().ConfigureAwait(false);
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && terminations < 5)
            {
                if (waited.Elapsed < (grace ?? _sourceGrace))
                {
                    await Task.Delay(RetryPause, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                terminations++;
                var ended = await TerminateSessionsAsync(source, cancellationToken).ConfigureAwait(false);
                if (ended > 0 && (grace ?? _sourceGrace) > TimeSpan.Zero)
                {
                    _logger.LogWarning("Ended {Count} session(s) on the local database of a branch being copied or restored; PostgreSQL cannot copy a database that has sessions.", ended);
                }

                await Task.Delay(RetryPause, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<int> TerminateSessionsAsync(string database, CancellationToken cancellationToken)
    {
        await using var command = _admin.CreateCommand("SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity WHERE datname = @name AND pid <> pg_backend_pid()");
        command.Parameters.AddWithValue("name", database);
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private Task MarkAsync(string database, CancellationToken cancellationToken) =>
        ExecuteAsync($"COMMENT ON DATABASE {Sql.Identifier(database)} IS {Sql.Literal("neon-api-emulator: dropped when the emulator stops")}", cancellationToken);

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = _admin.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task SweepCrashedInstancesAsync(int self, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await using (var command = new NpgsqlCommand(
            "SELECT datname FROM pg_database WHERE datname LIKE @pattern UNION SELECT rolname FROM pg_roles WHERE rolname LIKE @pattern",
            _lockConnection))
        {
            command.Parameters.AddWithValue("pattern", LikePrefix(Family));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                names.Add(reader.GetString(0));
            }
        }

        var instances = names
            .Select(n => n.Length > Family.Length + 8 && int.TryParse(n.AsSpan(Family.Length, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var id) ? id : 0)
            .Where(id => id != 0 && id != self)
            .Distinct();
        foreach (var instance in instances)
        {
            if (!await TryLockAsync("pg_try_advisory_lock", instance, cancellationToken).ConfigureAwait(false))
            {
                continue; // A live emulator in another test process.
            }

            try
            {
                _logger.LogInformation("Removing the leftovers of a stopped emulator ({Prefix}*).", $"{Family}{instance:x8}_");
                await DropInstanceAsync($"{Family}{instance:x8}_", cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await TryLockAsync("pg_advisory_unlock", instance, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<bool> TryLockAsync(string function, int instance, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}(@c, @k)", _lockConnection);
        command.Parameters.AddWithValue("c", LockClass);
        command.Parameters.AddWithValue("k", instance);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task DropInstanceAsync(string prefix, CancellationToken cancellationToken)
    {
        var databases = new List<string>();
        await using (var command = _admin.CreateCommand("SELECT datname FROM pg_database WHERE datname LIKE @pattern"))
        {
            command.Parameters.AddWithValue("pattern", LikePrefix(prefix));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                databases.Add(reader.GetString(0));
            }
        }

        foreach (var database in databases)
        {
            await DropAsync(database, cancellationToken).ConfigureAwait(false);
        }

        // Reader before owner: the reader's default-privilege entries went with the databases.
        await ExecuteAsync($"DROP ROLE IF EXISTS {Sql.Identifier(prefix + "reader")}", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync($"DROP ROLE IF EXISTS {Sql.Identifier(prefix + "owner")}", cancellationToken).ConfigureAwait(false);
    }

    private static string LikePrefix(string prefix) => prefix.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal) + "%";
}
