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
    private readonly string? _toolsDirectory;
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
        _toolsDirectory = FindDumpTools(ServerVersion);
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

    /// <summary>
    /// Copies with <c>CREATE DATABASE ... TEMPLATE</c>, which PostgreSQL allows only while nobody is
    /// connected to the source. Neon branches from a busy parent without a blink, so when sessions stay
    /// on the source past the grace period the copy goes through <c>pg_dump</c>/<c>pg_restore</c> (a
    /// consistent snapshot that disturbs nobody); without those tools the sessions are ended instead.
    /// </summary>
    public async Task CloneAsync(string database, string source, CancellationToken cancellationToken = default)
    {
        var create = $"CREATE DATABASE {Sql.Identifier(database)} OWNER {Sql.Identifier(OwnerRole)} TEMPLATE {Sql.Identifier(source)}";
        var waited = Stopwatch.StartNew();
        var copied = false;
        while (!copied)
        {
            // Checked first: CREATE DATABASE itself waits up to 5 s for sessions before giving up.
            if (await CountSessionsAsync(source, cancellationToken).ConfigureAwait(false) == 0)
            {
                try
                {
                    await ExecuteAsync(create, cancellationToken).ConfigureAwait(false);
                    copied = true;
                    continue;
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse)
                {
                    // Someone connected in between.
                }
            }

            if (waited.Elapsed >= _sourceGrace)
            {
                break;
            }

            await Task.Delay(RetryPause, cancellationToken).ConfigureAwait(false);
        }

        if (!copied && _toolsDirectory is not null)
        {
            await DumpCopyAsync(database, source, cancellationToken).ConfigureAwait(false);
        }
        else if (!copied)
        {
            await WithoutSessionsAsync(source, () => ExecuteAsync(create, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

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
            await WithoutSessionsAsync(database, () => ExecuteAsync(rename, cancellationToken), cancellationToken).ConfigureAwait(false);
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

    /// <summary>Runs <paramref name="action"/>, ending the sessions on <paramref name="database"/> while it fails for them.</summary>
    private async Task WithoutSessionsAsync(string database, Func<Task> action, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var ended = await TerminateSessionsAsync(database, cancellationToken).ConfigureAwait(false);
            if (ended > 0)
            {
                _logger.LogDebug("Ended {Count} session(s) on a local branch database to copy or rename it.", ended);
            }

            try
            {
                await action().ConfigureAwait(false);
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 5)
            {
                await Task.Delay(RetryPause, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Copies <paramref name="source"/> into a new database through pg_dump and pg_restore (no exclusive access needed).</summary>
    private async Task DumpCopyAsync(string database, string source, CancellationToken cancellationToken)
    {
        _logger.LogDebug("A local branch database is in use; copying it with pg_dump instead of as a template.");
        await ExecuteAsync($"CREATE DATABASE {Sql.Identifier(database)} OWNER {Sql.Identifier(OwnerRole)} TEMPLATE template0", cancellationToken).ConfigureAwait(false);
        var file = Path.Combine(Path.GetTempPath(), $"{_prefix}{Guid.NewGuid():N}.dump");
        try
        {
            await RunToolAsync("pg_dump", ["--format=custom", "--file", file, "--dbname", ConnectionInfo(source)], cancellationToken).ConfigureAwait(false);
            await RunToolAsync("pg_restore", ["--exit-on-error", "--dbname", ConnectionInfo(database), file], cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await DropAsync(database, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task RunToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Path.Combine(_toolsDirectory!, tool))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The password goes through the environment, never the command line (visible to ps).
        start.Environment["PGPASSWORD"] = new NpgsqlConnectionStringBuilder(_adminConnectionString).Password ?? "";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        await output.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed (exit code {process.ExitCode}): {(await errors.ConfigureAwait(false)).Trim()}");
        }
    }

    /// <summary>A libpq connection string without the password (that goes through PGPASSWORD).</summary>
    private string ConnectionInfo(string database)
    {
        var admin = new NpgsqlConnectionStringBuilder(_adminConnectionString);
        static string Quote(string value) => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
        return $"host={Quote(Host)} port={Port} user={Quote(admin.Username ?? "postgres")} dbname={Quote(database)}";
    }

    /// <summary>pg_dump and pg_restore beside the server binaries, if they are at least as new as the server.</summary>
    private static string? FindDumpTools(int serverVersion)
    {
        try
        {
            var binaries = Neon.Testing.Engine.Providers.Local.PostgresBinaries.Find();
            return binaries.MajorVersion >= serverVersion
                && File.Exists(Path.Combine(binaries.Directory, "pg_dump"))
                && File.Exists(Path.Combine(binaries.Directory, "pg_restore"))
                ? binaries.Directory
                : null;
        }
        catch (Neon.Testing.Engine.NeonConfigurationException)
        {
            return null;
        }
    }

    private async Task<int> CountSessionsAsync(string database, CancellationToken cancellationToken)
    {
        await using var command = _admin.CreateCommand("SELECT count(*)::int FROM pg_stat_activity WHERE datname = @name AND backend_type = 'client backend' AND pid <> pg_backend_pid()");
        command.Parameters.AddWithValue("name", database);
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
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
