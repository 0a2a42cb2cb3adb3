using System.Data.Common;
using System.Globalization;
using Npgsql;

namespace Neon.Testing.Engine.Isolation;

/// <summary>
/// The Transaction isolation level: one connection inside an outer transaction that is never committed and is rolled
/// back when this is disposed. Code under test that begins and commits its own transactions (through
/// <see cref="DbConnection"/> or <see cref="BeginTransactionAsync"/>) gets savepoints instead, so it works, sees its own
/// writes, and leaves nothing behind.
/// </summary>
/// <remarks>
/// A statement that fails outside such a savepoint aborts the outer transaction, as it would any transaction: wrap
/// statements expected to fail in <see cref="BeginTransactionAsync"/>. Sequences advance as in any rolled-back
/// transaction and are not reset (tests at this level may run in parallel on one database), so assert on rows, not on ids. EF Core: <c>UseNpgsql(Connection)</c> and
/// <c>Database.UseTransaction(Transaction)</c>; <c>SaveChanges</c> then uses savepoints inside it.
/// </remarks>
public sealed class OuterTransaction : IAsyncDisposable, IDisposable
{
    private readonly OuterTransactionConnection _dbConnection;
    private int _savepoints;
    private bool _disposed;

    private OuterTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
        _dbConnection = new OuterTransactionConnection(this);
    }

    /// <summary>The open connection; every command on it runs inside the outer transaction.</summary>
    public NpgsqlConnection Connection { get; }

    /// <summary>The outer transaction (hand it to EF Core's <c>UseTransaction</c> or Dapper); never commit it.</summary>
    public NpgsqlTransaction Transaction { get; }

    /// <summary>
    /// A <see cref="System.Data.Common.DbConnection"/> over <see cref="Connection"/> for code that opens, closes and disposes its
    /// connection and begins its own transactions: Open/Close/Dispose do nothing, BeginTransaction creates a savepoint.
    /// </summary>
    public DbConnection DbConnection => _dbConnection;

    /// <summary>Opens a connection and begins the outer transaction.</summary>
    public static async Task<OuterTransaction> BeginAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            return new OuterTransaction(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Begins a nested transaction (a savepoint): Commit releases it, Rollback rolls back to it; the outer transaction stays open.</summary>
    public DbTransaction BeginTransaction()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var name = NextSavepoint();
        Transaction.Save(name);
        return new SavepointTransaction(Transaction, name, _dbConnection);
    }

    /// <inheritdoc cref="BeginTransaction"/>
    public async Task<DbTransaction> BeginTransactionAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var name = NextSavepoint();
        await Transaction.SaveAsync(name, cancellationToken).ConfigureAwait(false);
        return new SavepointTransaction(Transaction, name, _dbConnection);
    }

    /// <summary>Rolls the outer transaction back (undoing everything the test wrote) and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (Transaction.Connection is { State: System.Data.ConnectionState.Open })
            {
                await Transaction.RollbackAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await Transaction.DisposeAsync().ConfigureAwait(false);
            await Connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc cref="DisposeAsync"/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (Transaction.Connection is { State: System.Data.ConnectionState.Open })
            {
                Transaction.Rollback();
            }
        }
        finally
        {
            Transaction.Dispose();
            Connection.Dispose();
        }
    }

    private string NextSavepoint() => "neon_test_" + (++_savepoints).ToString(CultureInfo.InvariantCulture);
}
