using Neon.Testing.Engine.Isolation;

namespace Neon.Testing.Engine.Session;

/// <summary>
/// One isolated branch of the session's pool, held by one test (or one worker) at a time, or by the
/// tests of one <see cref="TestIsolation.PerClass"/> class. <see cref="ResetAsync"/> restores what the
/// test changed; disposing a lease from <see cref="TestDatabaseSession.AcquireIsolatedBranchAsync"/> returns it to the pool.
/// </summary>
public sealed class IsolatedBranchLease : IAsyncDisposable
{
    private readonly IsolatedBranchPool _pool;
    private readonly Task<ChangeTracker> _tracker;
    private int _leased;
    private int _running;

    internal IsolatedBranchLease(IsolatedBranchPool pool, Branch branch, string connectionString, Task<ChangeTracker> tracker)
    {
        _pool = pool;
        Branch = branch;
        ConnectionString = connectionString;
        _tracker = tracker;
    }

    /// <summary>The branch.</summary>
    public Branch Branch { get; }

    /// <summary>Read-write connection string (holds a password: never log it).</summary>
    public string ConnectionString { get; }

    /// <summary>The branch the environment variable names (taken for the default level at the start of the run).</summary>
    public bool IsPrimary { get; internal set; }

    /// <summary>A test runs on the branch right now.</summary>
    public bool InUse => Volatile.Read(ref _running) > 0;

    /// <summary>Tests running on the branch right now (guarded by the pool's gate).</summary>
    internal int Running
    {
        get => Volatile.Read(ref _running);
        set => Volatile.Write(ref _running, value);
    }

    /// <summary>Class a PerClass binding keeps the branch for, or <see langword="null"/> (guarded by the pool's gate).</summary>
    internal string? BoundClass { get; set; }

    /// <summary>
    /// Changes no test's end restores: a PerClass class's, restored when the binding ends, or writes made while no test
    /// held the branch (<see cref="MarkChangedWhileFree"/>), restored before the branch's next test.
    /// </summary>
    internal bool Dirty { get; set; }

    /// <summary>
    /// Records that something other than the branch's holder wrote to it while no test held it (a test that read the
    /// environment variable after the branch's own test had ended): the pool restores it before lending it again.
    /// </summary>
    public void MarkChangedWhileFree() => Dirty = true;

    internal bool IsFree => Running == 0 && BoundClass is null;

    /// <summary>Restores the branch to the migrated state: nothing when clean, touched tables when dirty, the whole branch after schema changes.</summary>
    public Task<ResetResult> ResetAsync(CancellationToken cancellationToken = default) => _pool.ResetAsync(this, cancellationToken);

    /// <summary>Returns the branch to the pool for the next test.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _leased, 0) == 1)
        {
            await _pool.ReleaseAsync(this, CancellationToken.None).ConfigureAwait(false);
        }
    }

    internal void MarkLeased() => Volatile.Write(ref _leased, 1);

    /// <summary>Waits until change tracking is attached (the primary branch's attaches while the test framework starts); throws its failure.</summary>
    internal Task WhenTrackedAsync(CancellationToken cancellationToken) => _tracker.WaitAsync(cancellationToken);

    internal async Task<ResetResult> ResetTrackedAsync(CancellationToken cancellationToken) =>
        await (await _tracker.ConfigureAwait(false)).ResetAsync(cancellationToken).ConfigureAwait(false);

    internal async Task<ResetResult> ResetTrackedWithAsync(Func<CancellationToken, Task> reset, string reason, CancellationToken cancellationToken) =>
        await (await _tracker.ConfigureAwait(false)).ResetFullyAsync(reset, reason, cancellationToken).ConfigureAwait(false);

    internal async ValueTask DisposeTrackerAsync()
    {
        ChangeTracker tracker;
        try
        {
            tracker = await _tracker.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The attach failed, which the tests that took the branch were told: there is nothing to close.
            return;
        }

        await tracker.DisposeAsync().ConfigureAwait(false);
    }
}
