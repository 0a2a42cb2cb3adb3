namespace Neon.Api.Emulator;

/// <summary>
/// The state store: one project, its branches, endpoints and operations. Every read and write
/// happens under <see cref="Gate"/>, so a response is always a consistent snapshot.
/// </summary>
internal sealed class EmulatorState
{
    public EmulatorState(string projectId, string projectName, string rolePassword, DateTimeOffset createdAt)
    {
        ProjectId = projectId;
        ProjectName = projectName;
        RolePassword = rolePassword;
        CreatedAt = createdAt;
    }

    /// <summary>The role every branch holds, as on a project created through the console.</summary>
    public const string RoleName = "neondb_owner";

    /// <summary>The database every branch holds.</summary>
    public const string DatabaseName = "neondb";

    public Lock Gate { get; } = new();

    public string ProjectId { get; }

    public string ProjectName { get; }

    /// <summary><see cref="RoleName"/>'s password, the same on every branch (Neon copies roles into children).</summary>
    public string RolePassword { get; }

    public DateTimeOffset CreatedAt { get; }

    public string DefaultBranchId { get; set; } = "";

    public Dictionary<string, BranchRecord> Branches { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, EndpointRecord> Endpoints { get; } = new(StringComparer.Ordinal);

    /// <summary>Operations, oldest first.</summary>
    public List<OperationRecord> Operations { get; } = [];

    /// <summary>Ids deleted earlier: a second delete answers 204 as the spec says, unknown ids 404.</summary>
    public HashSet<string> DeletedIds { get; } = new(StringComparer.Ordinal);

    /// <summary>Local database name of every branch ever created, deleted ones included (for tests).</summary>
    public Dictionary<string, string> DatabaseByBranch { get; } = new(StringComparer.Ordinal);

    public IEnumerable<BranchRecord> ChildrenOf(string branchId) => Branches.Values.Where(b => b.ParentId == branchId);

    public IEnumerable<EndpointRecord> EndpointsOf(string branchId) => Endpoints.Values.Where(e => e.BranchId == branchId).OrderBy(e => e.CreatedAt);
}
