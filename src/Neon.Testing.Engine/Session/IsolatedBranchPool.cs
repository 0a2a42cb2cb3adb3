using System.Diagnostics;
using Neon.Testing.Engine.Isolation;
using Npgsql;

namespace Neon.Testing.Engine.Session;

/// <summary>
/// The session's one pool of isolated branches: a free branch for each test that needs one (the primary
/// first), a new branch only when every branch is busy (one per concurrently running test), and a
/// <see cref="TestIsolation.PerClass"/> binding that keeps a branch for one class until another test needs it.
/// With <paramref name="serial"/> (<see cref="ConcurrentTests.Serial"/>) there is one branch, the primary, and a test
/// that finds it busy waits for its turn instead of getting another.
/// </summary>
internal sealed class IsolatedBranchPool(
    Func<int, bool, IsolatedBranchPool, CancellationToken, Task<IsolatedBranchLease>> create,
    SessionStatistics statistics,
    BranchConnectionPools connectionPools,
    bool serial = false)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<IsolatedBranchLease> _branches = [];
    private readonly Dictionary<string, IsolatedBranchLease> _byDatabase = new(StringComparer.Ordinal);
    private int _lastNumber;

    // Completed (and replaced) whenever a branch's last test ends; serial tests waiting for their turn wait for it (guarded by _gate).
    private TaskCompletionSource _turnEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The branch PrepareAsync is making, which a test that finds no free branch waits for instead of making its own (guarded by _branches).
    private Task<IsolatedBranchLease>? _preparing;

    /// <summary>Branches created so far.</summary>
    public int Count
    {
        get
        {
            lock (_branches)
            {
                return _branches.Count;
            }
        }
    }

    /// <summary>Creates the branch the environment variable names; tests take it before any other. Nobody holds it yet.</summary>
    public async Task<IsolatedBranchLease> CreatePrimaryAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var lease = await CreateAsync(primary: true, cancellationToken).ConfigureAwait(false);
            lease.IsPrimary = true;
            return lease;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Takes a branch for one test: the one bound to <paramref name="perClass"/> when given and bound, else a
    /// free one, else the branch of a PerClass class none of whose tests runs (restored first), else a new one.
    /// Serial: the one branch, once no other test (or only tests of the same PerClass class) runs on it; unless
    /// <paramref name="canWaitForTurn"/> is false, when a busy branch means a branch of the test's own, as without Serial.
    /// </summary>
    public async Task<IsolatedBranchLease> TakeAsync(string? perClass, bool canWaitForTurn, CancellationToken cancellationToken)
    {
        long? waitStarted = null;
        while (true)
        {
            Task turn;
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                List<IsolatedBranchLease> branches;
                lock (_branches)
                {
                    branches = [.. _branches];
                }

                var shared = serial ? branches.OrderByDescending(b => b.IsPrimary).FirstOrDefault() : null;
                if (shared is null || shared.Running == 0 || (perClass is not null && shared.BoundClass == perClass))
                {
                    if (waitStarted is { } started)
                    {
                        statistics.RecordTurnWaited(Stopwatch.GetElapsedTime(started));
                    }

                    return await TakeUnderGateAsync(shared is null ? branches : [shared], perClass, cancellationToken).ConfigureAwait(false);
                }

                if (!canWaitForTurn)
                {
                    statistics.RecordTurnSkipped();
                    return await TakeUnderGateAsync(branches, perClass, cancellationToken).ConfigureAwait(false);
                }

                waitStarted ??= Stopwatch.GetTimestamp();
                turn = _turnEnded.Task;
            }
            finally
            {
                _gate.Release();
            }

            await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IsolatedBranchLease> TakeUnderGateAsync(List<IsolatedBranchLease> branches, string? perClass, CancellationToken cancellationToken)
    {
        var taken = perClass is not null ? branches.FirstOrDefault(b => b.BoundClass == perClass) : null;
        taken ??= branches.Where(b => b.IsFree).OrderByDescending(b => b.IsPrimary).FirstOrDefault();
        if (taken is null && branches.Where(b => b.Running == 0 && b.BoundClass is not null).OrderByDescending(b => b.IsPrimary).FirstOrDefault() is { } finishedClass)
        {
            // A PerClass class is done with this branch (no test of it runs): its changes are restored below.
            finishedClass.BoundClass = null;
            taken = finishedClass;
        }

        if (taken is null && Preparing() is { } preparing)
        {
            // A branch made ahead for this very moment: wait for it rather than make another beside it.
            try
            {
                var prepared = await preparing.WaitAsync(cancellationToken).ConfigureAwait(false);
                taken = prepared.IsFree ? prepared : null;
            }
            catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
            {
                // PrepareAsync reports its own failure; this test makes its branch below.
                _ = e;
            }
        }

        // Created under the gate: concurrent tests of one PerClass class must end up on the same branch.
        taken ??= await CreateAsync(primary: false, cancellationToken).ConfigureAwait(false);
        if (taken.BoundClass is null && taken.Dirty)
        {
            // Changes no test's end restored (a finished PerClass class's, or writes made while the branch was free,
            // see IsolatedBranchLease.MarkChangedWhileFree): restored for the next owner.
            await ResetAsync(taken, cancellationToken).ConfigureAwait(false);
            taken.Dirty = false;
        }

        taken.Running++;
        if (perClass is not null)
        {
            taken.BoundClass = perClass;
            taken.Dirty = true;
        }

        return taken;
    }

    /// <summary>One test less on <paramref name="lease"/>'s branch (a PerClass binding stays).</summary>
    public async Task ReleaseAsync(IsolatedBranchLease lease, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lease.Running--;
            if (lease.Running == 0)
            {
                _turnEnded.TrySetResult();
                _turnEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Restores the branch, counts the reset, and drops the branch's pooled connections when the reset killed them.</summary>
    public async Task<ResetResult> ResetAsync(IsolatedBranchLease lease, CancellationToken cancellationToken)
    {
        var result = await lease.ResetTrackedAsync(cancellationToken).ConfigureAwait(false);
        statistics.RecordReset(result);
        connectionPools.AfterReset(lease.Branch, result);
        return result;
    }

    /// <summary>
    /// Restores the branch with <paramref name="reset"/> (which also keeps its current state under another name),
    /// counts it as a full reset, and drops the branch's pooled connections, which the reset killed.
    /// </summary>
    public async Task<ResetResult> ResetWithAsync(IsolatedBranchLease lease, Func<CancellationToken, Task> reset, string reason, CancellationToken cancellationToken)
    {
        var result = await lease.ResetTrackedWithAsync(ct => connectionPools.FullResetAsync(lease.Branch, reset, ct), reason, cancellationToken).ConfigureAwait(false);
        statistics.RecordReset(result);
        return result;
    }

    /// <summary>The pool's branch whose database is <paramref name="database"/>, if any.</summary>
    public IsolatedBranchLease? ForDatabase(string database)
    {
        lock (_branches)
        {
            return _byDatabase.GetValueOrDefault(database);
        }
    }

    /// <summary>
    /// Detaches change tracking from every branch (the branches themselves are the session's to delete). With
    /// <paramref name="findClean"/>, first asks the tracker of each free branch nothing is pending for whether it is in the
    /// migrated state: those found clean are returned (the session may leave them as spares).
    /// </summary>
    public async Task<IReadOnlySet<string>> DetachTrackingAsync(bool findClean = false)
    {
        List<IsolatedBranchLease> branches;
        lock (_branches)
        {
            branches = [.. _branches];
        }

        var clean = await Task.WhenAll(branches.Select(async lease =>
        {
            var found = findClean && lease.IsFree && !lease.Dirty && await IsCleanAsync(lease).ConfigureAwait(false);
            try
            {
                await lease.DisposeTrackerAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A run ended by a signal mid-reset: the restore still uses the tracker's connection. The branch is
                // dropped next whatever its tracker did, so this must not stop the cleanup.
                _ = e;
                found = false;
            }

            return found ? lease.Branch.Id : null;
        })).ConfigureAwait(false);
        return clean.OfType<string>().ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Whether the branch's tracker finds nothing to restore (its check, the one run after every test); false on any doubt.</summary>
    private static async Task<bool> IsCleanAsync(IsolatedBranchLease lease)
    {
        try
        {
            // Something to restore is restored (or, needing a full reset, refused: the session is ending), and the branch dropped.
            return (await lease.ResetTrackedAsync(CancellationToken.None).ConfigureAwait(false)).Kind == ResetKind.Clean;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _ = e;
            return false;
        }
    }

    /// <summary>
    /// Makes branches, one after another, until the pool holds <paramref name="total"/>: the tests of a suite that runs
    /// in parallel then find them free instead of each waiting for a clone and an attach when they start together.
    /// Stops at <paramref name="stop"/> between branches, never within one (a branch cut short would be left behind).
    /// </summary>
    public async Task PrepareAsync(int total, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var creation = new TaskCompletionSource<IsolatedBranchLease>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_branches)
            {
                if (_branches.Count >= total)
                {
                    return;
                }

                _preparing = creation.Task;
            }

            try
            {
                creation.SetResult(await CreateAsync(primary: false, CancellationToken.None).ConfigureAwait(false));
            }
            catch (Exception e)
            {
                creation.SetException(e);
                throw;
            }
            finally
            {
                lock (_branches)
                {
                    _preparing = null;
                }
            }
        }
    }

    private Task<IsolatedBranchLease>? Preparing()
    {
        lock (_branches)
        {
            return _preparing;
        }
    }

    private async Task<IsolatedBranchLease> CreateAsync(bool primary, CancellationToken cancellationToken)
    {
        int number;
        lock (_branches)
        {
            // Reserved, not counted: a branch PrepareAsync is making is not in the list yet.
            number = ++_lastNumber;
        }

        var lease = await create(number, primary, this, cancellationToken).ConfigureAwait(false);
        lock (_branches)
        {
            _branches.Add(lease);
            var database = new NpgsqlConnectionStringBuilder(lease.ConnectionString).Database;
            if (!string.IsNullOrEmpty(database))
            {
                _byDatabase[database] = lease;
            }
        }

        return lease;
    }
}
