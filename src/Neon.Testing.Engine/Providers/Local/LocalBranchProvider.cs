using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Neon.Testing.Engine.Providers.Local;

/// <summary>
/// Branches as databases on one PostgreSQL server: a branch is a <c>CREATE DATABASE ... TEMPLATE</c>
/// clone of its parent, a reset drops and re-clones it, a read-only endpoint is a login role that
/// can only read. Uses <see cref="NeonTestingOptions.LocalConnectionString"/> or the embedded cluster.
/// </summary>
public sealed class LocalBranchProvider : IBranchProvider
{
    // Session liveness: each provider holds this advisory lock (objid = owner id) while it lives;
    // the sweeper leaves alone anything whose owner still holds it.
    internal const int LivenessLockClass = 0x4E454F4E;

    // Template builds: one advisory lock per template name (objid = hash), held while a process builds it.
    internal const int TemplateLockClass = 0x4E454F54;

    private readonly NeonTestingOptions _options;
    private readonly ILogger _logger;
    private readonly NpgsqlConnectionStringBuilder _server;
    private readonly NpgsqlConnection _liveness;
    private readonly LocalServerAdmin _admin;
    private readonly bool _canCreateRoles;
    private readonly SemaphoreSlim _endpointLock = new(1, 1);
    private readonly Dictionary<string, BranchEndpoint> _readOnlyEndpoints = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _readWriteEndpoints = new(StringComparer.Ordinal);

    private LocalBranchProvider(NeonTestingOptions options, ILogger logger, NpgsqlConnectionStringBuilder server, LocalServerAdmin admin, NpgsqlConnection liveness, int ownerId, bool canCreateRoles, EmbeddedPostgres? embedded)
    {
        _options = options;
        _logger = logger;
        _server = server;
        _liveness = liveness;
        _admin = admin;
        OwnerId = ownerId;
        _canCreateRoles = canCreateRoles;
        Embedded = embedded;
    }

    /// <inheritdoc />
    public string Name => "Local";

    /// <inheritdoc />
    public long ApiCalls => 0;

    /// <summary>The embedded cluster, or <see langword="null"/> when an existing server is configured.</summary>
    public EmbeddedPostgres? Embedded { get; }

    /// <summary>Random id written into our markers and held as a liveness lock while this provider lives.</summary>
    public int OwnerId { get; }

    /// <summary>What sessions branch from on a user's server when neither <c>NeonParentBranch</c> nor a database named <c>NeonDatabase</c> exists.</summary>
    internal const string ServerTemplate = "template1";

    /// <summary>How a branch is cloned; <c>FILE_COPY</c> measured faster here for test-sized databases (see README).</summary>
    internal static string CloneStrategy { get; set; } = "FILE_COPY";

    /// <summary>Connects to the configured server, or starts the embedded cluster, and takes the liveness lock.</summary>
    public static async Task<LocalBranchProvider> CreateAsync(NeonTestingOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        EmbeddedPostgres? embedded = null;
        NpgsqlConnectionStringBuilder server;
        // The admin pool the running cluster was probed through: its first connection becomes the liveness connection.
        LocalServerAdmin? probedThrough = null;
        if (!string.IsNullOrEmpty(options.LocalConnectionString))
        {
            server = new NpgsqlConnectionStringBuilder(options.LocalConnectionString);
            if (string.IsNullOrEmpty(server.Database))
            {
                server.Database = "postgres";
            }
        }
        else
        {
            try
            {
                embedded = await EmbeddedPostgres.StartAsync(options.LocalDataDirectory, logger,
                    connectionString => probedThrough = new LocalServerAdmin(new NpgsqlConnectionStringBuilder(connectionString)), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                if (probedThrough is not null)
                {
                    await probedThrough.DisposeAsync().ConfigureAwait(false);
                }

                if (e is not (IOException or UnauthorizedAccessException))
                {
                    throw;
                }

                // The folder passed the settings' check but cannot hold the cluster (permissions, a full or read-only disk).
                var folder = options.LocalDataDirectory is null ? "The embedded PostgreSQL's default folder" : $"NeonLocalDataDirectory '{options.LocalDataDirectory}'";
                throw new NeonConfigurationException(NeonSettings.LocalDataDirectory,
                    $"{folder} cannot hold the embedded PostgreSQL: {e.Message} Set NeonLocalDataDirectory (NEON_LOCAL_DATA_DIR, --neon-local-data-dir) to a folder the tests may write to, e.g. /var/tmp/neon-testing.", e);
            }

            server = new NpgsqlConnectionStringBuilder(embedded.AdminConnectionString);
        }

        server.Pooling = false;
        var ownerId = RandomNumberGenerator.GetInt32(1, int.MaxValue);
        // The liveness connection is the admin pool's first: the start's admin work then opens one connection fewer.
        LocalServerAdmin admin;
        if (probedThrough is not null && probedThrough.ConnectionString == embedded?.AdminConnectionString)
        {
            admin = probedThrough;
        }
        else
        {
            // Probed on a port the cluster no longer listens on (it was started again meanwhile), or not probed at all.
            if (probedThrough is not null)
            {
                await probedThrough.DisposeAsync().ConfigureAwait(false);
            }

            admin = new LocalServerAdmin(server);
        }

        NpgsqlConnection liveness;
        try
        {
            liveness = await admin.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            await admin.DisposeAsync().ConfigureAwait(false);
            throw new NeonConfigurationException(NeonSettings.LocalConnectionString,
                $"Cannot connect to the PostgreSQL server at {server.Host}:{server.Port} as '{server.Username}': {e.Message}. Check NeonLocalConnectionString (NEON_LOCAL_CONNECTION_STRING).", e);
        }

        try
        {
            await using (var command = new NpgsqlCommand("SELECT pg_advisory_lock($1, $2)", liveness))
            {
                command.Parameters.AddWithValue(LivenessLockClass);
                command.Parameters.AddWithValue(ownerId);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            bool canCreateDatabases;
            bool canCreateRoles;
            await using (var command = new NpgsqlCommand("SELECT rolsuper OR rolcreatedb, rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user", liveness))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                canCreateDatabases = reader.GetBoolean(0);
                canCreateRoles = reader.GetBoolean(1);
            }

            if (!canCreateDatabases)
            {
                throw new NeonConfigurationException(NeonSettings.LocalConnectionString,
                    $"The role '{server.Username}' of NeonLocalConnectionString cannot create databases. Run 'ALTER ROLE \"{server.Username}\" CREATEDB;' or use another role.");
            }

            return new LocalBranchProvider(options, logger, server, admin, liveness, ownerId, canCreateRoles, embedded);
        }
        catch
        {
            await liveness.DisposeAsync().ConfigureAwait(false);
            await admin.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<Branch> GetRootBranchAsync(CancellationToken cancellationToken = default)
    {
        var root = string.IsNullOrEmpty(_options.ParentBranch) ? _options.Database : _options.ParentBranch;
        var existing = await _admin.ReadDatabaseAsync(root, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            if (!string.IsNullOrEmpty(_options.ParentBranch))
            {
                throw new NeonConfigurationException(NeonSettings.ParentBranch,
                    $"NeonParentBranch is '{root}', but the server has no database of that name. Set it to an existing database, or clear it to branch from an empty database.");
            }

            if (Embedded is null)
            {
                // A server of the user's: nothing outside our prefix is created there. template1 is what a plain
                // CREATE DATABASE copies, so the session starts from the same empty database it would have made.
                _logger.LogDebug("No database '{Database}' on the server: branching from {Template}.", root, ServerTemplate);
                return new Branch(ServerTemplate, ServerTemplate, null, null, null);
            }

            // On the embedded cluster, which is ours, the default root is an empty database of ours.
            var marker = new DatabaseMarker("root", null, null, DateTimeOffset.UtcNow, null);
            await _admin.ExecuteAsync($"CREATE DATABASE {PgIdentifier.Quote(root)}", cancellationToken, ignoreDuplicate: true).ConfigureAwait(false);
            await _admin.ExecuteAsync($"COMMENT ON DATABASE {PgIdentifier.Quote(root)} IS {PgIdentifier.Literal(marker.Format())}", cancellationToken).ConfigureAwait(false);
            return new Branch(root, root, null, null, marker.Created);
        }

        return new Branch(root, root, null, null, existing.Value.Marker?.Created);
    }

    /// <inheritdoc />
    public Task<Branch> CreateBranchAsync(BranchRequest request, CancellationToken cancellationToken = default) =>
        CreateBranchAsync(request, copyOf: null, cancellationToken);

    /// <summary>
    /// Like <see cref="CreateBranchAsync(BranchRequest, CancellationToken)"/>, cloning <paramref name="copyOf"/> instead
    /// of the parent: a database the caller knows to hold what the parent holds (the template the parent was cloned
    /// from), so that the two clones can run at once. The marker still names the parent, which full resets copy.
    /// </summary>
    internal async Task<Branch> CreateBranchAsync(BranchRequest request, string? copyOf, CancellationToken cancellationToken)
    {
        var marker = MarkerFor(request);
        await CloneAsync(request.Name, copyOf ?? request.ParentId, marker, cancellationToken).ConfigureAwait(false);
        _logger.LogDebug("Created local branch {Branch} from {Parent}.", request.Name, request.ParentId);
        return new Branch(request.Name, request.Name, request.ParentId, request.ExpiresAt, marker.Created);
    }

    /// <summary>The marker of the branch <paramref name="request"/> asks for, once its name is known to be ours and to fit.</summary>
    private DatabaseMarker MarkerFor(BranchRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        LocalServerAdmin.RequireOurName(request.Name, "create");
        if (System.Text.Encoding.UTF8.GetByteCount(request.Name) > 63)
        {
            throw new ArgumentException($"Branch name '{request.Name}' is longer than PostgreSQL's 63-byte limit.", nameof(request));
        }

        // NeonKeepBranches leaves the branches on purpose: the sweeper lets them live to their expiry after the session ends.
        return new DatabaseMarker("branch", OwnerId.ToString(CultureInfo.InvariantCulture), request.ParentId, DateTimeOffset.UtcNow, request.ExpiresAt, Kept: _options.KeepBranches);
    }

    /// <summary>
    /// Gives <paramref name="spare"/>, a spare of the session's template (see <see cref="MakeSpareAsync"/>), the name and
    /// marker of the branch <paramref name="request"/> asks for: a rename instead of a clone. <see langword="null"/> when the
    /// spare is gone (another session took it, the sweeper dropped it) or in use: the caller clones instead.
    /// </summary>
    internal async Task<Branch?> ClaimSpareAsync(string spare, BranchRequest request, CancellationToken cancellationToken)
    {
        var marker = MarkerFor(request);
        if (!await RenameAndMarkAsync(spare, request.Name, marker, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        _logger.LogDebug("Took spare {Spare} as branch {Branch}.", spare, request.Name);
        return new Branch(request.Name, request.Name, request.ParentId, request.ExpiresAt, marker.Created);
    }

    /// <summary>
    /// Leaves <paramref name="branch"/>, a branch of this session in its template's migrated state, for a later session
    /// as a spare of <paramref name="template"/> instead of dropping it (its read-only clone and role go). The spare expires
    /// with the template. False when it could not be renamed (someone connected to it): the caller drops it.
    /// </summary>
    internal async Task<bool> MakeSpareAsync(Branch branch, Branch template, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(branch);
        ArgumentNullException.ThrowIfNull(template);
        await _admin.RequireMarkedAsync(branch.Id, "keep as a spare", cancellationToken).ConfigureAwait(false);
        await DropReadOnlyCloneAsync(branch.Id, cancellationToken).ConfigureAwait(false);
        await DisconnectToRenameAsync(branch.Id, cancellationToken).ConfigureAwait(false);
        var expires = template.ExpiresAt ?? (template.CreatedAt ?? DateTimeOffset.UtcNow) + _options.MigrationCacheExpiry;
        var marker = new DatabaseMarker("spare", Session: null, template.Id, DateTimeOffset.UtcNow, expires);
        return await RenameAndMarkAsync(branch.Id, BranchNames.ForSpare(template.Id), marker, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The size of <paramref name="database"/> on disk, in bytes.</summary>
    internal async Task<long> DatabaseSizeAsync(string database, CancellationToken cancellationToken)
    {
        await using var command = _admin.CreateCommand("SELECT pg_database_size($1::text)");
        command.Parameters.AddWithValue(database);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Ends every connection to one of our databases, this process's idle pooled ones first: PostgreSQL renames only a
    /// database nobody is connected to.
    /// </summary>
    private async Task DisconnectToRenameAsync(string database, CancellationToken cancellationToken)
    {
        if (_readWriteEndpoints.TryRemove(database, out var connectionString))
        {
            using var pooled = new NpgsqlConnection(connectionString);
            NpgsqlConnection.ClearPool(pooled);
        }

        await _admin.DisconnectAsync(database, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renames <paramref name="database"/> and writes its new marker in one transaction; false when it is gone or in use.</summary>
    private async Task<bool> RenameAndMarkAsync(string database, string newName, DatabaseMarker marker, CancellationToken cancellationToken)
    {
        LocalServerAdmin.RequireOurName(database, "rename");
        try
        {
            await _admin.ExecuteAsync(
                $"ALTER DATABASE {PgIdentifier.Quote(database)} RENAME TO {PgIdentifier.Quote(newName)}; COMMENT ON DATABASE {PgIdentifier.Quote(newName)} IS {PgIdentifier.Literal(marker.Format())}",
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.ObjectInUse or PostgresErrorCodes.DuplicateDatabase)
        {
            _logger.LogDebug("Could not rename {Database} to {Name}: {Message}", database, newName, e.MessageText);
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<BranchEndpoint> GetEndpointAsync(Branch branch, bool readOnly, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(branch);
        if (!readOnly)
        {
            var connectionString = ConnectionStringFor(branch.Id, _server.Username!, _server.Password);
            _readWriteEndpoints[branch.Id] = connectionString;
            return new BranchEndpoint(branch.Id, branch.Id, ReadOnly: false, connectionString);
        }

        await _endpointLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_readOnlyEndpoints.TryGetValue(branch.Id, out var cached))
            {
                return cached;
            }

            var endpoint = await CreateReadOnlyEndpointAsync(branch, cancellationToken).ConfigureAwait(false);
            _readOnlyEndpoints[branch.Id] = endpoint;
            return endpoint;
        }
        finally
        {
            _endpointLock.Release();
        }
    }

    /// <inheritdoc />
    public async Task ResetBranchAsync(Branch branch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(branch);
        var marker = await _admin.RequireMarkedAsync(branch.Id, "reset", cancellationToken).ConfigureAwait(false);
        var parent = marker.Parent ?? throw new InvalidOperationException($"Refusing to reset '{branch.Id}': its marker names no parent.");
        await _admin.DisconnectAsync(branch.Id, cancellationToken).ConfigureAwait(false);
        await _admin.ExecuteAsync($"DROP DATABASE IF EXISTS {PgIdentifier.Quote(branch.Id)} WITH (FORCE)", cancellationToken).ConfigureAwait(false);
        await CloneAsync(branch.Id, parent, marker, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<Branch> PreserveAndResetBranchAsync(Branch branch, string preserveAs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(branch);
        var marker = await _admin.RequireMarkedAsync(branch.Id, "reset", cancellationToken).ConfigureAwait(false);
        var parent = marker.Parent ?? throw new InvalidOperationException($"Refusing to reset '{branch.Id}': its marker names no parent.");

        // The database moves aside under the new name (its marker comes with it) and a fresh clone takes the old name:
        // the cost of a full reset, with a rename instead of the drop.
        var preserved = await RenameBranchAsync(branch, preserveAs, cancellationToken).ConfigureAwait(false);

        // Kept on purpose (a failed test's state, to look at): it outlives the session until its expiry.
        await _admin.ExecuteAsync($"COMMENT ON DATABASE {PgIdentifier.Quote(preserveAs)} IS {PgIdentifier.Literal((marker with { Kept = true }).Format())}", cancellationToken).ConfigureAwait(false);
        await CloneAsync(branch.Id, parent, marker, cancellationToken).ConfigureAwait(false);
        return preserved;
    }

    /// <inheritdoc />
    public bool ChildrenBlockDeletion => false;

    /// <inheritdoc />
    public string HowToOpen(Branch branch)
    {
        ArgumentNullException.ThrowIfNull(branch);
        var database = ShellQuote(branch.Id);
        if (Embedded is { } embedded)
        {
            // The password stays in its 0600 file; the command reads it there and never shows it.
            var passwordFile = ShellQuote(Path.Combine(embedded.RootDirectory, EmbeddedPostgres.PasswordFileName));
            return $"PGPASSWORD=\"$(cat {passwordFile})\" psql -h {_server.Host} -p {_server.Port} -U {ShellQuote(_server.Username ?? "postgres")} -d {database}";
        }

        return $"psql -h {ShellQuote(_server.Host ?? "localhost")} -p {_server.Port} -U {ShellQuote(_server.Username ?? "")} -d {database}   (password: the one in NeonLocalConnectionString)";
    }

    private static string ShellQuote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <inheritdoc />
    public async Task<Branch> RenameBranchAsync(Branch branch, string newName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(branch);
        LocalServerAdmin.RequireOurName(newName, "rename a branch to");
        var marker = await _admin.RequireMarkedAsync(branch.Id, "rename", cancellationToken).ConfigureAwait(false);
        await DisconnectToRenameAsync(branch.Id, cancellationToken).ConfigureAwait(false);
        await _admin.ExecuteAsync($"ALTER DATABASE {PgIdentifier.Quote(branch.Id)} RENAME TO {PgIdentifier.Quote(newName)}", cancellationToken).ConfigureAwait(false);
        return new Branch(newName, newName, marker.Parent, marker.Expires, marker.Created);
    }

    /// <inheritdoc />
    public async Task DeleteBranchAsync(Branch branch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(branch);
        await _admin.RequireMarkedAsync(branch.Id, "delete", cancellationToken).ConfigureAwait(false);
        if (branch.Id.StartsWith(BranchNames.Prefix + "template-", StringComparison.Ordinal) && !BranchNames.IsSpare(branch.Id))
        {
            foreach (var (spare, _) in (await _admin.ListMarkedAsync(cancellationToken).ConfigureAwait(false)).Where(d => BranchNames.IsSpareOf(d.Name, branch.Id)))
            {
                // A template's spares are clones of it nobody uses: they go with it.
                await DropAsync(spare, cancellationToken).ConfigureAwait(false);
            }
        }

        await DropAsync(branch.Id, cancellationToken).ConfigureAwait(false);
        await _endpointLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _readOnlyEndpoints.Remove(branch.Id);
        }
        finally
        {
            _endpointLock.Release();
        }
    }

    /// <inheritdoc />
    public async Task<Branch?> FindBranchAsync(string name, CancellationToken cancellationToken = default)
    {
        var found = await _admin.ReadDatabaseAsync(name, cancellationToken).ConfigureAwait(false);
        if (found?.Marker is not { } marker || !BranchNames.IsOurs(name))
        {
            return null;
        }

        return new Branch(name, name, marker.Parent, marker.Expires, marker.Created);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Branch>> ListOurBranchesAsync(CancellationToken cancellationToken = default)
    {
        var branches = new List<Branch>();
        foreach (var (name, marker) in await _admin.ListMarkedAsync(cancellationToken).ConfigureAwait(false))
        {
            branches.Add(new Branch(name, name, marker.Parent, marker.Expires, marker.Created));
        }

        return branches;
    }

    /// <inheritdoc />
    public Task<int> SweepExpiredAsync(CancellationToken cancellationToken = default) =>
        new LocalSweeper(_admin, _logger, DropAsync).SweepAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _liveness.DisposeAsync().ConfigureAwait(false);
        await _admin.DisposeAsync().ConfigureAwait(false);
        _endpointLock.Dispose();
    }

    /// <summary>
    /// Takes the server-wide lock for building <paramref name="templateName"/>, waiting at most <paramref name="timeout"/>;
    /// dispose to release. Test processes of other machines sharing this server (NeonLocalConnectionString) wait here
    /// too: the file lock of <see cref="Session.MigratedTemplateCache"/> spans one machine only. A process that dies
    /// releases it with its connection.
    /// </summary>
    internal async Task<IAsyncDisposable> AcquireTemplateLockAsync(string templateName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var key = BitConverter.ToInt32(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(templateName)), 0);
        // A pooled admin connection, usually one the start already opened, rather than a new one.
        var connection = await _admin.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                await using (var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, $2)", connection))
                {
                    command.Parameters.AddWithValue(TemplateLockClass);
                    command.Parameters.AddWithValue(key);
                    if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                    {
                        return new TemplateLock(connection, key);
                    }
                }

                if (waited.Elapsed > timeout)
                {
                    throw new TimeoutException($"Waited {timeout.TotalMinutes:0} minutes for another test process on this PostgreSQL server to migrate '{templateName}'.");
                }

                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The template lock on its pooled connection: released by name before the connection goes back to the pool, whose
    /// reset (DISCARD ALL) would run only when the connection is next used, leaving the lock held until then.
    /// </summary>
    private sealed class TemplateLock(NpgsqlConnection connection, int key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1, $2)", connection);
                command.Parameters.AddWithValue(TemplateLockClass);
                command.Parameters.AddWithValue(key);
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            catch (NpgsqlException)
            {
                // The connection broke, which ended its server process and so the lock; the pool drops a broken connection.
            }
            finally
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>A connection string to <paramref name="database"/> on this server (for tests and tools).</summary>
    internal string ConnectionStringFor(string database, string username, string? password) => new NpgsqlConnectionStringBuilder(_server.ConnectionString)
    {
        Database = database,
        Username = username,
        Password = password,
        Pooling = true,
    }.ConnectionString;

    /// <summary>Admin connection string to the server's maintenance database.</summary>
    internal string AdminConnectionString => _server.ConnectionString;

    private async Task<BranchEndpoint> CreateReadOnlyEndpointAsync(Branch branch, CancellationToken cancellationToken)
    {
        // A separate clone serves reads: connections to the branch itself would stop PostgreSQL
        // from cloning it again (children, full resets), which it refuses while anyone is connected.
        var marker = await _admin.RequireMarkedAsync(branch.Id, "open a read-only endpoint on", cancellationToken).ConfigureAwait(false);
        var database = ReadOnlyDatabaseName(branch.Id);
        await CloneAsync(database, branch.Id, marker with { Kind = "read-only", Parent = branch.Id, Created = DateTimeOffset.UtcNow }, cancellationToken).ConfigureAwait(false);

        if (!_canCreateRoles)
        {
            // Without CREATEROLE the same login is used and the database itself refuses writes.
            await _admin.ExecuteAsync($"ALTER DATABASE {PgIdentifier.Quote(database)} SET default_transaction_read_only = on", cancellationToken).ConfigureAwait(false);
            _logger.LogWarning("The role '{Role}' cannot create roles; the read-only endpoint of {Branch} relies on default_transaction_read_only.", _server.Username, branch.Id);
            return new BranchEndpoint(database, branch.Id, ReadOnly: true, ConnectionStringFor(database, _server.Username!, _server.Password));
        }

        var role = ReadOnlyRoleName(database);
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(18)).ToLowerInvariant();
        var roleMarker = marker with { Kind = "read-only-role", Parent = database, Created = DateTimeOffset.UtcNow };
        await _admin.ExecuteAsync(
            $"CREATE ROLE {PgIdentifier.Quote(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD {PgIdentifier.Literal(password)};" +
            $"COMMENT ON ROLE {PgIdentifier.Quote(role)} IS {PgIdentifier.Literal(roleMarker.Format())};" +
            $"ALTER ROLE {PgIdentifier.Quote(role)} SET default_transaction_read_only = on;" +
            $"GRANT CONNECT ON DATABASE {PgIdentifier.Quote(database)} TO {PgIdentifier.Quote(role)}",
            cancellationToken).ConfigureAwait(false);

        // Privileges are the real guard: the role may read every user schema and nothing else.
        await using var connection = new NpgsqlConnection(ConnectionStringFor(database, _server.Username!, _server.Password) + ";Pooling=false");
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand("""
            DO $grant$
            DECLARE s text;
            BEGIN
              FOR s IN SELECT nspname FROM pg_namespace
                       WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
              LOOP
                EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', s, current_setting('neon.readonly_role'));
                EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', s, current_setting('neon.readonly_role'));
                EXECUTE format('GRANT SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', s, current_setting('neon.readonly_role'));
              END LOOP;
            END
            $grant$;
            """, connection))
        {
            await using (var set = new NpgsqlCommand("SELECT set_config('neon.readonly_role', $1, false)", connection))
            {
                set.Parameters.AddWithValue(role);
                await set.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return new BranchEndpoint(role, branch.Id, ReadOnly: true, ConnectionStringFor(database, role, password));
    }

    private async Task CloneAsync(string name, string parent, DatabaseMarker marker, CancellationToken cancellationToken)
    {
        // PostgreSQL refuses to clone a database anyone is connected to (it waits 5 s for them
        // first). Idle pooled connections of this process to the parent are ours to close.
        if (_readWriteEndpoints.TryGetValue(parent, out var parentConnectionString))
        {
            using var pooled = new NpgsqlConnection(parentConnectionString);
            NpgsqlConnection.ClearPool(pooled);
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _admin.ExecuteAsync($"CREATE DATABASE {PgIdentifier.Quote(name)} TEMPLATE {PgIdentifier.Quote(parent)} STRATEGY {CloneStrategy}", cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 3)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse)
            {
                throw new InvalidOperationException($"Cannot branch from '{parent}': other sessions stay connected to it ({e.MessageText}). Close connections to the parent database, or pick another NeonParentBranch.", e);
            }
        }

        await _admin.ExecuteAsync($"COMMENT ON DATABASE {PgIdentifier.Quote(name)} IS {PgIdentifier.Literal(marker.Format())}", cancellationToken).ConfigureAwait(false);
    }

    private async Task DropAsync(string database, CancellationToken cancellationToken)
    {
        await DropReadOnlyCloneAsync(database, cancellationToken).ConfigureAwait(false);
        await _admin.DisconnectAsync(database, cancellationToken).ConfigureAwait(false);
        await _admin.ExecuteAsync($"DROP DATABASE IF EXISTS {PgIdentifier.Quote(database)} WITH (FORCE)", cancellationToken).ConfigureAwait(false);
        _readWriteEndpoints.TryRemove(database, out _);
        var role = ReadOnlyRoleName(database);
        if (await _admin.IsOurRoleAsync(role, cancellationToken).ConfigureAwait(false))
        {
            await _admin.ExecuteAsync($"DROP ROLE IF EXISTS {PgIdentifier.Quote(role)}", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drops the read-only clone of <paramref name="database"/> and its role, if it has one.</summary>
    private async Task DropReadOnlyCloneAsync(string database, CancellationToken cancellationToken)
    {
        var readOnly = ReadOnlyDatabaseName(database);
        if (!string.Equals(readOnly, database, StringComparison.Ordinal) && (await _admin.ReadDatabaseAsync(readOnly, cancellationToken).ConfigureAwait(false))?.Marker is not null)
        {
            await DropAsync(readOnly, cancellationToken).ConfigureAwait(false);
        }
    }

    // Session names never contain '.', so the suffix cannot collide with another branch's name.
    private static string ReadOnlyDatabaseName(string database) => database.EndsWith(".ro", StringComparison.Ordinal) ? database : database + ".ro";

    private static string ReadOnlyRoleName(string readOnlyDatabase)
    {
        var database = ReadOnlyDatabaseName(readOnlyDatabase);
        var hash = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(database))).ToLowerInvariant();
        return $"{BranchNames.Prefix}ro-{hash[..16]}";
    }
}
