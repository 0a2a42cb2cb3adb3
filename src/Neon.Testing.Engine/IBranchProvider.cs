namespace Neon.Testing.Engine;

/// <summary>
/// A branching engine: Neon through its API, or a PostgreSQL server with template databases.
/// Implementations refuse to create from, reset or delete anything that is not ours, and never
/// write to the root branch.
/// </summary>
internal interface IBranchProvider : IAsyncDisposable
{
    /// <summary>Short name for logs and summaries (<c>Local</c>, <c>Neon</c>).</summary>
    string Name { get; }

    /// <summary>Resolves the configured parent (or the default branch) that the session branches from.</summary>
    Task<Branch> GetRootBranchAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates a branch from its parent's current state.</summary>
    Task<Branch> CreateBranchAsync(BranchRequest request, CancellationToken cancellationToken = default);

    /// <summary>Returns a read-write or read-only endpoint for the branch, creating it when needed.</summary>
    Task<BranchEndpoint> GetEndpointAsync(Branch branch, bool readOnly, CancellationToken cancellationToken = default);

    /// <summary>
    /// Restores the branch to its parent's current state (the slow, complete reset). Connections to it die; clearing
    /// this process's pools for it is the session's job (<c>Session/BranchConnectionPools</c>), not the provider's.
    /// </summary>
    Task ResetBranchAsync(Branch branch, CancellationToken cancellationToken = default);

    /// <summary>
    /// Keeps the branch's current state as a new branch named <paramref name="preserveAs"/> (same parent, marker and
    /// expiry) and restores the branch itself to its parent's state, under its own name and connection string.
    /// </summary>
    /// <returns>The preserved branch.</returns>
    Task<Branch> PreserveAndResetBranchAsync(Branch branch, string preserveAs, CancellationToken cancellationToken = default);

    /// <summary>A command that opens <paramref name="branch"/> in <c>psql</c> (or gets its connection string) without printing a secret.</summary>
    string HowToOpen(Branch branch);

    /// <summary>Renames one of our branches to another name of ours; nothing else about it changes.</summary>
    Task<Branch> RenameBranchAsync(Branch branch, string newName, CancellationToken cancellationToken = default);

    /// <summary>Deletes the branch and its endpoints.</summary>
    Task DeleteBranchAsync(Branch branch, CancellationToken cancellationToken = default);

    /// <summary>Finds one of our branches by exact name, or <see langword="null"/>.</summary>
    Task<Branch?> FindBranchAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Lists every branch carrying our prefix.</summary>
    Task<IReadOnlyList<Branch>> ListOurBranchesAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes our branches whose expiry has passed; returns how many went.</summary>
    Task<int> SweepExpiredAsync(CancellationToken cancellationToken = default);

    /// <summary>A branch with children cannot be deleted (Neon); a database clone does not depend on its template (Local).</summary>
    bool ChildrenBlockDeletion { get; }

    /// <summary>Number of remote API calls made so far (0 for providers without an API).</summary>
    long ApiCalls { get; }
}
