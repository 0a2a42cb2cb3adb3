using System.Collections.Concurrent;
using Npgsql;

namespace Neon.Testing.Engine.Session;

/// <summary>
/// The one place this process's Npgsql pools are cleared: only the pools of the connection strings the
/// session handed out for a branch, and only when that branch's server connections were killed (a full
/// reset re-creates the branch; a reset may terminate connections left open). Tests running at the same
/// time on other branches keep their pooled connections.
/// </summary>
internal sealed class BranchConnectionPools
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _byBranch = new(StringComparer.Ordinal);

    /// <summary>Raised after the branch's pools here were cleared, for pools this class cannot see (an application's own data sources).</summary>
    public event Action<BranchConnectionsResetEventArgs>? Cleared;

    /// <summary>Remembers that <paramref name="connectionString"/> (as handed to tests) points at <paramref name="branch"/>.</summary>
    public void Remember(Branch branch, string connectionString) =>
        _byBranch.GetOrAdd(branch.Id, static _ => new(StringComparer.Ordinal)).TryAdd(connectionString, 0);

    /// <summary>Resets <paramref name="branch"/> with <paramref name="reset"/>: its idle pooled connections go first (a re-clone waits for every connection), and the dead ones after.</summary>
    public async Task FullResetAsync(Branch branch, Func<CancellationToken, Task> reset, CancellationToken cancellationToken)
    {
        Clear(branch);
        await reset(cancellationToken).ConfigureAwait(false);
        Clear(branch);
    }

    /// <summary>After a reset that was not full but had to do more than restore rows (it terminated connections), drops the branch's pooled connections, which may be dead.</summary>
    public void AfterReset(Branch branch, Isolation.ResetResult result)
    {
        if (result.Kind != Isolation.ResetKind.Full && result.Reason is not null)
        {
            Clear(branch);
        }
    }

    private void Clear(Branch branch)
    {
        if (!_byBranch.TryGetValue(branch.Id, out var connectionStrings))
        {
            return;
        }

        foreach (var connectionString in connectionStrings.Keys)
        {
            using var pooled = new NpgsqlConnection(connectionString);
            NpgsqlConnection.ClearPool(pooled);
        }

        Cleared?.Invoke(new BranchConnectionsResetEventArgs(branch, connectionStrings.Keys.ToArray()));
    }
}
