using System.Data;
using System.Data.Common;
using Npgsql;

namespace Neon.Testing.Engine.Isolation;

/// <summary>What code under test gets when it begins a transaction inside a <see cref="OuterTransaction"/>: a savepoint.</summary>
internal sealed class SavepointTransaction(NpgsqlTransaction outer, string name, DbConnection connection) : DbTransaction
{
    private bool _completed;

    public override System.Data.IsolationLevel IsolationLevel => outer.IsolationLevel;

    protected override DbConnection DbConnection => connection;

    /// <summary>Releases the savepoint: the writes stay visible inside the outer transaction, which is still rolled back at the end.</summary>
    public override void Commit()
    {
        Complete();
        outer.Release(name);
    }

    public override async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        Complete();
        await outer.ReleaseAsync(name, cancellationToken).ConfigureAwait(false);
    }

    public override void Rollback()
    {
        Complete();
        outer.Rollback(name);
        outer.Release(name);
    }

    public override async Task RollbackAsync(CancellationToken cancellationToken = default)
    {
        Complete();
        await outer.RollbackAsync(name, cancellationToken).ConfigureAwait(false);
        await outer.ReleaseAsync(name, cancellationToken).ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        // Like any ADO.NET transaction, one disposed without a commit rolls back.
        if (disposing && !_completed && outer.Connection is not null)
        {
            Rollback();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_completed && outer.Connection is not null)
        {
            await RollbackAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void Complete()
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _completed = true;
    }
}
