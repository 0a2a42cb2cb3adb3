using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine.Isolation;
using Neon.Testing.Engine.Migrations;

namespace Neon.Testing.Engine;

/// <summary>
/// One test run's branches: a migration branch (migrated once, or cloned from a cached migrated
/// template), a read-only endpoint, a shared branch and a pool of isolated branches, all deleted at
/// the end unless <see cref="NeonTestingOptions.KeepBranches"/> is set.
/// </summary>
public sealed class TestDatabaseSession : IAsyncDisposable
{
    private static readonly TimeSpan TemplateLockTimeout = TimeSpan.FromMinutes(10);

    private readonly IBranchProvider _provider;
    private readonly ILogger _logger;
    private readonly string _gitBranch;
    private readonly List<Branch> _created = [];
    private readonly ConcurrentBag<IsolatedBranchLease> _free = [];
    private readonly List<IsolatedBranchLease> _allIsolated = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Branch? _migrationBranch;
    private Branch? _sharedBranch;
    private string? _sharedConnectionString;
    private string? _readOnlyConnectionString;
    private int _disposed;

    private TestDatabaseSession(NeonTestingOptions options, IBranchProvider provider, ILogger logger)
    {
        Options = options;
        _provider = provider;
        _logger = logger;
        SessionId = BranchNames.NewSessionId();
        _gitBranch = BranchNames.DetectGitBranch(options.WorkingDirectory);
        Statistics.Provider = provider.Name;
        Statistics.CountApiCallsOf(provider);
    }

    /// <summary>The settings the session runs with.</summary>
    public NeonTestingOptions Options { get; }

    /// <summary>Random id in every branch name of this session.</summary>
    public string SessionId { get; }

    /// <summary>Provider name (<c>Local</c>, <c>Neon</c>).</summary>
    public string ProviderName => _provider.Name;

    /// <summary>The provider, for tools that need more than the session offers.</summary>
    internal IBranchProvider Provider => _provider;

    /// <summary>The migrated branch every other branch of the session is cloned from.</summary>
    public Branch MigrationBranch => _migrationBranch ?? throw new InvalidOperationException("The session has not started.");

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
    public static Task<TestDatabaseSession> StartAsync(NeonTestingOptions options, ILogger? logger = null, CancellationToken cancellationToken = default) =>
        StartAsync(options, logger, BranchProviderFactory.CreateAsync, cancellationToken);

    /// <summary>Starts a session on a provider made by <paramref name="createProvider"/> (tests shorten the Neon provider's timings).</summary>
    internal static async Task<TestDatabaseSession> StartAsync(
        NeonTestingOptions options,
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

        logger ??= NullLogger.Instance;
        var stopwatch = Stopwatch.StartNew();
        var provider = await createProvider(options, logger, cancellationToken).ConfigureAwait(false);
        var session = new TestDatabaseSession(options, provider, logger);
        try
        {
            var swept = await provider.SweepExpiredAsync(cancellationToken).ConfigureAwait(false);
            if (swept > 0)
            {
                logger.LogInformation("Swept {Count} expired branches left by earlier runs.", swept);
            }

            await session.CreateMigrationBranchAsync(cancellationToken).ConfigureAwait(false);
            session.Statistics.SetupTime = stopwatch.Elapsed;
            logger.LogInformation(
                "Neon test session {Session} ready on {Provider} in {Elapsed} ms: branch {Branch}, migrations {Migrations}.",
                session.SessionId, provider.Name, (int)stopwatch.ElapsedMilliseconds, session.MigrationBranch.Name,
                session.MigrationsReused ? "reused from the cached template" : $"applied ({session.Statistics.MigrationsApplied})");
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
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
            var endpoint = await _provider.GetEndpointAsync(MigrationBranch, readOnly: true, cancellationToken).ConfigureAwait(false);
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
    /// Lends a clean isolated branch: a free one from the pool, or a new one when every branch is
    /// lent (one per concurrently running test). Dispose the lease to return it.
    /// </summary>
    public async Task<IsolatedBranchLease> AcquireIsolatedBranchAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_free.TryTake(out var free))
        {
            free.MarkLeased();
            return free;
        }

        int number;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            number = _allIsolated.Count + 1;
            // Reserve the slot so a concurrent caller gets the next number.
            _allIsolated.Add(null!);
        }
        finally
        {
            _gate.Release();
        }

        var branch = await CreateChildAsync($"isolated-{number}", cancellationToken).ConfigureAwait(false);
        var endpoint = await _provider.GetEndpointAsync(branch, readOnly: false, cancellationToken).ConfigureAwait(false);
        var tracker = await ChangeTracker.AttachAsync(endpoint.ConnectionString, ct => _provider.ResetBranchAsync(branch, ct), _logger, cancellationToken).ConfigureAwait(false);
        var lease = new IsolatedBranchLease(this, branch, endpoint.ConnectionString, tracker);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _allIsolated[number - 1] = lease;
        }
        finally
        {
            _gate.Release();
        }

        lease.MarkLeased();
        return lease;
    }

    /// <summary>Deletes every branch of the session (unless keep-branches is set) and closes the provider.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var lease in _allIsolated.Where(l => l is not null))
        {
            await lease.DisposeTrackerAsync().ConfigureAwait(false);
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
        else
        {
            // Children before parents: Neon refuses to delete a branch that has children.
            for (var i = _created.Count - 1; i >= 0; i--)
            {
                try
                {
                    await _provider.DeleteBranchAsync(_created[i]).ConfigureAwait(false);
                    Statistics.RecordBranchDeleted();
                    _logger.LogInformation("Deleted branch {Branch}.", _created[i].Name);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A branch that was to have children carries no expiry: only the sweeper's age window removes it.
                    var fallback = _created[i].ExpiresAt is { } expires
                        ? $"It expires at {expires:u}, and the next session's sweeper removes it."
                        : $"It carries no expiry (it was to have children), so a later session's sweeper removes it once it is older than {NeonSettings.BranchExpiry} ({Options.BranchExpiry.TotalMinutes:0.#} min).";
                    _logger.LogWarning("Could not delete branch {Branch}: {Message} {Fallback}", _created[i].Name, e.Message.TrimEnd('.') + ".", fallback);
                }
            }
        }

        await _provider.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    internal void Return(IsolatedBranchLease lease) => _free.Add(lease);

    private async Task CreateMigrationBranchAsync(CancellationToken cancellationToken)
    {
        var root = await _provider.GetRootBranchAsync(cancellationToken).ConfigureAwait(false);
        var fingerprint = Options.MigrationCacheExpiry > TimeSpan.Zero ? MigrationFingerprint.Compute(Options, root, ChangeTracking.Version) : null;
        if (fingerprint is null)
        {
            _migrationBranch = await CreateAsync(BranchNames.ForSession(_gitBranch, SessionId, "migration"), root, willHaveChildren: true, cancellationToken).ConfigureAwait(false);
            await MigrateAsync(_migrationBranch, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Test processes started together (several projects in one 'dotnet test') must not
        // migrate twice: one builds the template, the others wait for it here.
        var templateName = BranchNames.ForTemplate(fingerprint);
        using (await AcquireTemplateLockAsync(templateName, cancellationToken).ConfigureAwait(false))
        {
            var (template, nameForNew) = await FindFreshTemplateAsync(templateName, cancellationToken).ConfigureAwait(false);
            if (template is null)
            {
                // Built under a name no session reuses, and given the template's name only once complete:
                // a run killed mid-migration must leave litter for the sweeper, never a half-built template.
                var expires = DateTimeOffset.UtcNow + Options.MigrationCacheExpiry;
                var building = await _provider.CreateBranchAsync(new BranchRequest(BranchNames.ForTemplateBuild(fingerprint, SessionId), root.Id, expires, WillHaveChildren: true), cancellationToken).ConfigureAwait(false);
                try
                {
                    await MigrateAsync(building, cancellationToken).ConfigureAwait(false);
                    template = await _provider.RenameBranchAsync(building, nameForNew, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await _provider.DeleteBranchAsync(building, CancellationToken.None).ConfigureAwait(false);
                    throw;
                }
            }
            else
            {
                Statistics.MigrationsReused = true;
                _logger.LogInformation("Migrations unchanged (fingerprint {Fingerprint}): reusing {Template}.", fingerprint[..12], template.Name);
            }

            TemplateName = template.Name;
            _migrationBranch = await CreateAsync(BranchNames.ForSession(_gitBranch, SessionId, "migration"), template, willHaveChildren: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The newest fresh template for the fingerprint, deleting expired ones on the way, and the name to build
    /// a new one under. An expired template that running sessions still branch from cannot go (Neon refuses
    /// to delete a parent), so it stays for the sweeper, and the rebuilt one gets a generation suffix
    /// (<c>&lt;template&gt;-&lt;unix seconds&gt;</c>).
    /// </summary>
    private async Task<(Branch? Fresh, string NameForNew)> FindFreshTemplateAsync(string baseName, CancellationToken cancellationToken)
    {
        var ours = await _provider.ListOurBranchesAsync(cancellationToken).ConfigureAwait(false);
        Branch? fresh = null;
        var held = false;
        foreach (var template in ours.Where(b => IsTemplateGeneration(b.Name, baseName)).OrderByDescending(b => b.CreatedAt ?? DateTimeOffset.MinValue))
        {
            if (IsFresh(template))
            {
                fresh ??= template;
            }
            else if (ours.Any(b => b.ParentId == template.Id))
            {
                held |= template.Name == baseName;
                _logger.LogInformation("The migrated template {Template} has expired, but branches of running sessions still start from it; it stays until they are gone.", template.Name);
            }
            else
            {
                _logger.LogInformation("The migrated template {Template} has expired; deleting it.", template.Name);
                try
                {
                    await _provider.DeleteBranchAsync(template, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    // Neon may still refuse (a child that is not ours): build a new one beside it rather than fail the run.
                    held |= template.Name == baseName;
                    _logger.LogWarning("Could not delete the expired template {Template}: {Message} The sweeper retries later.", template.Name, e.Message);
                }
            }
        }

        // The expired template still holds the base name: the rebuilt one gets a name of its own.
        return (fresh, held ? $"{baseName}-{DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}" : baseName);
    }

    private static bool IsTemplateGeneration(string name, string baseName) =>
        name == baseName || (name.Length > baseName.Length + 1 && name.StartsWith(baseName + "-", StringComparison.Ordinal) && !name.AsSpan(baseName.Length + 1).ContainsAnyExceptInRange('0', '9'));

    private bool IsFresh(Branch template)
    {
        var now = DateTimeOffset.UtcNow;
        if (template.ExpiresAt is { } expires)
        {
            return expires > now;
        }

        return template.CreatedAt is { } created && created + Options.MigrationCacheExpiry > now;
    }

    private async Task MigrateAsync(Branch branch, CancellationToken cancellationToken)
    {
        var endpoint = await _provider.GetEndpointAsync(branch, readOnly: false, cancellationToken).ConfigureAwait(false);
        var stopwatch = Stopwatch.StartNew();
        Statistics.MigrationsApplied = await MigrationRunner.ApplyAsync(Options, endpoint.ConnectionString, _logger, cancellationToken).ConfigureAwait(false);
        var tracking = await ChangeTracking.InstallAsync(endpoint.ConnectionString, options: null, cancellationToken).ConfigureAwait(false);
        if (!tracking.SupportsTargetedReset)
        {
            _logger.LogWarning(
                "Change tracking is not fully available on {Branch} ({Reason}); isolated tests get a full branch reset after every test that writes.",
                branch.Name, tracking.Reason ?? string.Join("; ", tracking.UntrackedTables));
        }
        _logger.LogInformation("Applied {Count} migrations to {Branch} in {Elapsed} ms.", Statistics.MigrationsApplied, branch.Name, (int)stopwatch.ElapsedMilliseconds);
    }

    private Task<Branch> CreateChildAsync(string role, CancellationToken cancellationToken) =>
        CreateAsync(BranchNames.ForSession(_gitBranch, SessionId, role), MigrationBranch, willHaveChildren: false, cancellationToken);

    private async Task<Branch> CreateAsync(string name, Branch parent, bool willHaveChildren, CancellationToken cancellationToken)
    {
        var request = new BranchRequest(name, parent.Id, DateTimeOffset.UtcNow + Options.BranchExpiry, willHaveChildren);
        var branch = await _provider.CreateBranchAsync(request, cancellationToken).ConfigureAwait(false);
        lock (_created)
        {
            _created.Add(branch);
        }

        Statistics.RecordBranchCreated();
        _logger.LogInformation("Created branch {Branch} from {Parent}.", branch.Name, parent.Name);
        return branch;
    }

    private static async Task<IDisposable> AcquireTemplateLockAsync(string templateName, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetTempPath(), "neon-testing-locks");
        Directory.CreateDirectory(folder);
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(templateName)))[..24];
        var path = Path.Combine(folder, key + ".lock");
        return await ExclusiveFileLock.AcquireAsync(
            path,
            TemplateLockTimeout,
            TimeSpan.FromMilliseconds(100),
            $"Waited {TemplateLockTimeout.TotalMinutes:0} minutes for another test process to migrate '{templateName}'. If no other test run is active, delete {path}.",
            cancellationToken).ConfigureAwait(false);
    }
}
