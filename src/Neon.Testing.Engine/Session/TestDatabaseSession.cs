using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine.Isolation;
using Neon.Testing.Engine.Migrations;
using Neon.Testing.Engine.Providers;

namespace Neon.Testing.Engine.Session;

/// <summary>
/// One test run's branches: a migration branch (migrated once, or cloned from a cached migrated
/// template), a read-only endpoint, a shared branch and a pool of isolated branches, all deleted at
/// the end unless <see cref="NeonTestingOptions.KeepBranches"/> is set. It owns what each
/// <see cref="TestIsolation"/> level means: <see cref="BeginTestAsync"/> gives a test its database and
/// <see cref="EndTestAsync(TestDatabase, CancellationToken)"/> does what the level needs after it.
/// </summary>
public sealed class TestDatabaseSession : IAsyncDisposable
{
    private readonly IBranchProvider _provider;
    private readonly ILogger _logger;
    private readonly string _gitBranch;
    private readonly List<Branch> _created = [];
    private readonly BranchConnectionPools _connectionPools = new();
    private readonly IsolatedBranchPool _pool;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly MigrationSource? _migrationSource;
    private Task<Branch>? _migrationBranch;
    private Branch? _preparedPrimary;
    private SpareBranches? _spares;
    private Branch? _sharedBranch;
    private string? _sharedConnectionString;
    private string? _readOnlyConnectionString;
    private int _disposed;

    /// <summary>How long the session's end waits for full resets under way before it deletes their branches.</summary>
    private static readonly TimeSpan FullResetWait = TimeSpan.FromSeconds(10);

    private readonly List<Task> _fullResets = [];
    private readonly CancellationTokenSource _stopPreparing = new();
    private readonly List<Task> _preparing = [];
    private Task? _sweep;
    /// <summary>Role of a failed test's kept branch, before its number: <c>failed-1-&lt;method&gt;</c>.</summary>
    private const string KeptRolePrefix = "failed-";

    private int _keptBranches;
    private readonly HashSet<string> _keptParents = new(StringComparer.Ordinal);

    private TestDatabaseSession(NeonTestingOptions options, MigrationSource? migrationSource, IBranchProvider provider, ILogger logger)
    {
        Options = options;
        _migrationSource = migrationSource;
        _provider = provider;
        _logger = logger;
        SessionId = BranchNames.NewSessionId();
        _gitBranch = BranchNames.DetectGitBranch(options.WorkingDirectory);
        Statistics.Provider = provider.Name;
        Statistics.CountApiCallsOf(provider);
        _pool = new IsolatedBranchPool(CreateIsolatedBranchAsync, Statistics, _connectionPools, serial: options.ConcurrentTests == ConcurrentTests.Serial);
        _connectionPools.Cleared += args => BranchConnectionsReset?.Invoke(this, args);
    }

    /// <summary>
    /// Raised when an isolated branch's server connections were killed (a full reset after a schema change,
    /// or a reset that terminated connections left open), after Npgsql's global pools for it were cleared.
    /// Handlers clear the pools the session cannot see, such as an application's own <c>NpgsqlDataSource</c>
    /// (Neon.Testing.AspNetCore does so for the apps it hosts); they run on the resetting thread and must be quick.
    /// </summary>
    public event EventHandler<BranchConnectionsResetEventArgs>? BranchConnectionsReset;

    /// <summary>The settings the session runs with.</summary>
    public NeonTestingOptions Options { get; }

    /// <summary>Random id in every branch name of this session.</summary>
    public string SessionId { get; }

    /// <summary>Provider name (<c>Local</c>, <c>Neon</c>).</summary>
    public string ProviderName => _provider.Name;

    /// <summary>The provider, for tools that need more than the session offers.</summary>
    internal IBranchProvider Provider => _provider;

    /// <summary>
    /// The migrated branch every other branch of the session is cloned from. On the local engine it is cloned just
    /// after the session's first isolated branch; reading it before then waits for the clone.
    /// </summary>
    public Branch MigrationBranch => MigrationBranchAsync().GetAwaiter().GetResult();

    /// <summary>How every branch name of this session begins (its migration branch's name without the role).</summary>
    public string BranchNamePrefix => BranchNames.ForSession(_gitBranch, SessionId, "");

    /// <summary>Whether a cached migrated template was reused instead of running migrations.</summary>
    public bool MigrationsReused => Statistics.MigrationsReused;

    /// <summary>Name of the cached migrated template this session used or built, if any.</summary>
    public string? TemplateName { get; private set; }

    /// <summary>Counters for the end-of-run summary.</summary>
    public SessionStatistics Statistics { get; } = new();

    /// <summary>
    /// Sweeps expired branches of crashed runs, then creates the migration branch and migrates it once
    /// (or reuses a migrated template with the same fingerprint). Leaves nothing behind when it fails.
    /// </summary>
#pragma warning disable RS0027 // The overload with a migration source came later; this one stays the short form for .sql files and commands.
    public static Task<TestDatabaseSession> StartAsync(NeonTestingOptions options, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        StartAsync(options, null, logger, BranchProviderFactory.CreateAsync, cancellationToken);
#pragma warning restore RS0027

    /// <summary>
    /// Starts a session whose migration branch is migrated by <paramref name="migrationSource"/> (e.g. an EF Core
    /// context) instead of <c>NeonMigrations</c> / <c>NeonMigrationCommand</c>, cached under the source's fingerprint.
    /// </summary>
    public static Task<TestDatabaseSession> StartAsync(NeonTestingOptions options, MigrationSource? migrationSource, ILogger? logger, CancellationToken cancellationToken) =>
        StartAsync(options, migrationSource, logger, BranchProviderFactory.CreateAsync, cancellationToken);

    /// <summary>
    /// Deletes the branches a session of another process left when that process was ended before it could
    /// (VSTest kills its test host shortly after the run): every branch of ours whose name starts with
    /// <paramref name="sessionPrefix"/> (<c>neon-testing/&lt;git branch&gt;-&lt;session&gt;-</c>), children first.
    /// Returns how many went. Only call it once that process has exited.
    /// </summary>
    public static async Task<int> DeleteLeftBranchesAsync(NeonTestingOptions options, string sessionPrefix, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!BranchNames.IsOurs(sessionPrefix) || !sessionPrefix.EndsWith('-') || sessionPrefix.Length <= BranchNames.Prefix.Length + 2)
        {
            throw new ArgumentException($"'{sessionPrefix}' is not the name prefix of one session.", nameof(sessionPrefix));
        }

        logger ??= NullLogger.Instance;
        var provider = await BranchProviderFactory.CreateAsync(options, logger, cancellationToken).ConfigureAwait(false);
        await using (provider.ConfigureAwait(false))
        {
            // A failed test's kept branch stays: it is left on purpose, to look at, and expires by itself.
            var left = (await provider.ListOurBranchesAsync(cancellationToken).ConfigureAwait(false))
                .Where(b => b.Name.StartsWith(sessionPrefix, StringComparison.Ordinal) && !b.Name.AsSpan(sessionPrefix.Length).StartsWith(KeptRolePrefix, StringComparison.Ordinal))
                .ToList();
            var deleted = 0;
            while (left.Count > 0)
            {
                // Children before parents: Neon refuses to delete a branch that has children.
                var leaves = left.Where(b => !left.Any(other => other.ParentId == b.Id)).ToList();
                if (leaves.Count == 0)
                {
                    leaves = left;
                }

                foreach (var branch in leaves)
                {
                    await provider.DeleteBranchAsync(branch, cancellationToken).ConfigureAwait(false);
                    logger.LogInformation("Deleted branch {Branch}, left by a test process that was ended.", branch.Name);
                    left.Remove(branch);
                    deleted++;
                }
            }

            return deleted;
        }
    }

    /// <summary>Starts a session on a provider made by <paramref name="createProvider"/> (tests shorten the Neon provider's timings).</summary>
    internal static Task<TestDatabaseSession> StartAsync(
        NeonTestingOptions options,
        ILogger? logger,
        Func<NeonTestingOptions, ILogger, CancellationToken, Task<IBranchProvider>> createProvider,
        CancellationToken cancellationToken) =>
        StartAsync(options, null, logger, createProvider, cancellationToken);

    private static async Task<TestDatabaseSession> StartAsync(
        NeonTestingOptions options,
        MigrationSource? migrationSource,
        ILogger? logger,
        Func<NeonTestingOptions, ILogger, CancellationToken, Task<IBranchProvider>> createProvider,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!options.Enabled)
        {
            throw new InvalidOperationException("NeonEnabled is false: no session is started.");
        }

        if (migrationSource is not null && (!string.IsNullOrEmpty(options.Migrations) || !string.IsNullOrEmpty(options.MigrationCommand)))
        {
            throw new NeonConfigurationException(NeonSettings.DbContext,
                $"The session was given a migration source ({migrationSource.Name}) and NeonMigrations or NeonMigrationCommand is set too. Keep one migration source.");
        }

        logger ??= NullLogger.Instance;
        var stopwatch = Stopwatch.StartNew();
        var phases = new System.Collections.Concurrent.ConcurrentQueue<KeyValuePair<string, TimeSpan>>();

        // A source's own fingerprint needs no database (EF Core may build its model for it): it is computed while the
        // provider connects (or starts the embedded cluster) instead of after.
        var sourcePart = migrationSource is not null && options.MigrationCacheExpiry > TimeSpan.Zero
            ? Task.Run(() => TimedAsync("fingerprint", () => RunSourceAsync(migrationSource, null, () => migrationSource.ComputeFingerprintAsync(cancellationToken).AsTask())), cancellationToken)
            : null;
        IBranchProvider provider;
        try
        {
            provider = await TimedAsync("provider", () => createProvider(options, logger, cancellationToken)).ConfigureAwait(false);
        }
        catch
        {
            await ObserveAsync(sourcePart).ConfigureAwait(false);
            throw;
        }

        var session = new TestDatabaseSession(options, migrationSource, provider, logger);
        try
        {
            if (provider is Providers.Local.LocalBranchProvider)
            {
                // A local server does not limit how many databases it holds: what crashed runs left is swept beside the
                // start, off its critical path, and awaited before the session ends. Neon limits branches per project,
                // so there the sweep comes first.
                session._sweep = Task.Run(() => session.SweepAsync(CancellationToken.None), CancellationToken.None);
            }
            else
            {
                await session.SweepAsync(cancellationToken).ConfigureAwait(false);
            }

            await session.CreateMigrationBranchAsync(sourcePart, cancellationToken).ConfigureAwait(false);
            session.Statistics.SetupTime = stopwatch.Elapsed;
            foreach (var (phase, elapsed) in phases)
            {
                session.Statistics.RecordSetupPhase(phase, elapsed);
            }

            logger.LogInformation(
                "Neon test session {Session} ready on {Provider} in {Elapsed} ms: branch {Branch}, migrations {Migrations}.",
                session.SessionId, provider.Name, (int)stopwatch.ElapsedMilliseconds, session.MigrationBranchName,
                session.MigrationsReused ? "reused from the cached template" : $"applied ({session.Statistics.MigrationsApplied})");
            return session;
        }
        catch
        {
            await ObserveAsync(sourcePart).ConfigureAwait(false);
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // Phases are recorded once the session (and its statistics) exist.
        async Task<T> TimedAsync<T>(string phase, Func<Task<T>> step)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                return await step().ConfigureAwait(false);
            }
            finally
            {
                phases.Enqueue(new(phase, Stopwatch.GetElapsedTime(started)));
            }
        }
    }

    /// <summary>Waits for a task whose result no longer matters, so that its failure is observed and not rethrown.</summary>
    private static async Task ObserveAsync(Task? task)
    {
        if (task is null)
        {
            return;
        }

        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The start failed for another reason, which is the one reported.
        }
    }

    private async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var swept = await _provider.SweepExpiredAsync(cancellationToken).ConfigureAwait(false);
        Statistics.RecordSetupPhase("sweep", Stopwatch.GetElapsedTime(started));
        if (swept > 0)
        {
            _logger.LogInformation("Swept {Count} expired branches left by earlier runs.", swept);
        }

        return swept;
    }

    /// <summary>Connection string of the read-only endpoint (created on first use); writes fail in the database.</summary>
    public async Task<string> GetReadOnlyConnectionStringAsync(CancellationToken cancellationToken = default)
    {
        if (_readOnlyConnectionString is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_readOnlyConnectionString is { } made)
            {
                return made;
            }

            var migration = await MigrationBranchAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            var endpoint = await _provider.GetEndpointAsync(migration, readOnly: true, cancellationToken).ConfigureAwait(false);
            return _readOnlyConnectionString = endpoint.ConnectionString;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Connection string of the shared branch (created on first use), never reset.</summary>
    public async Task<string> GetSharedConnectionStringAsync(CancellationToken cancellationToken = default)
    {
        if (_sharedConnectionString is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_sharedConnectionString is null)
            {
                _sharedBranch = await CreateChildAsync("shared", cancellationToken).ConfigureAwait(false);
                var endpoint = await _provider.GetEndpointAsync(_sharedBranch, readOnly: false, cancellationToken).ConfigureAwait(false);
                _sharedConnectionString = endpoint.ConnectionString;
            }

            return _sharedConnectionString;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Prepares the database a test at <paramref name="level"/> gets: the read-only endpoint, the shared
    /// branch, or an isolated branch of the pool (the one bound to <paramref name="testClass"/> for
    /// <see cref="TestIsolation.PerClass"/>), inside an outer transaction for <see cref="TestIsolation.Transaction"/>.
    /// </summary>
    /// <param name="level">The test's isolation level.</param>
    /// <param name="testClass">Full name of the test's class: the unit a PerClass branch is restored after.</param>
    /// <param name="cancellationToken">Cancels the preparation.</param>
    public async Task<TestDatabase> BeginTestAsync(TestIsolation level, string testClass, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(testClass);

        // A caller on a synchronization context may be blocking one of its few threads on this (the framework hooks do; xUnit's
        // aggressive algorithm runs tests on such a context), and the running test may need that thread to end: a Serial test
        // called there never waits for its turn but gets a branch of its own (SessionStatistics.TurnsSkipped).
        var canWaitForTurn = SynchronizationContext.Current is null;
        Statistics.RecordTest(level);
        switch (level)
        {
            case TestIsolation.ReadOnly:
            case TestIsolation.Shared:
                return await OpenUnresetAsync(level, cancellationToken).ConfigureAwait(false);
            default:
                var perClass = level == TestIsolation.PerClass ? testClass : null;
                var lease = await TakeIsolatedBranchAsync(perClass, canWaitForTurn, cancellationToken).ConfigureAwait(false);
                OuterTransaction? transaction = null;
                if (level == TestIsolation.Transaction)
                {
                    try
                    {
                        transaction = await OuterTransaction.BeginAsync(lease.ConnectionString, cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        await _pool.ReleaseAsync(lease, cancellationToken).ConfigureAwait(false);
                        throw;
                    }
                }

                return new TestDatabase(level, lease.ConnectionString, lease.Branch.Name, lease, transaction, perClass);
        }
    }

    /// <summary>
    /// Does what <paramref name="database"/>'s level needs after its test: rolls back the outer transaction,
    /// restores the isolated branch (a PerClass branch only once another test needs it), frees the branch.
    /// </summary>
    /// <returns>The reset of the test's branch, or <see langword="null"/> when none was due.</returns>
    public Task<ResetResult?> EndTestAsync(TestDatabase database, CancellationToken cancellationToken = default) =>
        EndTestAsync(database, failedTest: null, cancellationToken);

    /// <summary>
    /// Like <see cref="EndTestAsync(TestDatabase, CancellationToken)"/>, for a test that may have failed: when
    /// <paramref name="failedTest"/> names it, the test held an isolated branch of its own level, and fewer than
    /// <see cref="NeonTestingOptions.KeepFailedBranches"/> were kept so far, the branch's state is kept as a branch
    /// named after the test (see <see cref="SessionStatistics.BranchesKept"/>) and the branch itself is reset fully.
    /// </summary>
    /// <param name="database">What <see cref="BeginTestAsync"/> gave the test.</param>
    /// <param name="failedTest">The failed test's display name, or <see langword="null"/> when it did not fail.</param>
    /// <param name="cancellationToken">Cancels the reset.</param>
    public async Task<ResetResult?> EndTestAsync(TestDatabase database, string? failedTest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        if (failedTest is not null && database.Level == TestIsolation.Isolated && database.Branch is { } failedLease && TryReserveKeptBranch(out var number))
        {
            var kept = await KeepFailedAsync(failedLease, failedTest, number, cancellationToken).ConfigureAwait(false);
            await _pool.ReleaseAsync(failedLease, cancellationToken).ConfigureAwait(false);
            return kept;
        }

        if (database.Transaction is { } transaction)
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }

        if (database.Branch is not { } lease)
        {
            return null;
        }

        ResetResult? reset;
        try
        {
            reset = database.Level == TestIsolation.PerClass ? null : await lease.ResetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Npgsql.NpgsqlException e) when (IsServerGone(e))
        {
            // The test's failure says what happened in one line, not as the innermost frame of a driver's stack trace.
            throw new InvalidOperationException(
                $"Neon.Testing: the database server went away while the database was reset after this test ({Describe(e)}). The tests after it cannot be isolated; " +
                "the summary lists the branches that could not be deleted, and the next session removes them.", e);
        }

        await _pool.ReleaseAsync(lease, cancellationToken).ConfigureAwait(false);
        return reset;
    }

    /// <summary>The server ended the connection or cannot be reached (SQLSTATE class 08, 57P0x, or a broken socket).</summary>
    private static bool IsServerGone(Npgsql.NpgsqlException e) => e is Npgsql.PostgresException p
        ? p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("57P", StringComparison.Ordinal)
        : e.InnerException is IOException or System.Net.Sockets.SocketException;

    private static string Describe(Npgsql.NpgsqlException e) => e is Npgsql.PostgresException p ? $"{p.SqlState}: {p.MessageText}" : e.Message;

    /// <summary>
    /// The database the whole process sees when it names none (the environment variable): the read-only
    /// endpoint, the shared branch, or the primary isolated branch, which tests take before any other and
    /// which nobody holds until then. Nothing needs to end it; the session deletes it.
    /// </summary>
    public async Task<TestDatabase> OpenDefaultDatabaseAsync(TestIsolation level, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var database = level is TestIsolation.ReadOnly or TestIsolation.Shared
            ? await OpenUnresetAsync(level, cancellationToken).ConfigureAwait(false)
            : await OpenPrimaryAsync(level, cancellationToken).ConfigureAwait(false);
        Statistics.RecordSetupPhase("default-database", Stopwatch.GetElapsedTime(started));
        return database;
    }

    /// <summary>
    /// Lends a clean isolated branch: a free one from the pool, or a new one when every branch is
    /// lent (one per concurrently running test). Dispose the lease to return it.
    /// </summary>
    public async Task<IsolatedBranchLease> AcquireIsolatedBranchAsync(CancellationToken cancellationToken = default)
    {
        var lease = await TakeIsolatedBranchAsync(perClass: null, canWaitForTurn: true, cancellationToken).ConfigureAwait(false);
        lease.MarkLeased();
        return lease;
    }

    /// <summary>The pool's isolated branch whose database is <paramref name="database"/>, if any.</summary>
    public IsolatedBranchLease? IsolatedBranchForDatabase(string database) => _pool.ForDatabase(database);

    /// <summary>
    /// Makes isolated branches in the background until the session has <paramref name="total"/> (the primary one
    /// included), for a suite that runs that many tests at once: they find their branches ready instead of each
    /// waiting for a new one when they start together. A test that needs a branch while one is being made waits for it.
    /// A <see cref="ConcurrentTests.Serial"/> session holds one branch: nothing is made ahead.
    /// </summary>
    /// <param name="total">Isolated branches the session should hold, worked out in the background (it may read the test
    /// assembly); at most 16 are made ahead.</param>
    public void PrepareIsolatedBranches(Func<int> total)
    {
        ArgumentNullException.ThrowIfNull(total);
        if (Options.ConcurrentTests == ConcurrentTests.Serial)
        {
            return;
        }

        Prepare("isolated branches ahead of parallel tests", async stop =>
        {
            var branches = Math.Min(total(), 16);
            if (branches > 1)
            {
                await _pool.PrepareAsync(branches, stop).ConfigureAwait(false);
            }
        });
    }

    /// <summary>
    /// Makes the read-only endpoint and the shared branch in the background when <paramref name="levels"/> names them,
    /// for a suite with tests at those levels: its first such test finds the database ready instead of waiting for it
    /// (a clone, a role and its grants locally; a compute endpoint on Neon).
    /// </summary>
    /// <param name="levels">The levels the suite's tests use, worked out in the background (it may read the test assembly).</param>
    public void PrepareLevels(Func<IReadOnlyCollection<TestIsolation>> levels)
    {
        ArgumentNullException.ThrowIfNull(levels);
        Prepare("databases for the suite's read-only and shared tests", async stop =>
        {
            var used = levels();
            // Each is made whole once begun (a clone cut short would be left unmarked); the session's end waits for it.
            if (used.Contains(TestIsolation.ReadOnly) && !stop.IsCancellationRequested)
            {
                await GetReadOnlyConnectionStringAsync(CancellationToken.None).ConfigureAwait(false);
            }

            if (used.Contains(TestIsolation.Shared) && !stop.IsCancellationRequested)
            {
                await GetSharedConnectionStringAsync(CancellationToken.None).ConfigureAwait(false);
            }
        });
    }

    /// <summary>Runs <paramref name="work"/> in the background until done or the session ends; a failure only leaves the work to the tests that need it.</summary>
    private void Prepare(string what, Func<CancellationToken, Task> work)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var stop = _stopPreparing.Token;
        var task = Task.Run(async () =>
        {
            try
            {
                await work(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The session is ending.
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Tests that find nothing ready make what they need, as without preparation.
                _logger.LogWarning("Preparing {What} failed: {Message}", what, e.Message);
            }
        }, CancellationToken.None);
        lock (_preparing)
        {
            _preparing.Add(task);
        }
    }

    /// <summary>Isolated branches created so far (the primary one plus one per concurrent test).</summary>
    public int IsolatedBranchCount => _pool.Count;

    /// <summary>Deletes every branch of the session (unless keep-branches is set) and closes the provider.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Between branches, never within one: a branch cut short would be left behind.
        await _stopPreparing.CancelAsync().ConfigureAwait(false);
        Task[] preparing;
        lock (_preparing)
        {
            preparing = [.. _preparing];
        }

        await Task.WhenAll(preparing).ConfigureAwait(false);

        Task[] fullResets;
        lock (_fullResets)
        {
            fullResets = [.. _fullResets];
        }

        try
        {
            // A re-clone finishing after the branch's deletion would leave the branch behind.
            await Task.WhenAll(fullResets).WaitAsync(FullResetWait).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Failed or still running: the deletion below goes ahead; a branch re-created after it is an ended run's, which the next session sweeps.
            _ = e;
        }

        // The branches found in the migrated state may be left as spares for the next session instead of dropped.
        var clean = await _pool.DetachTrackingAsync(findClean: _spares is not null && !Options.KeepBranches).ConfigureAwait(false);
        if (_migrationBranch is { IsCompleted: false } or { IsFaulted: true })
        {
            try
            {
                // Still being cloned (see CloneTemplateAsync): once complete it is one of the branches deleted below.
                await _migrationBranch.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogWarning("Cloning the migration branch failed: {Message}", e.Message);
            }
        }

        if (_sweep is { } sweep)
        {
            try
            {
                await sweep.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Leftovers stay for the next session's sweeper; this session's own branches are deleted below regardless.
                _logger.LogWarning("Sweeping the branches of earlier runs failed: {Message} The next session retries.", e.Message);
            }
        }

        if (Options.KeepBranches)
        {
            // Branches that have children cannot expire (the migration branch): the sweeper's age window is their net.
            var expiring = _created.Where(b => b.ExpiresAt is not null).ToList();
            var latest = expiring.Select(b => b.ExpiresAt!.Value.ToUniversalTime()).DefaultIfEmpty().Max();
            var noExpiry = _created.Where(b => b.ExpiresAt is null).Select(b => b.Name).ToList();
            _logger.LogInformation(
                "Keeping {Count} branches (NeonKeepBranches): {Branches}.{Expiring}{NoExpiry}",
                _created.Count,
                string.Join(", ", _created.Select(b => b.Name)),
                expiring.Count == 0 ? "" : $" {expiring.Count} expire by {latest:u}.",
                noExpiry.Count == 0 ? "" : $" {string.Join(", ", noExpiry)} cannot expire (it has children): a later session's sweeper removes it once it is older than {NeonSettings.BranchExpiry} ({Options.BranchExpiry.TotalMinutes:0.#} min) and idle.");
        }
        else if (!_provider.ChildrenBlockDeletion)
        {
            // The local engine drops databases independently of each other: all at once, so that the checkpoints
            // PostgreSQL takes for each drop are shared instead of taken one after another.
            Branch[] created;
            lock (_created)
            {
                created = [.. _created];
            }

            var migration = _migrationBranch is { IsCompletedSuccessfully: true } made ? made.Result.Id : null;
            await Task.WhenAll(created.Select(b => EndBranchAsync(b, spare: b.Id == migration || clean.Contains(b.Id)))).ConfigureAwait(false);
        }
        else
        {
            // Children before parents: Neon refuses to delete a branch that has children.
            for (var i = _created.Count - 1; i >= 0; i--)
            {
                if (_keptParents.Contains(_created[i].Id))
                {
                    // A kept failed-test branch is its child: deleting it would fail, and the kept one must stay.
                    _logger.LogInformation(
                        "Keeping branch {Branch}: it is the parent of a kept failed test's branch. A later session's sweeper removes it once it is older than {Setting} ({Minutes:0.#} min) and has no children.",
                        _created[i].Name, NeonSettings.BranchExpiry, Options.BranchExpiry.TotalMinutes);
                    continue;
                }

                await DeleteCreatedAsync(_created[i]).ConfigureAwait(false);
            }
        }

        await _provider.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
        _stopPreparing.Dispose();
    }

    /// <summary>
    /// Leaves a branch in the migrated state (<paramref name="spare"/>: the migration branch, which no test writes, or an
    /// isolated branch its tracker found clean at the end) as a spare for the next session, else deletes it.
    /// </summary>
    private async Task EndBranchAsync(Branch branch, bool spare)
    {
        if (spare && _spares is { } spares && await spares.KeepAsync(branch, CancellationToken.None).ConfigureAwait(false))
        {
            Statistics.RecordBranchSpared();
            _logger.LogInformation("Left branch {Branch} as a spare of {Template} for the next session.", branch.Name, spares.Template.Name);
            return;
        }

        await DeleteCreatedAsync(branch).ConfigureAwait(false);
    }

    /// <summary>Deletes a branch this session created; one that cannot go is recorded with how it goes later.</summary>
    private async Task DeleteCreatedAsync(Branch branch)
    {
        try
        {
            await _provider.DeleteBranchAsync(branch).ConfigureAwait(false);
            Statistics.RecordBranchDeleted();
            _logger.LogInformation("Deleted branch {Branch}.", branch.Name);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A branch that was to have children carries no expiry: only the sweeper's age window removes it.
            var fallback = branch.ExpiresAt is { } expires
                ? $"It expires at {expires:u}; the next session removes it (on the local engine at its start, else once expired)."
                : $"It carries no expiry (it was to have children), so a later session's sweeper removes it once it is older than {NeonSettings.BranchExpiry} ({Options.BranchExpiry.TotalMinutes:0.#} min).";
            _logger.LogWarning("Could not delete branch {Branch}: {Message} {Fallback}", branch.Name, e.Message.TrimEnd('.') + ".", fallback);
            Statistics.RecordBranchLeft(branch.Name, fallback);
        }
    }

    private bool TryReserveKeptBranch(out int number)
    {
        number = Interlocked.Increment(ref _keptBranches);
        if (number <= Options.KeepFailedBranches)
        {
            return true;
        }

        Interlocked.Decrement(ref _keptBranches);
        return false;
    }

    /// <summary>Keeps the failed test's branch under a name of its own and gives the pool's branch back clean.</summary>
    private async Task<ResetResult> KeepFailedAsync(IsolatedBranchLease lease, string failedTest, int number, CancellationToken cancellationToken)
    {
        // The last part of the display name is the method (and its arguments): the rest is in the summary.
        var method = failedTest.Split('(')[0].Split('.')[^1];
        var name = BranchNames.ForSession(_gitBranch, SessionId, $"{KeptRolePrefix}{number}-{BranchNames.Sanitize(method)}");
        Branch? kept = null;
        var reset = await _pool.ResetWithAsync(
            lease,
            async ct =>
            {
                // The fresh clone copies the branch's parent, the migration branch.
                await MigrationBranchAsync().WaitAsync(ct).ConfigureAwait(false);
                kept = await _provider.PreserveAndResetBranchAsync(lease.Branch, name, ct).ConfigureAwait(false);
            },
            $"kept the failed test's state as {name}",
            cancellationToken).ConfigureAwait(false);
        var branch = kept!;
        lock (_keptParents)
        {
            _keptParents.Add(branch.ParentId ?? "");
        }

        Statistics.RecordBranchKept(new KeptBranch(branch.Name, failedTest, branch.ExpiresAt, _provider.HowToOpen(branch)));
        _logger.LogInformation("Kept the database of failed test {Test} as branch {Branch}.", failedTest, branch.Name);
        return reset;
    }

    private async Task<TestDatabase> OpenUnresetAsync(TestIsolation level, CancellationToken cancellationToken) =>
        level == TestIsolation.ReadOnly
            ? new TestDatabase(level, await GetReadOnlyConnectionStringAsync(cancellationToken).ConfigureAwait(false), MigrationBranchName + " (read-only)", null, null, null)
            : new TestDatabase(level, await GetSharedConnectionStringAsync(cancellationToken).ConfigureAwait(false), "the shared branch", null, null, null);

    private async Task<TestDatabase> OpenPrimaryAsync(TestIsolation level, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var lease = await _pool.CreatePrimaryAsync(cancellationToken).ConfigureAwait(false);
        return new TestDatabase(level, lease.ConnectionString, lease.Branch.Name, null, null, null);
    }

    private async Task<IsolatedBranchLease> TakeIsolatedBranchAsync(string? perClass, bool canWaitForTurn, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var lease = await _pool.TakeAsync(perClass, canWaitForTurn, cancellationToken).ConfigureAwait(false);
        try
        {
            await lease.WhenTrackedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await _pool.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return lease;
    }

    /// <summary>
    /// Creates isolated branch number <paramref name="number"/> and attaches change tracking to it; a full reset goes
    /// through <see cref="BranchConnectionPools"/>. The primary branch's attach runs on while the test framework
    /// starts (its connection string is all the environment variable needs), and the first test to take the branch
    /// waits for it (<see cref="TakeIsolatedBranchAsync"/>), so nothing writes before tracking is attached; another
    /// branch is made for a test that waits already, so its attach is part of its creation.
    /// </summary>
    private async Task<IsolatedBranchLease> CreateIsolatedBranchAsync(int number, bool primary, IsolatedBranchPool pool, CancellationToken cancellationToken)
    {
        var branch = (number == 1 ? Interlocked.Exchange(ref _preparedPrimary, null) : null)
            ?? await CreateChildAsync($"isolated-{number}", cancellationToken).ConfigureAwait(false);
        var endpoint = await _provider.GetEndpointAsync(branch, readOnly: false, cancellationToken).ConfigureAwait(false);
        _connectionPools.Remember(branch, endpoint.ConnectionString);
        Task<ChangeTracker> Attach(CancellationToken ct) => ChangeTracker.AttachAsync(endpoint.ConnectionString, c => FullResetAsync(branch, c), _logger, ct);
        var tracker = primary
            ? Task.Run(() => Attach(CancellationToken.None), CancellationToken.None)
            : Task.FromResult(await Attach(cancellationToken).ConfigureAwait(false));
        return new IsolatedBranchLease(pool, branch, endpoint.ConnectionString, tracker);
    }

    /// <summary>
    /// Re-creates an isolated branch, unless the session is ending: a restore that failed because the session's end
    /// dropped its branch must not bring the branch back. The session's end waits for full resets already under way.
    /// </summary>
    private async Task FullResetAsync(Branch branch, CancellationToken cancellationToken)
    {
        // The branch is re-created from its parent, the migration branch.
        await MigrationBranchAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        Task reset;
        lock (_fullResets)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                throw new OperationCanceledException("The test session is ending: its branches are being deleted, so none is re-created.");
            }

            reset = _connectionPools.FullResetAsync(branch, c => _provider.ResetBranchAsync(branch, c), cancellationToken);
            _fullResets.Add(reset);
        }

        try
        {
            await reset.ConfigureAwait(false);
        }
        finally
        {
            lock (_fullResets)
            {
                _fullResets.Remove(reset);
            }
        }
    }

    private async Task CreateMigrationBranchAsync(Task<string?>? sourcePart, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var root = await _provider.GetRootBranchAsync(cancellationToken).ConfigureAwait(false);
        Statistics.RecordSetupPhase("root", Stopwatch.GetElapsedTime(started));
        var fingerprint = Options.MigrationCacheExpiry <= TimeSpan.Zero ? null
            : _migrationSource is { } source ? MigrationSourceFingerprint.Combine(source, await sourcePart!.ConfigureAwait(false), Options, root, TrackingInstaller.Version)
            : MigrationFingerprint.Compute(Options, root, TrackingInstaller.Version);
        started = Stopwatch.GetTimestamp();
        if (fingerprint is null)
        {
            var migration = await CreateAsync(MigrationBranchName, root, willHaveChildren: true, cancellationToken).ConfigureAwait(false);
            _migrationBranch = Task.FromResult(migration);
            await MigrateAsync(migration, cancellationToken).ConfigureAwait(false);
            Statistics.RecordSetupPhase("migrate", Stopwatch.GetElapsedTime(started));
            return;
        }

        var cache = new MigratedTemplateCache(_provider, Options, Statistics, _logger, SessionId);
        (_migrationBranch, var templateName) = await cache.CloneAsync(
            root,
            fingerprint,
            MigrateAsync,
            CloneTemplateAsync,
            cancellationToken).ConfigureAwait(false);
        TemplateName = templateName;
        Statistics.RecordSetupPhase(Statistics.MigrationsReused ? "template-clone" : "template-build", Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// The migration branch, a clone of the migrated template. On a local server the first isolated branch is cloned
    /// from the template first, and the migration branch after it while the session goes on (the inner task): both are
    /// copies of the same database, and the session start waits for one clone instead of two sharing the machine. The
    /// first isolated branch's parent is still the migration branch, which its full resets copy, so they wait for it
    /// (<see cref="MigrationBranchAsync"/>). Each is a spare of the template renamed when an earlier session left one
    /// (<paramref name="spares"/>, see <see cref="SpareBranches"/>). Neon keeps the chain, since a branch's parent there is its history.
    /// </summary>
    private async Task<Task<Branch>> CloneTemplateAsync(Branch template, IReadOnlyList<Branch> spares, CancellationToken cancellationToken)
    {
        if (_provider is not Providers.Local.LocalBranchProvider local)
        {
            return Task.FromResult(await CreateAsync(MigrationBranchName, template, willHaveChildren: true, cancellationToken).ConfigureAwait(false));
        }

        // Every branch of the session holds what the template holds until a test writes: a spare an earlier session left
        // becomes one by a rename, and the session's end leaves its clean branches the same way (see SpareBranches).
        _spares = new SpareBranches(local, template, spares.Select(s => s.Name), _logger);
        var request = new BranchRequest(BranchNames.ForSession(_gitBranch, SessionId, "isolated-1"), MigrationBranchName, DateTimeOffset.UtcNow + Options.BranchExpiry);
        var spare = await _spares.TakeAsync(request, cancellationToken).ConfigureAwait(false);
        var primary = spare ?? await local.CreateBranchAsync(request, copyOf: template.Id, cancellationToken).ConfigureAwait(false);

        // Deleted with the session's other branches, used or not.
        Track(primary, template, fromSpare: spare is not null);
        _preparedPrimary = primary;

        // Not cancelled with the start: a clone cut short between its database and its marker would be left unmarked,
        // which no sweeper touches. The session's end waits for it.
        return Task.Run(() => CreateAsync(MigrationBranchName, template, willHaveChildren: true, CancellationToken.None), CancellationToken.None);
    }

    private async Task MigrateAsync(Branch branch, CancellationToken cancellationToken)
    {
        var endpoint = await _provider.GetEndpointAsync(branch, readOnly: false, cancellationToken).ConfigureAwait(false);
        var stopwatch = Stopwatch.StartNew();
        Statistics.MigrationsApplied = _migrationSource is { } source
            ? await RunSourceAsync(source, endpoint.ConnectionString, () => source.ApplyAsync(endpoint.ConnectionString, _logger, cancellationToken)).ConfigureAwait(false)
            : await MigrationRunner.ApplyAsync(Options, endpoint.ConnectionString, _logger, Statistics.RecordWarning, cancellationToken).ConfigureAwait(false);
        var tracking = await TrackingInstaller.InstallAsync(endpoint.ConnectionString, options: null, cancellationToken).ConfigureAwait(false);
        if (!tracking.SupportsTargetedReset)
        {
            _logger.LogWarning(
                "Change tracking is not fully available on {Branch} ({Reason}); isolated tests get a full branch reset after every test that writes.",
                branch.Name, tracking.Reason ?? string.Join("; ", tracking.UntrackedTables));
        }
        _logger.LogInformation("Applied {Count} migrations to {Branch} in {Elapsed} ms.", Statistics.MigrationsApplied, branch.Name, (int)stopwatch.ElapsedMilliseconds);
    }

    /// <summary>Runs a step of a <see cref="MigrationSource"/>; any failure becomes a <see cref="MigrationFailedException"/> naming the source, without secrets.</summary>
    private static async Task<T> RunSourceAsync<T>(MigrationSource source, string? connectionString, Func<Task<T>> step)
    {
        try
        {
            return await step().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (MigrationFailedException or OperationCanceledException or OutOfMemoryException))
        {
            throw new MigrationFailedException(source.Name, $"{source.Name} failed: {SecretRedactor.Redact(e.Message, connectionString)}", e);
        }
    }

    private async Task<Branch> CreateChildAsync(string role, CancellationToken cancellationToken)
    {
        var migration = await MigrationBranchAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return await CreateAsync(BranchNames.ForSession(_gitBranch, SessionId, role), migration, willHaveChildren: false, cancellationToken).ConfigureAwait(false);
    }

    private string MigrationBranchName => BranchNames.ForSession(_gitBranch, SessionId, "migration");

    /// <summary>The migration branch once its database exists (see <see cref="CloneTemplateAsync"/>).</summary>
    private Task<Branch> MigrationBranchAsync() => _migrationBranch ?? throw new InvalidOperationException("The session has not started.");

    private async Task<Branch> CreateAsync(string name, Branch parent, bool willHaveChildren, CancellationToken cancellationToken)
    {
        var request = new BranchRequest(name, parent.Id, DateTimeOffset.UtcNow + Options.BranchExpiry, willHaveChildren);
        var spare = _spares is { } spares ? await spares.TakeAsync(request, cancellationToken).ConfigureAwait(false) : null;
        var branch = spare ?? await _provider.CreateBranchAsync(request, cancellationToken).ConfigureAwait(false);
        Track(branch, parent, fromSpare: spare is not null);
        return branch;
    }

    /// <summary>Counts a branch this session created (or took from the spares) and deletes it with the session.</summary>
    private void Track(Branch branch, Branch copiedFrom, bool fromSpare = false)
    {
        lock (_created)
        {
            _created.Add(branch);
        }

        Statistics.RecordBranchCreated();
        if (fromSpare)
        {
            Statistics.RecordBranchFromSpare();
            _logger.LogInformation("Created branch {Branch} from a spare of {Template}.", branch.Name, _spares?.Template.Name);
        }
        else
        {
            _logger.LogInformation("Created branch {Branch} from {Parent}.", branch.Name, copiedFrom.Name);
        }
    }
}
