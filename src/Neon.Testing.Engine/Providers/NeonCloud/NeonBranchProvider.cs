using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Api = Neon.Api;

namespace Neon.Testing.Engine.Providers.NeonCloud;

/// <summary>
/// Branches on Neon through its API: a branch is a Neon branch with a read-write compute endpoint,
/// a read-only endpoint is a Neon <c>read_only</c> compute, a full reset restores the branch to
/// its parent's head. Every mutating call waits for its operations and endpoints; passwords are
/// read (never reset); only branches named <c>neon-testing/...</c> are ever reset or deleted.
/// </summary>
public sealed class NeonBranchProvider : IBranchProvider
{
    private const int PageSize = 1000;

    private readonly NeonTestingOptions _options;
    private readonly ILogger _logger;
    private readonly string _projectId;
    private readonly HttpClient _http;
    private readonly Api.NeonApiClient _client;
    private readonly ApiCallCountingHandler _counter;
    private readonly NeonTimings _timings;
    private readonly TimeProvider _time;
    private readonly NeonSecretScrubber _scrubber = new();
    private readonly ConcurrentDictionary<string, BranchFacts> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _ownSession = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string BranchId, bool ReadOnly), Api.Endpoint> _endpoints = new();
    private readonly ConcurrentDictionary<string, string> _passwords = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _rootGate = new(1, 1);
    private readonly SemaphoreSlim _endpointGate = new(1, 1);
    private BranchFacts? _root;
    private int _databaseChecked;

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
        _scrubber.Add(options.ApiKey);

        _counter = new ApiCallCountingHandler { InnerHandler = handler is null ? CreateNetworkHandler() : new LeaveOpenHandler(handler) };
        var pipeline = new NeonResilienceHandler(resilience, _logger, _time) { InnerHandler = new BearerTokenHandler(options.ApiKey) { InnerHandler = _counter } };
        var baseAddress = options.ApiUrl.AbsoluteUri.EndsWith('/') ? options.ApiUrl : new Uri(options.ApiUrl.AbsoluteUri + "/");
        _http = new HttpClient(pipeline, disposeHandler: true) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        _client = new Api.NeonApiClient(_http);
    }

    /// <inheritdoc />
    public string Name => "Neon";

    /// <inheritdoc />
    public long ApiCalls => _counter.Count;

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
        var created = await CallAsync(
            $"create branch '{request.Name}' from '{parent.Name}'",
            ct => _client.CreateProjectBranchAsync(_projectId, body, ct),
            cancellationToken,
            mutating: true).ConfigureAwait(false);
        var branch = Remember(created.Branch);
        _ownSession[branch.Id] = 0;
        try
        {
            await WaitForOperationsAsync(created.Operations, Describe(branch), cancellationToken).ConfigureAwait(false);
            var endpoint = created.Endpoints.FirstOrDefault(e => e.Type == NeonStates.ReadWrite)
                ?? throw new NeonProviderException($"Neon created branch {Describe(branch)} without the read-write endpoint that was asked for.");
            _endpoints[(branch.Id, false)] = await WaitForEndpointAsync(endpoint.Id, Describe(branch), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await CleanUpAsync(branch, $"create {Describe(branch)}").ConfigureAwait(false);
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

        var key = (facts.Id, readOnly);
        if (!_endpoints.TryGetValue(key, out var endpoint))
        {
            await _endpointGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!_endpoints.TryGetValue(key, out endpoint))
                {
                    endpoint = await FindOrCreateEndpointAsync(facts, readOnly, cancellationToken).ConfigureAwait(false);
                    _endpoints[key] = endpoint;
                }
            }
            finally
            {
                _endpointGate.Release();
            }
        }

        await EnsureDatabaseExistsAsync(facts, cancellationToken).ConfigureAwait(false);
        var password = await GetPasswordAsync(facts, cancellationToken).ConfigureAwait(false);
        var connectionString = NeonConnectionStrings.Build(endpoint.Host, _options.Database, _options.Role, password);
        return new BranchEndpoint(endpoint.Id, facts.Id, readOnly, connectionString);
    }

    /// <inheritdoc />
    public async Task ResetBranchAsync(Branch branch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(branch);
        var root = await GetRootAsync(cancellationToken).ConfigureAwait(false);
        var facts = await FactsAsync(branch.Id, cancellationToken).ConfigureAwait(false);
        NeonBranchSafety.EnsureMayModify("reset", facts, root.Id, branch.Name);
        var parentId = facts.ParentId ?? throw new NeonProviderException($"Cannot reset {Describe(facts)}: Neon reports no parent branch to restore it from.");

        var stopwatch = Stopwatch.StartNew();
        var restored = await CallAsync(
            $"reset {Describe(facts)} to its parent's head",
            ct => _client.RestoreProjectBranchAsync(_projectId, facts.Id, new Api.BranchRestoreRequest { SourceBranchId = parentId }, ct),
            cancellationToken,
            mutating: true).ConfigureAwait(false);
        await WaitForOperationsAsync(restored.Operations, Describe(facts), cancellationToken).ConfigureAwait(false);
        foreach (var endpointId in restored.Operations.Select(o => o.EndpointId).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            var endpoint = await WaitForEndpointAsync(endpointId, Describe(facts), cancellationToken).ConfigureAwait(false);
            if (endpoint.Type is NeonStates.ReadWrite or NeonStates.ReadOnly)
            {
                _endpoints[(facts.Id, endpoint.Type == NeonStates.ReadOnly)] = endpoint;
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
        var current = await CallAsync($"read branch {branch.Id}", ct => _client.GetProjectBranchAsync(_projectId, branch.Id, ct), cancellationToken).ConfigureAwait(false);
        NeonBranchSafety.EnsureMayModify("rename", Remember(current.Branch), root.Id, branch.Name);
        var body = new Api.BranchUpdateRequest { Branch = new Api.BranchUpdateRequestBranch { Name = newName } };
        var updated = await CallAsync(
            $"rename branch {Describe(Remember(current.Branch))} to '{newName}'",
            ct => _client.UpdateProjectBranchAsync(body, _projectId, branch.Id, ct),
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
            var current = await CallAsync($"read branch {branch.Id}", ct => _client.GetProjectBranchAsync(_projectId, branch.Id, ct), cancellationToken).ConfigureAwait(false);
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
                if (candidate.NeedsLivenessCheck && await HasActiveComputeAsync(branch, cancellationToken).ConfigureAwait(false))
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
                _logger.LogWarning("Could not sweep Neon branch {Branch} ({BranchId}): {Message}", branch.Name, branch.Id, _scrubber.Scrub(e.Message));
            }
        }

        return swept;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        _rootGate.Dispose();
        _endpointGate.Dispose();
        return ValueTask.CompletedTask;
    }

    private static SocketsHttpHandler CreateNetworkHandler() => new()
    {
        AutomaticDecompression = System.Net.DecompressionMethods.All,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    };

    private static string Describe(BranchFacts branch) => $"'{branch.Name}' ({branch.Id})";

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
                response = await CallAsync(
                    $"list the branches of project {_projectId}",
                    ct => _client.ListProjectBranchesAsync(_projectId, search, cursor: cursor, limit: PageSize, cancellationToken: ct),
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

        var response = await CallAsync($"read branch {branchId}", ct => _client.GetProjectBranchAsync(_projectId, branchId, ct), cancellationToken).ConfigureAwait(false);
        return Remember(response.Branch);
    }

    private BranchFacts Remember(Api.Branch branch)
    {
        var facts = BranchFacts.From(branch);
        _known[facts.Id] = facts;
        return facts;
    }

    private void Forget(string branchId)
    {
        _known.TryRemove(branchId, out _);
        _ownSession.TryRemove(branchId, out _);
        _passwords.TryRemove(branchId, out _);
        _endpoints.TryRemove((branchId, false), out _);
        _endpoints.TryRemove((branchId, true), out _);
    }

    private async Task DeleteCoreAsync(BranchFacts branch, CancellationToken cancellationToken)
    {
        var operations = await RequestDeleteAsync(branch, cancellationToken).ConfigureAwait(false);
        await WaitForOperationsAsync(operations, Describe(branch), cancellationToken).ConfigureAwait(false);
        Forget(branch.Id);
    }

    /// <summary>Asks Neon to delete the branch; returns the operations that carry it out (none when it was already gone).</summary>
    private async Task<IReadOnlyList<Api.Operation>> RequestDeleteAsync(BranchFacts branch, CancellationToken cancellationToken)
    {
        try
        {
            var deleted = await CallAsync($"delete {Describe(branch)}", ct => _client.DeleteProjectBranchAsync(_projectId, branch.Id, ct), cancellationToken, mutating: true).ConfigureAwait(false);
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
            await WaitForOperationsAsync(accepted, Describe(branch), budget.Token).ConfigureAwait(false);
            Forget(branch.Id);
            _logger.LogInformation("Deleted Neon branch {Branch} ({BranchId}) after the failed attempt to {Action}.", branch.Name, branch.Id, failedAction);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var reason = budget.IsCancellationRequested && e is OperationCanceledException
                ? $"no result within the clean-up budget of {_timings.CleanupTimeout.TotalSeconds:0} s"
                : _scrubber.Scrub(e.Message).TrimEnd('.');
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

    private async Task<Api.Endpoint> FindOrCreateEndpointAsync(BranchFacts branch, bool readOnly, CancellationToken cancellationToken)
    {
        var type = readOnly ? NeonStates.ReadOnly : NeonStates.ReadWrite;
        var existing = await CallAsync($"list the endpoints of {Describe(branch)}", ct => _client.ListProjectBranchEndpointsAsync(_projectId, branch.Id, ct), cancellationToken).ConfigureAwait(false);
        if (existing.Endpoints.FirstOrDefault(e => e.Type == type && e.Disabled != true) is { } found)
        {
            return IsReady(found) ? found : await WaitForEndpointAsync(found.Id, Describe(branch), cancellationToken).ConfigureAwait(false);
        }

        var request = new Api.EndpointCreateRequest { Endpoint = new Api.EndpointCreateRequestEndpoint { BranchId = branch.Id, Type = type } };
        var created = await CallAsync(
            $"create a {type} endpoint on {Describe(branch)}",
            ct => _client.CreateProjectEndpointAsync(request, _projectId, ct),
            cancellationToken,
            mutating: true).ConfigureAwait(false);
        try
        {
            await WaitForOperationsAsync(created.Operations, $"the {type} endpoint {created.Endpoint.Id} of {Describe(branch)}", cancellationToken).ConfigureAwait(false);
            var endpoint = await WaitForEndpointAsync(created.Endpoint.Id, Describe(branch), cancellationToken).ConfigureAwait(false);
            _logger.LogDebug("Created {Type} endpoint {EndpointId} on Neon branch {Branch}.", type, endpoint.Id, branch.Name);
            return endpoint;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            using var budget = new CancellationTokenSource(_timings.CleanupTimeout, _time);
            try
            {
                await CallAsync($"delete endpoint {created.Endpoint.Id}", ct => _client.DeleteProjectEndpointAsync(_projectId, created.Endpoint.Id, ct), budget.Token, mutating: true).ConfigureAwait(false);
            }
            catch (Exception cleanup) when (cleanup is not OutOfMemoryException)
            {
                _logger.LogWarning("Could not delete endpoint {EndpointId} after it failed to start: {Message} It goes with its branch.", created.Endpoint.Id, _scrubber.Scrub(cleanup.Message));
            }

            throw;
        }
    }

    private async Task<bool> HasActiveComputeAsync(BranchFacts branch, CancellationToken cancellationToken)
    {
        var endpoints = await CallAsync($"list the endpoints of {Describe(branch)}", ct => _client.ListProjectBranchEndpointsAsync(_projectId, branch.Id, ct), cancellationToken).ConfigureAwait(false);
        return endpoints.Endpoints.Any(e => e.CurrentState == NeonStates.EndpointActive);
    }

    private async Task<string> GetPasswordAsync(BranchFacts branch, CancellationToken cancellationToken)
    {
        if (_passwords.TryGetValue(branch.Id, out var cached))
        {
            return cached;
        }

        try
        {
            // Reveal, never reset: a reset would drop every other process's connections.
            var revealed = await CallAsync(
                $"read the password of role '{_options.Role}' on {Describe(branch)}",
                ct => _client.GetProjectBranchRolePasswordAsync(_projectId, branch.Id, _options.Role, ct),
                cancellationToken).ConfigureAwait(false);
            _scrubber.Add(revealed.Password);
            return _passwords[branch.Id] = revealed.Password;
        }
        catch (NeonProviderException e) when (e.StatusCode == 404)
        {
            var roles = await CallAsync($"list the roles of {Describe(branch)}", ct => _client.ListProjectBranchRolesAsync(_projectId, branch.Id, ct), cancellationToken).ConfigureAwait(false);
            throw new NeonConfigurationException(NeonSettings.Role,
                $"NeonRole is '{_options.Role}', but branch {Describe(branch)} has no such role (it has: {string.Join(", ", roles.Roles.Select(r => r.Name))}). Set NeonRole to one of them.", e);
        }
        catch (NeonProviderException e) when (e.StatusCode == 412)
        {
            throw new NeonConfigurationException(NeonSettings.Role,
                $"Neon project {_projectId} does not store role passwords, so the password of '{_options.Role}' cannot be read, and Neon.Testing never resets it " +
                "(that would drop other connections). Use a project that stores passwords (the default for new projects).", e);
        }
    }

    private async Task EnsureDatabaseExistsAsync(BranchFacts branch, CancellationToken cancellationToken)
    {
        // Once per session: a wrong NeonDatabase should fail here, by name, not deep inside a migration.
        if (Volatile.Read(ref _databaseChecked) != 0)
        {
            return;
        }

        var databases = await CallAsync($"list the databases of {Describe(branch)}", ct => _client.ListProjectBranchDatabasesAsync(_projectId, branch.Id, ct), cancellationToken).ConfigureAwait(false);
        if (!databases.Databases.Any(d => d.Name == _options.Database))
        {
            throw new NeonConfigurationException(NeonSettings.Database,
                $"NeonDatabase is '{_options.Database}', but branch {Describe(branch)} has no such database (it has: {string.Join(", ", databases.Databases.Select(d => d.Name))}). Set NeonDatabase to one of them.");
        }

        Volatile.Write(ref _databaseChecked, 1);
    }

    private async Task WaitForOperationsAsync(IEnumerable<Api.Operation> operations, string subject, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _timings.OperationTimeout;
        foreach (var operation in operations)
        {
            var current = operation;
            for (var poll = 0; ; poll++)
            {
                var outcome = NeonStates.Outcome(current.Status);
                if (outcome == OperationOutcome.Succeeded)
                {
                    break;
                }

                if (outcome == OperationOutcome.Failed)
                {
                    throw new NeonProviderException(_scrubber.Scrub(
                        $"Neon operation {current.Action} ({current.Id}) on {subject} ended '{current.Status}': {current.Error ?? "Neon gave no reason"}."));
                }

                if (_time.GetUtcNow() >= deadline)
                {
                    throw new NeonProviderException(
                        $"Neon operation {current.Action} ({current.Id}) on {subject} was still '{current.Status}' after {_timings.OperationTimeout.TotalSeconds:0} s.");
                }

                await Task.Delay(_timings.PollDelay(poll), _time, cancellationToken).ConfigureAwait(false);
                var id = current.Id;
                current = (await CallAsync($"read operation {id}", ct => _client.GetProjectOperationAsync(_projectId, id, ct), cancellationToken).ConfigureAwait(false)).Operation;
            }
        }
    }

    private async Task<Api.Endpoint> WaitForEndpointAsync(string endpointId, string subject, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _timings.EndpointTimeout;
        for (var poll = 0; ; poll++)
        {
            var endpoint = (await CallAsync($"read endpoint {endpointId}", ct => _client.GetProjectEndpointAsync(_projectId, endpointId, ct), cancellationToken).ConfigureAwait(false)).Endpoint;
            if (IsReady(endpoint))
            {
                return endpoint;
            }

            if (endpoint.Disabled == true)
            {
                throw new NeonProviderException($"Endpoint {endpointId} of {subject} is disabled; Neon.Testing cannot connect through it.");
            }

            if (_time.GetUtcNow() >= deadline)
            {
                throw new NeonProviderException(
                    $"Endpoint {endpointId} of {subject} was still '{endpoint.CurrentState}'{(endpoint.PendingState is { } pending ? $" (becoming '{pending}')" : "")} after {_timings.EndpointTimeout.TotalSeconds:0} s.");
            }

            await Task.Delay(_timings.PollDelay(poll), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Active, or suspended with nothing pending: an idle Neon compute wakes on the first connection.</summary>
    private static bool IsReady(Api.Endpoint endpoint) =>
        endpoint.Disabled != true && (endpoint.CurrentState == NeonStates.EndpointActive || (endpoint.CurrentState == "idle" && string.IsNullOrEmpty(endpoint.PendingState)));

    private async Task<T> CallAsync<T>(string action, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken, bool mutating = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (Api.NeonApiException e) when (mutating && e.StatusCode == 423 && attempt < _timings.LockedAttempts)
            {
                // 423: another operation is running on the branch. Not a transport failure (the retry
                // handler leaves 4xx alone), but worth waiting out a few times before giving up.
                var delay = _timings.PollDelay(attempt + 2);
                _logger.LogInformation("Neon is busy with another operation (423 Locked) while trying to {Action}; trying again in {Delay} ms.", action, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (Api.NeonApiException e) when (e.StatusCode is 401 or 403)
            {
                throw new NeonConfigurationException(NeonSettings.ApiKey,
                    $"The Neon API refused the API key ({e.StatusCode}) trying to {action}. Set NEON_API_KEY to a key with access to project {_projectId}.", e);
            }
            catch (Api.NeonApiException e)
            {
                throw new NeonProviderException(_scrubber.Scrub($"Neon API refused to {action}: {Describe(e)}"), e.StatusCode, e);
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException)
            {
                throw new NeonProviderException(_scrubber.Scrub($"Could not {action}: {e.Message}"), null, e);
            }
        }
    }

    private static string Describe(Api.NeonApiException exception) => exception switch
    {
        Api.NeonApiException<Api.GeneralError> { Result: { } error } when !string.IsNullOrWhiteSpace(error.Message) =>
            $"{exception.StatusCode}{(string.IsNullOrEmpty(error.Code) ? "" : " " + error.Code)}: {error.Message}",
        { StatusCode: 429 } => "429 Too Many Requests, still after every retry the policy allows.",
        { StatusCode: >= 500 } => $"{exception.StatusCode}, a Neon server error, still after every retry the policy allows.",
        _ => $"{exception.StatusCode}: {exception.Message.Split('\n', 2)[0]}",
    };
}
