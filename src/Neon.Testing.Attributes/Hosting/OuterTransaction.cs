using Npgsql;

namespace Neon.Testing.Hosting;

/// <summary>
/// A connection inside a transaction that is never committed: the Transaction level. Stands in for
/// the core's <c>TestTransaction</c> (commits as savepoints), which has not landed yet.
/// </summary>
internal sealed class OuterTransaction : IAsyncDisposable
{
    private readonly NpgsqlTransaction _transaction;

    private OuterTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Connection = connection;
        _transaction = transaction;
    }

    public NpgsqlConnection Connection { get; }

    public static async Task<OuterTransaction> BeginAsync(string connectionString, CancellationToken cancellationToken = default)
    {
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

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Connection.State == System.Data.ConnectionState.Open)
            {
                await _transaction.RollbackAsync().ConfigureAwait(false);
            }
        }
        catch (NpgsqlException)
        {
            // The connection broke: nothing was committed, and the branch reset that follows restores the rest.
        }
        finally
        {
            await _transaction.DisposeAsync().ConfigureAwait(false);
            await Connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
