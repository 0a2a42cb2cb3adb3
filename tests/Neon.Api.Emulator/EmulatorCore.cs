using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Neon.Api.Emulator;

/// <summary>
/// The project's behaviour shared by the routes and the expiry sweeper: creating and deleting
/// branches and endpoints, restoring, and routing PostgreSQL connections to the right database.
/// Methods that touch <see cref="State"/> expect the caller to hold <see cref="EmulatorState.Gate"/>.
/// </summary>
internal sealed class EmulatorCore
{
    /// <summary>Neon caps expiry at 30 days ahead.</summary>
    public static readonly TimeSpan MaxExpiry = TimeSpan.FromDays(30);

    private static readonly TimeSpan StartPoll = TimeSpan.FromMilliseconds(20);

    private long _databaseIds = 39_724_300;

    public EmulatorCore(EmulatorState state, IEmulatorStorage storage, FaultInjector faults, NeonApiEmulatorOptions options, X509Certificate2 certificate, ILogger logger, CancellationToken lifetime)
    {
        State = state;
        Storage = storage;
        Faults = faults;
        Options = options;
        Certificate = certificate;
        Logger = logger;
        Lifetime = lifetime;
        Runner = new OperationRunner(state, faults, options, logger, lifetime);
    }

    public EmulatorState State { get; }

    public IEmulatorStorage Storage { get; }

    public FaultInjector Faults { get; }

    public NeonApiEmulatorOptions Options { get; }

    public X509Certificate2 Certificate { get; }

    public ILogger Logger { get; }

    public CancellationToken Lifetime { get; }

    public OperationRunner Runner { get; }

    /// <summary>Every proxy ever started, so stopping the emulator closes them all (deleted endpoints' included).</summary>
    public List<EndpointProxy> Proxies { get; } = [];

    public DateTimeOffset Now => Options.TimeProvider.GetUtcNow();

    /// <summary>Creates the project's default branch <c>main</c> with its read-write endpoint, both ready at once (the project already exists).</summary>
    public async Task CreateDefaultBranchAsync(CancellationToken cancellationToken)
    {
        var database = Storage.NewDatabaseName();
        await Storage.CreateEmptyAsync(database, cancellationToken).ConfigureAwait(false);
        var size = await Storage.SizeAsync(database, cancellationToken).ConfigureAwait(false);
        lock (State.Gate)
        {
            var now = Now;
            var branch = new BranchRecord
            {
                Id = IdGenerator.BranchId(),
                Name = "main",
                Database = database,
                DatabaseId = NextDatabaseId(),
                IsDefault = true,
                CreatedAt = State.CreatedAt,
                UpdatedAt = State.CreatedAt,
                StateChangedAt = now,
                CurrentState = "ready",
                PendingState = null,
                LogicalSize = size,
            };
            State.Branches[branch.Id] = branch;
            State.DatabaseByBranch[branch.Id] = database;
            State.DefaultBranchId = branch.Id;
            var endpoint = AddEndpoint(branch, EndpointRecord.ReadWrite);
            endpoint.CurrentState = "active";
            endpoint.PendingState = null;
        }
    }

    public void RequireProject(string projectId)
    {
        if (projectId != State.ProjectId)
        {
            throw NeonApiException.NotFound("project not found");
        }
    }

    public BranchRecord RequireBranch(string branchId) =>
        State.Branches.TryGetValue(branchId, out var branch) ? branch : throw NeonApiException.NotFound("branch not found");

    public EndpointRecord RequireEndpoint(string endpointId) =>
        State.Endpoints.TryGetValue(endpointId, out var endpoint) ? endpoint : throw NeonApiException.NotFound("endpoint not found");

    /// <summary>Creates a child of <paramref name="parent"/>: the copy happens in its <c>create_timeline</c> operation.</summary>
    public (BranchRecord Branch, List<OperationRecord> Operations) CreateBranch(BranchRecord parent, string? name, DateTimeOffset? expiresAt, JsonObject? annotation)
    {
        var now = Now;
        var branch = new BranchRecord
        {
            Id = IdGenerator.BranchId(),
            Name = "",
            ParentId = parent.Id,
            Database = Storage.NewDatabaseName(),
            DatabaseId = NextDatabaseId(),
            CreatedAt = now,
            UpdatedAt = now,
            StateChangedAt = now,
            ParentTimestamp = now,
            ExpiresAt = expiresAt,
            TtlIntervalSeconds = expiresAt is null ? null : (long)Math.Round((expiresAt.Value - now).TotalSeconds),
            AnnotationValue = annotation,
        };
        branch.Name = string.IsNullOrEmpty(name) ? branch.Id : name;
        State.Branches[branch.Id] = branch;
        State.DatabaseByBranch[branch.Id] = branch.Database;
        var operation = Runner.Schedule(
            "create_timeline",
            branch,
            work: async cancellationToken =>
            {
                await Storage.CloneAsync(branch.Database, parent.Database, cancellationToken).ConfigureAwait(false);
                var size = await Storage.SizeAsync(branch.Database, cancellationToken).ConfigureAwait(false);
                lock (State.Gate)
                {
                    branch.LogicalSize = size;
                }
            },
            onFinished: () => MarkReady(branch),
            after: parent.Tail);
        return (branch, [operation]);
    }

    /// <summary>Adds a compute endpoint and schedules its <c>start_compute</c>; it turns <c>active</c> when that finishes.</summary>
    public (EndpointRecord Endpoint, OperationRecord Operation) CreateEndpoint(BranchRecord branch, string type)
    {
        if (type == EndpointRecord.ReadWrite && State.EndpointsOf(branch.Id).Any(e => e.Type == EndpointRecord.ReadWrite))
        {
            throw NeonApiException.Conflict($"branch {branch.Id} already has a read_write endpoint");
        }

        var endpoint = AddEndpoint(branch, type);
        return (endpoint, StartCompute(branch, endpoint));
    }

    /// <summary>Removes the endpoint at once (reads answer 404); its compute stops in a <c>suspend_compute</c> operation.</summary>
    public OperationRecord DeleteEndpoint(EndpointRecord endpoint, BranchRecord branch)
    {
        State.Endpoints.Remove(endpoint.Id);
        State.DeletedIds.Add(endpoint.Id);
        endpoint.UpdatedAt = Now;
        var proxy = endpoint.Proxy;
        return Runner.Schedule(
            "suspend_compute",
            branch,
            endpoint,
            work: async _ =>
            {
                if (proxy is not null)
                {
                    await proxy.DisposeAsync().ConfigureAwait(false);
                }
            });
    }

    /// <summary>Deletes a branch with its endpoints; refuses the default branch and branches with children as Neon does.</summary>
    public List<OperationRecord> DeleteBranch(BranchRecord branch)
    {
        if (branch.IsDefault)
        {
            throw NeonApiException.BadRequest($"branch {branch.Id} is the project's default branch and cannot be deleted");
        }

        if (State.ChildrenOf(branch.Id).Any())
        {
            throw NeonApiException.BadRequest($"branch {branch.Id} has child branches; delete them first");
        }

        var operations = State.EndpointsOf(branch.Id).ToList().Select(e => DeleteEndpoint(e, branch)).ToList();
        State.Branches.Remove(branch.Id);
        State.DeletedIds.Add(branch.Id);
        branch.UpdatedAt = Now;
        var database = branch.Database;
        operations.Add(Runner.Schedule("delete_timeline", branch, work: cancellationToken => Storage.DropAsync(database, cancellationToken)));
        return operations;
    }

    /// <summary>
    /// Restores <paramref name="branch"/> to <paramref name="source"/>'s head: the endpoints restart, the
    /// database is replaced by a fresh copy (sessions on it end, as on Neon), and the source becomes the parent.
    /// </summary>
    public List<OperationRecord> RestoreBranch(BranchRecord branch, BranchRecord source, string? preserveUnderName)
    {
        var now = Now;
        string? preserved = null;
        BranchRecord? backupBranch = null;
        if (preserveUnderName is not null)
        {
            var backup = new BranchRecord
            {
                Id = IdGenerator.BranchId(),
                Name = preserveUnderName,
                ParentId = branch.ParentId,
                Database = Storage.NewDatabaseName(),
                DatabaseId = NextDatabaseId(),
                CreatedAt = now,
                UpdatedAt = now,
                StateChangedAt = now,
                ParentTimestamp = branch.ParentTimestamp,
                LogicalSize = branch.LogicalSize,
            };
            State.Branches[backup.Id] = backup;
            State.DatabaseByBranch[backup.Id] = backup.Database;
            foreach (var child in State.ChildrenOf(branch.Id).ToList())
            {
                child.ParentId = backup.Id;
            }

            preserved = backup.Database;
            backupBranch = backup;
        }

        var endpoints = State.EndpointsOf(branch.Id).ToList();
        foreach (var endpoint in endpoints)
        {
            endpoint.CurrentState = "init";
            endpoint.PendingState = "active";
            endpoint.UpdatedAt = now;
        }

        branch.ParentId = source.Id;
        branch.ParentTimestamp = now;
        branch.LastResetAt = now;
        branch.UpdatedAt = now;
        if (branch.TtlIntervalSeconds is { } ttl)
        {
            // Neon restarts the countdown with the original interval.
            branch.ExpiresAt = now.AddSeconds(ttl);
        }

        var operations = new List<OperationRecord>
        {
            Runner.Schedule(
                "create_timeline",
                branch,
                work: cancellationToken => Storage.ReplaceAsync(branch.Database, source.Database, preserved, cancellationToken),
                onFinished: () =>
                {
                    if (backupBranch is not null)
                    {
                        MarkReady(backupBranch);
                    }
                },
                after: source.Tail),
        };
        operations.AddRange(endpoints.Select(e => StartCompute(branch, e)));
        return operations;
    }

    /// <summary>Deletes branches whose expiry has passed, children first (a parent with children waits for them).</summary>
    public int SweepExpired()
    {
        lock (State.Gate)
        {
            var now = Now;
            var expired = State.Branches.Values
                .Where(b => b.ExpiresAt <= now && !b.IsDefault && !State.ChildrenOf(b.Id).Any())
                .ToList();
            foreach (var branch in expired)
            {
                Logger.LogInformation("Branch {Branch} expired at {ExpiresAt}; deleting it.", branch.Id, branch.ExpiresAt);
                DeleteBranch(branch);
            }

            SuspendIdleComputes(now);

            return expired.Count;
        }
    }

    /// <summary>Suspends computes without client sessions since <see cref="NeonApiEmulatorOptions.ComputeSuspendTimeout"/> (caller holds the gate).</summary>
    private void SuspendIdleComputes(DateTimeOffset now)
    {
        if (Options.ComputeSuspendTimeout is not { } timeout)
        {
            return;
        }

        foreach (var endpoint in State.Endpoints.Values.Where(e => e.CurrentState == "active" && e.PendingState is null && e.Proxy?.OpenSessions == 0))
        {
            var lastUse = endpoint.LastActive > endpoint.UpdatedAt ? endpoint.LastActive : endpoint.UpdatedAt;
            if (lastUse + timeout <= now)
            {
                endpoint.CurrentState = "idle";
                endpoint.UpdatedAt = now;
                Logger.LogInformation("Compute {Endpoint} idle since {LastUse}; suspending it.", endpoint.Id, lastUse);
            }
        }
    }

    /// <summary>
    /// Maps a client's startup parameters to the branch's local database and role, waiting while the
    /// endpoint starts (a Neon compute wakes up on connect). Refuses unknown roles, databases and endpoints.
    /// </summary>
    public async Task<Dictionary<string, string>> RouteConnectionAsync(string endpointId, Dictionary<string, string> parameters, CancellationToken cancellationToken)
    {
        var user = parameters.GetValueOrDefault("user") ?? "";
        var database = parameters.GetValueOrDefault("database") ?? user;
        if (user != EmulatorState.RoleName)
        {
            throw new PostgresRefusalException("28P01", $"password authentication failed for user \"{user}\"");
        }

        if (database != EmulatorState.DatabaseName)
        {
            throw new PostgresRefusalException("3D000", $"database \"{database}\" does not exist");
        }

        var deadline = Now + Options.EndpointConnectTimeout;
        while (true)
        {
            lock (State.Gate)
            {
                if (!State.Endpoints.TryGetValue(endpointId, out var endpoint) || !State.Branches.TryGetValue(endpoint.BranchId, out var branch))
                {
                    throw new PostgresRefusalException("08004", $"endpoint {endpointId} does not exist");
                }

                if (endpoint.CurrentState == "idle" && endpoint.PendingState is null)
                {
                    // A connection wakes a suspended compute.
                    endpoint.CurrentState = "active";
                    endpoint.UpdatedAt = Now;
                }

                if (endpoint.CurrentState == "active")
                {
                    endpoint.LastActive = Now;
                    parameters["user"] = endpoint.IsReadOnly ? Storage.ReaderRole : Storage.OwnerRole;
                    parameters["database"] = branch.Database;

                    // Neon's SNI-less clients name the endpoint in options; the local server would reject it.
                    if (parameters.TryGetValue("options", out var options))
                    {
                        parameters["options"] = string.Join(' ', options.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(o => !o.StartsWith("endpoint=", StringComparison.Ordinal) && !o.StartsWith("project=", StringComparison.Ordinal)));
                    }

                    return parameters;
                }
            }

            if (Now > deadline)
            {
                throw new PostgresRefusalException("57P03", $"compute endpoint {endpointId} did not become active within {Options.EndpointConnectTimeout.TotalSeconds:0} s");
            }

            await Task.Delay(StartPoll, Options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private EndpointRecord AddEndpoint(BranchRecord branch, string type)
    {
        var now = Now;
        var endpoint = new EndpointRecord
        {
            Id = IdGenerator.EndpointId(),
            BranchId = branch.Id,
            Type = type,
            CreatedAt = now,
            UpdatedAt = now,
        };
        endpoint.Proxy = EndpointProxy.Start(
            Certificate,
            (parameters, cancellationToken) => RouteConnectionAsync(endpoint.Id, parameters, cancellationToken),
            Storage.Host,
            Storage.Port,
            Logger);
        Proxies.Add(endpoint.Proxy);
        State.Endpoints[endpoint.Id] = endpoint;
        return endpoint;
    }

    private OperationRecord StartCompute(BranchRecord branch, EndpointRecord endpoint) =>
        Runner.Schedule(
            "start_compute",
            branch,
            endpoint,
            onFinished: () =>
            {
                if (State.Endpoints.ContainsKey(endpoint.Id))
                {
                    endpoint.CurrentState = "active";
                    endpoint.PendingState = null;
                    endpoint.UpdatedAt = Now;
                }
            },
            duration: Options.EndpointStartDelay + Faults.TakeEndpointDelay());

    private void MarkReady(BranchRecord branch)
    {
        branch.CurrentState = "ready";
        branch.PendingState = null;
        branch.StateChangedAt = Now;
        branch.UpdatedAt = Now;
    }

    private long NextDatabaseId() => Interlocked.Increment(ref _databaseIds);
}
