using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Neon.Testing.Engine.Session;
using Npgsql;
using Api = Neon.Api;

namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>
/// Branches on Neon through its API: a branch is a Neon branch with a read-write compute endpoint,
/// a read-only endpoint is a Neon <c>read_only</c> compute, a full reset restores the branch to
/// its parent's head. Every mutating call waits for its operations and endpoints; passwords are
/// read (never reset); only branches named <c>neon-testing/...</c> are ever reset or deleted. The session's expiring
/// branches are kept alive while it runs (<see cref="NeonBranchKeepAlive"/>); runners that share the project decide
/// through Neon who builds a migrated template (<see cref="NeonTemplateClaims"/>).
/// </summary>
public sealed class NeonBranchProvider : IBranchProvider, ISharedTemplateBuilds
{
    private const int PageSize = 1000;

    private readonly NeonTestingOptions _options;
    private readonly ILogger _logger;
    private readonly string _projectId;
    private readonly NeonApi _api;
    private readonly NeonOperationWaiter _wait;
    private readonly NeonEndpoints _endpoints;
    private readonly NeonTimings _timings;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, BranchFacts> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _ownSession = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _rootGate = new(1, 1);
    private readonly NeonBranchKeepAlive _keepAlive;
    private BranchFacts? _root;

    /// <summary>
    /// Creates the provider for <see cref="NeonTestingOptions.ProjectId"/> with <see cref="NeonTestingOptions.ApiKey"/>.
    /// <paramref name="handler"/> replaces the network (an emulator in tests); the caller keeps owning it.
    /// </summary>
    public NeonBranchProvider(NeonTestingOptions options, ILogger? logger = null, HttpMessageHandler? handler = null)
        : this(options, logger, handler, new NeonResilienceOptions(), new NeonTimings(), timeProvider: null)
    {
    }

    internal NeonBranchProvider(NeonTestingOptions options, ILogger? logger, HttpMessageHandler? handler, NeonResilienceOptions resilience, NeonTimings timings, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(resilience);
        ArgumentNullException.ThrowIfNull(timings);
        if (string.IsNullOrWhiteSpace(options.ProjectId))
        {
            throw new NeonConfigurationException(NeonSettings.ProjectId, "The Neon provider needs a project: set NeonProjectId (or NEON_PROJECT_ID), or set NeonProvider to 'Local'.");
        }

        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            throw new NeonConfigurationException(NeonSettings.ApiKey, "The Neon provider needs an API key: set the NEON_API_KEY environment variable, or set NeonProvider to 'Local'.");
        }

        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _projectId = options.ProjectId.Trim();
        _timings = timings;
        _time = timeProvider ?? TimeProvider.System;
        _api = new NeonApi(options, _projectId, _logger, handler, resilience, timings, _time);
        _wait = new NeonOperationWaiter(_api, timings, _time);
        _endpoints = new NeonEndpoints(_api, _wait, options, _logger, timings, _time);
        _keepAlive = new NeonBranchKeepAlive(_api, _logger, _time);
        Claims = new NeonTemplateClaims(_api, _logger, _time);
    }

    /// <summary>How template builds are claimed; tests shorten its intervals.</summary>
    internal NeonTemplateClaims Claims { get; set; }

    /// <summary>How many times a branch's expiry was extended because the session still uses it.</summary>
    internal long ExpiryExtensions => _keepAlive.Extensions;

    /// <inheritdoc />
    public string Name => "Neon";

    /// <inheritdoc />
    public long ApiCalls => _api.Calls;

    /// <inheritdoc />
    public async Task<Branch> GetRootBranchAsync(CancellationToken cancellationToken = default) =>
        (await GetRootAsync(cancellationToken).ConfigureAwait(false)).ToBranch();

    /// <inheritdoc />
    public async Task<Branch> CreateBranchAsync(BranchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        NeonBranchSafety.EnsureMayCreate(request.Name);
        var root = await GetRootAsync(cancellationToken).ConfigureAwait(false);
        var parent = await FactsAsync(request.ParentId, cancellationToken).ConfigureAwait(false);
        NeonBranchSafety.EnsureMayCreateFrom(request.Name, parent, root.Id);
        var expiresAt = NeonBranchSafety.Expiry(request.WillHaveChildren ? null : request.ExpiresAt, _time.GetUtcNow());

        var stopwatch = Stopwatch.StartNew();
        var body = new Api.CreateProjectBranchRequest
        {
            Branch = new Api.BranchCreateRequestBranch { Name = request.Name, ParentId = parent.Id, ExpiresAt = expiresAt },
            Endpoints = [new Api.BranchCreateRequestEndpointOptions { Type = NeonStates.ReadWrite }],
        };
        var created = await _api.CallAsync(
            $"create branch '{request.Name}' from '{parent.Name}'",
            ct => _api.Client.CreateProjectBranchAsync(_projectId, body, ct),
            cancellationToken,
            mutating: true).ConfigureAwait(false);
        var branch = Remember(created.Branch);
        _ownSession[branch.Id] = 0;
        if (expiresAt is { } expires)
        {
            // A session may run longer than NeonBranchExpiry: its branches live as long as it does.
            _keepAlive.Track(branch, expires - _time.GetUtcNow());
        }
        try
        {
            await _wait.ForOperationsAsync(created.Operations, branch.Describe(), cancellationToken).ConfigureAwait(false);
            var endpoint = created.Endpoints.FirstOrDefault(e => e.Type == NeonStates.ReadWrite)
                ?? throw new NeonProviderException($"Neon created branch {branch.Describe()} without the read-write endpoint that was asked for.");
            _endpoints.Remember(branch.Id, readOnly: false, await _wait.ForEndpointAsync(endpoint.Id, branch.Describe(), cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            await CleanUpAsync(branch, $"create {branch.Describe()}").ConfigureAwait(false);
            throw;
        }

        _logger.LogDebug("Created Neon branch {Branch} ({BranchId}) from {Parent} in {Elapsed} ms.", branch.Name, branch.Id, parent.Name, stopwatch.ElapsedMilliseconds);
        return branch.ToBranch();
    }

    /// <inheritdoc />
    public async Task<BranchEndpoint> GetEndpointAsync(Branch branch, bool readOnly, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(branch);
        var root = await GetRootAsync(cancellationToken).ConfigureAwait(false);
        var facts = await FactsAsync(branch.Id, cancellationToken).ConfigureAwait(false);
        NeonBranchSafety.EnsureMayModify(readOnly ? "open a read-only endpoint on" : "open a read-write endpoint on", facts, root.Id, branch.Name);
        return await _endpoints.GetAsync(facts, readOnly, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <inheritdoc />
    public Task ResetBranchAsync(Branch branch, CancellationToken cancellationToken = default) => RestoreAsync(branch, preserveAs: null, cancellationToken);

    /// <inheritdoc />
    public async Task<Branch> PreserveAndResetBranchAsync(Branch branch, string preserveAs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(branch);
        NeonBranchSafety.EnsureMayCreate(preserveAs);

        // Neon's restore keeps the branch's state under preserve_under_name: the same reset, one call, no copy.
        await RestoreAsync(branch, preserveAs, cancellationToken).ConfigureAwait(false);
        var preserved = await FindBranchAsync(preserveAs, cancellationToken).ConfigureAwait(false)
            ?? throw new NeonProviderException($"Neon restored {branch.Name} but shows no branch named '{preserveAs}' holding its old state.");
        if (preserved.ExpiresAt is null && branch.ExpiresAt is { } expiresAt && expiresAt > DateTimeOffset.UtcNow)
        {
            // The kept state must go away by itself like every branch of ours.
            var body = new Api.BranchUpdateRequest { Branch = new Api.BranchUpdateRequestBranch { ExpiresAt = expiresAt } };
            var updated = await _api.CallAsync(
                $"set the expiry of '{preserveAs}'",
                ct => _api.Client.UpdateProjectBranchAsync(body, _projectId, preserved.Id, ct),
                cancellationToken,
                mutating: true).ConfigureAwait(false);
            preserved = Remember(updated.Branch).ToBranch();
        }

        return preserved;
    }

    /// <inheritdoc />
    public bool ChildrenBlockDeletion => true;

    /// <inheritdoc />
    public string HowToOpen(Branch branch)
    {
        ArgumentNullException.ThrowIfNull(branch);
        return $"neonctl connection-string '{branch.Name}' --project-id {_projectId}   (branch id {branch.Id}; needs NEON_API_KEY)";
    }

    private async Task RestoreAsync(Branch branch, string? preserveAs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(branch);
        var root = await GetRootAsync(cancellationToken).ConfigureAwait(false);
        var facts = await FactsAsync(branch.Id, cancellationToken).ConfigureAwait(false);
        NeonBranchSafety.EnsureMayModify("reset", facts, root.Id, branch.Name);
        var parentId = facts.ParentId ?? throw new NeonProviderException($"Cannot reset {facts.Describe()}: Neon reports no parent branch to restore it from.");

        var stopwatch = Stopwatch.StartNew();
        var restored = await _api.CallAsync(
            $"reset {facts.Describe()} to its parent's head",
            ct => _api.Client.RestoreProjectBranchAsync(_projectId, facts.Id, new Api.BranchRestoreRequest { SourceBranchId = parentId, PreserveUnderName = preserveAs }, ct),
            cancellationToken,
            mutating: true).ConfigureAwait(false);
        await _wait.ForOperationsAsync(restored.Operations, facts.Describe(), cancellationToken).ConfigureAwait(false);
        foreach (var endpointId in restored.Operations.Select(o => o.EndpointId).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            var endpoint = await _wait.ForEndpointAsync(endpointId, facts.Describe(), cancellationToken).ConfigureAwait(false);
            if (endpoint.Type is NeonStates.ReadWrite or NeonStates.ReadOnly)
            {
                _endpoints.Remember(facts.Id, endpoint.Type == NeonStates.ReadOnly, endpoint);
            }
        }

        _logger.LogDebug("Reset Neon branch {Branch} ({BranchId}) to its parent in {Elapsed} ms.", facts.Name, facts.Id, stopwatch.ElapsedMilliseconds);
    }

    /// <inheritdoc />
    public async Task<Branch> RenameBranchAsync(Branch branch, string newName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(branch);
        NeonBranchSafety.EnsureMayCreate(newName);
        var root = await GetRootAsync(cancellationToken).ConfigureAwait(false);
        var current = await _api.CallAsync($"read branch {branch.Id}", ct => _api.Client.GetProjectBranchAsync(_projectId, branch.Id, ct), cancellationToken).ConfigureAwait(false);
        NeonBranchSafety.EnsureMayModify("rename", Remember(current.Branch), root.Id, branch.Name);
        var body = new Api.BranchUpdateRequest { Branch = new Api.BranchUpdateRequestBranch { Name = newName } };
        var updated = await _api.CallAsync(
            $"rename branch {Remember(current.Branch).Describe()} to '{newName}'",
            ct => _api.Client.UpdateProjectBranchAsync(body, _projectId, branch.Id, ct),
            cancellationToken,
            mutating: true).ConfigureAwait(false);
        return Remember(updated.Branch).ToBranch();
    }

    /// <inheritdoc />
    public async Task DeleteBranchAsync(Branch branch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(branch);
        var root = await GetRootAsync(cancellationToken).ConfigureAwait(false);

        // Deleting is the one irreversible call: decide on what Neon says now, not on a cache.
        BranchFacts facts;
        try
        {
            var current = await _api.CallAsync($"read branch {branch.Id}", ct => _api.Client.GetProjectBranchAsync(_projectId, branch.Id, ct), cancellationToken).ConfigureAwait(false);
            facts = Remember(current.Branch);
        }
        catch (NeonProviderException e) when (e.StatusCode == 404)
        {
            Forget(branch.Id);
            return;
        }

        NeonBranchSafety.EnsureMayModify("delete", facts, root.Id, branch.Name);
        await DeleteCoreAsync(facts, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<Branch?> FindBranchAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!NeonBranchSafety.IsOurs(name))
        {
            throw new ArgumentException($"'{name}' does not start with '{NeonBranchSafety.Prefix}': only our branches are looked up.", nameof(name));
        }

        var branches = await ListBranchesAsync(name, cancellationToken).ConfigureAwait(false);
        return branches.FirstOrDefault(b => b.Name == name)?.ToBranch();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Branch>> ListOurBranchesAsync(CancellationToken cancellationToken = default)
    {
        var branches = await ListBranchesAsync(NeonBranchSafety.Prefix, cancellationToken).ConfigureAwait(false);
        return branches.Where(b => NeonBranchSafety.IsOurs(b.Name)).Select(b => b.ToBranch()).ToList();
    }

    /// <inheritdoc />
    public async Task<int> SweepExpiredAsync(CancellationToken cancellationToken = default)
    {
        // The whole project: a child that is not ours still holds its parent.
        var all = await ListBranchesAsync(null, cancellationToken).ConfigureAwait(false);
        var root = await GetRootAsync(cancellationToken, all).ConfigureAwait(false);
        var plan = NeonSweepPlan.Select(all, _time.GetUtcNow(), _ownSession.Keys.ToHashSet(StringComparer.Ordinal), root.Id, _options.BranchExpiry, _options.MigrationCacheExpiry);
        var remaining = all.ToDictionary(b => b.Id, StringComparer.Ordinal);
        var swept = 0;
        foreach (var candidate in plan)
        {
            var branch = candidate.Branch;
            if (remaining.Values.Any(b => b.ParentId == branch.Id))
            {
                continue;
            }

            try
            {
                if (candidate.NeedsLivenessCheck && await _endpoints.HasActiveComputeAsync(branch, cancellationToken).ConfigureAwait(false))
                {
                    _logger.LogDebug("Not sweeping {Branch}: its compute is active, so a session may still use it.", branch.Name);
                    continue;
                }

                await DeleteCoreAsync(branch, cancellationToken).ConfigureAwait(false);
                remaining.Remove(branch.Id);
                swept++;
                _logger.LogInformation("Swept Neon branch {Branch} ({BranchId}): {Reason}.", branch.Name, branch.Id, candidate.Reason);
            }
            catch (NeonProviderException e)
            {
                _logger.LogWarning("Could not sweep Neon branch {Branch} ({BranchId}): {Message}", branch.Name, branch.Id, _api.Scrubber.Scrub(e.Message));
            }
        }

        return swept;
    }

    /// <inheritdoc />
    async Task<IAsyncDisposable?> ISharedTemplateBuilds.ClaimTemplateBuildAsync(string templateName, string sessionId, Func<CancellationToken, Task<bool>> templateReady, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var root = await GetRootAsync(cancellationToken).ConfigureAwait(false);
        return await Claims.ClaimAsync(
            root,
            templateName,
            sessionId,
            templateReady,
            timeout,
            (claim, lifetime) =>
            {
                _known[claim.Id] = claim;
                _ownSession[claim.Id] = 0;
                _keepAlive.Track(claim, lifetime);
                return claim;
            },
            ReleaseClaimAsync,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _keepAlive.DisposeAsync().ConfigureAwait(false);
        _api.Dispose();
        _rootGate.Dispose();
        _endpoints.Dispose();
    }

    /// <summary>Deletes a template-build claim without waiting for Neon's operations; if that fails, the claim's expiry removes it.</summary>
    private async Task ReleaseClaimAsync(BranchFacts claim)
    {
        _keepAlive.Forget(claim.Id);
        using var budget = new CancellationTokenSource(_timings.CleanupTimeout, _time);
        try
        {
            await RequestDeleteAsync(claim, budget.Token).ConfigureAwait(false);
            Forget(claim.Id);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _ownSession.TryRemove(claim.Id, out _);
            _logger.LogWarning("Could not delete the template-build claim {Branch} ({BranchId}): {Message} It expires at {ExpiresAt:u} and goes then.",
                claim.Name, claim.Id, _api.Scrubber.Scrub(e.Message), claim.ExpiresAt);
        }
    }

    private async Task<BranchFacts> GetRootAsync(CancellationToken cancellationToken, IReadOnlyList<BranchFacts>? listed = null)
    {
        if (_root is { } root)
        {
            return root;
        }

        await _rootGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _root ??= ResolveRoot(listed ?? await ListBranchesAsync(null, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            _rootGate.Release();
        }
    }

    private BranchFacts ResolveRoot(IReadOnlyList<BranchFacts> branches)
    {
        var wanted = _options.ParentBranch?.Trim();
        if (string.IsNullOrEmpty(wanted))
        {
            return branches.FirstOrDefault(b => b.IsDefault)
                ?? throw new NeonConfigurationException(NeonSettings.ParentBranch, $"Neon project {_projectId} reports no default branch. Set NeonParentBranch to the branch (id or name) tests start from.");
        }

        if (branches.FirstOrDefault(b => b.Id == wanted) is { } byId)
        {
            return byId;
        }

        var byName = branches.Where(b => b.Name == wanted).ToList();
        return byName.Count switch
        {
            1 => byName[0],
            0 => throw new NeonConfigurationException(NeonSettings.ParentBranch,
                $"NeonParentBranch is '{wanted}', but Neon project {_projectId} has no branch with that id or name " +
                $"(it has: {string.Join(", ", branches.Where(b => !NeonBranchSafety.IsOurs(b.Name)).Select(b => b.Name).Take(10))}). Set it to a branch id (br-...) or name, or clear it to use the default branch."),
            _ => throw new NeonConfigurationException(NeonSettings.ParentBranch,
                $"NeonParentBranch is '{wanted}', which names {byName.Count} branches of Neon project {_projectId}. Set it to the branch id instead ({string.Join(", ", byName.Select(b => b.Id))})."),
        };
    }

    private async Task<IReadOnlyList<BranchFacts>> ListBranchesAsync(string? search, CancellationToken cancellationToken)
    {
        var branches = new List<BranchFacts>();
        string? cursor = null;
        for (var page = 0; page < 100; page++)
        {
            Api.ListProjectBranchesResponse response;
            try
            {
                response = await _api.CallAsync(
                    $"list the branches of project {_projectId}",
                    ct => _api.Client.ListProjectBranchesAsync(_projectId, search, cursor: cursor, limit: PageSize, cancellationToken: ct),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (NeonProviderException e) when (e.StatusCode == 404)
            {
                throw new NeonConfigurationException(NeonSettings.ProjectId,
                    $"Neon project '{_projectId}' was not found, or the API key cannot see it. Check NeonProjectId (NEON_PROJECT_ID) and NEON_API_KEY.", e);
            }

            branches.AddRange(response.Branches.Select(Remember));
            cursor = response.Pagination?.Next;
            if (response.Branches.Count < PageSize || string.IsNullOrEmpty(cursor))
            {
                break;
            }
        }

        return branches;
    }

    private async Task<BranchFacts> FactsAsync(string branchId, CancellationToken cancellationToken)
    {
        if (_known.TryGetValue(branchId, out var facts))
        {
            return facts;
        }

        var response = await _api.CallAsync($"read branch {branchId}", ct => _api.Client.GetProjectBranchAsync(_projectId, branchId, ct), cancellationToken).ConfigureAwait(false);
        return Remember(response.Branch);
    }

    private BranchFacts Remember(Api.Branch branch)
    {
        var facts = BranchFacts.From(branch);
        _known[facts.Id] = facts;
        _keepAlive.Observe(facts);
        return facts;
    }

    private void Forget(string branchId)
    {
        _keepAlive.Forget(branchId);
        _known.TryRemove(branchId, out _);
        _ownSession.TryRemove(branchId, out _);
        _endpoints.Forget(branchId);
    }

    private async Task DeleteCoreAsync(BranchFacts branch, CancellationToken cancellationToken)
    {
        var operations = await RequestDeleteAsync(branch, cancellationToken).ConfigureAwait(false);
        await _wait.ForOperationsAsync(operations, branch.Describe(), cancellationToken).ConfigureAwait(false);
        Forget(branch.Id);
    }

    /// <summary>Asks Neon to delete the branch; returns the operations that carry it out (none when it was already gone).</summary>
    private async Task<IReadOnlyList<Api.Operation>> RequestDeleteAsync(BranchFacts branch, CancellationToken cancellationToken)
    {
        try
        {
            var deleted = await _api.CallAsync($"delete {branch.Describe()}", ct => _api.Client.DeleteProjectBranchAsync(_projectId, branch.Id, ct), cancellationToken, mutating: true).ConfigureAwait(false);
            return deleted.Operations;
        }
        catch (NeonProviderException e) when (e.StatusCode is 204 or 404)
        {
            // Already gone: 204 is Neon's answer for a branch that no longer exists.
            return [];
        }
    }

    private async Task CleanUpAsync(BranchFacts branch, string failedAction)
    {
        // The caller's token may be what failed; clean-up gets its own bounded budget.
        using var budget = new CancellationTokenSource(_timings.CleanupTimeout, _time);
        IReadOnlyList<Api.Operation>? accepted = null;
        try
        {
            accepted = await RequestDeleteAsync(branch, budget.Token).ConfigureAwait(false);
            await _wait.ForOperationsAsync(accepted, branch.Describe(), budget.Token).ConfigureAwait(false);
            Forget(branch.Id);
            _logger.LogInformation("Deleted Neon branch {Branch} ({BranchId}) after the failed attempt to {Action}.", branch.Name, branch.Id, failedAction);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var reason = budget.IsCancellationRequested && e is OperationCanceledException
                ? $"no result within the clean-up budget of {_timings.CleanupTimeout.TotalSeconds:0} s"
                : _api.Scrubber.Scrub(e.Message).TrimEnd('.');
            if (accepted is not null)
            {
                // The branch is gone from the project; only Neon's own work on it is unfinished (it may queue behind the stuck operation).
                Forget(branch.Id);
                _logger.LogWarning("Neon accepted the deletion of branch {Branch} ({BranchId}) after the failed attempt to {Action}, but its operations have not finished ({Reason}); Neon completes them on its own.",
                    branch.Name, branch.Id, failedAction, reason);
            }
            else
            {
                _ownSession.TryRemove(branch.Id, out _);
                _logger.LogWarning("Could not delete Neon branch {Branch} ({BranchId}) after the failed attempt to {Action}: {Reason}. {Fallback}",
                    branch.Name, branch.Id, failedAction, reason, WhoRemovesIt(branch));
            }
        }
    }

    /// <summary>What removes a branch we could not delete: its expiry, or (without one) the sweeper once the branch is older than its window.</summary>
    private string WhoRemovesIt(BranchFacts branch)
    {
        if (branch.ExpiresAt is { } expiresAt)
        {
            return $"It expires at {expiresAt:u}, and the next session's sweeper removes it.";
        }

        var (window, setting) = branch.Name.StartsWith(NeonSweepPlan.TemplatePrefix, StringComparison.Ordinal)
            ? (_options.MigrationCacheExpiry, NeonSettings.MigrationCacheExpiry)
            : (_options.BranchExpiry, NeonSettings.BranchExpiry);
        return $"It carries no expiry (it was to have children), so a later session's sweeper removes it once it is older than {setting} ({window.TotalMinutes:0.#} min).";
    }

}
