using Neon.Testing.Engine.Isolation;

namespace Neon.Testing.Engine;

/// <summary>
/// One isolated branch, lent to one test (or one worker) at a time. <see cref="ResetAsync"/> restores
/// what the test changed; disposing returns the branch to the session's pool.
/// </summary>
public sealed class IsolatedBranchLease : IAsyncDisposable
{
    private readonly TestDatabaseSession _session;
    private readonly ChangeTracker _tracker;
    private int _leased;

    internal IsolatedBranchLease(TestDatabaseSession session, Branch branch, string connectionString, ChangeTracker tracker)
    {
        _session = session;
        Branch = branch;
        ConnectionString = connectionString;
        _tracker = tracker;
    }

    /// <summary>The branch.</summary>
    public Branch Branch { get; }

    /// <summary>Read-write connection string (holds a password: never log it).</summary>
    public string ConnectionString { get; }

    /// <summary>Restores the branch to the migrated state: nothing when clean, touched tables when dirty, the whole branch after schema changes.</summary>
    public async Task<ResetResult> ResetAsync(CancellationToken cancellationToken = default)
    {
        var result = await _tracker.ResetAsync(cancellationToken).ConfigureAwait(false);
        _session.Statistics.RecordReset(result);
        return result;
    }

    /// <summary>Returns the branch to the pool for the next test.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _leased, 0) == 1)
        {
            _session.Return(this);
        }

        return ValueTask.CompletedTask;
    }

    internal void MarkLeased() => Volatile.Write(ref _leased, 1);

    internal ValueTask DisposeTrackerAsync() => _tracker.DisposeAsync();
}
