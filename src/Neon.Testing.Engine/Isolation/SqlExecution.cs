using Npgsql;

namespace Neon.Testing.Engine.Isolation;

/// <summary>Runs statements without results on change tracking's own connections, optionally inside a savepoint.</summary>
internal static class SqlExecution
{
    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<bool> TryInSavepointAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, bool rollBack = false)
    {
        try
        {
            await ExecuteInSavepointAsync(connection, sql, cancellationToken, rollBack).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException)
        {
            return false;
        }
    }

    public static async Task ExecuteInSavepointAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, bool rollBack = false)
    {
        await ExecuteAsync(connection, "SAVEPOINT neon_try", cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, sql, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException)
        {
            await ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT neon_try", cancellationToken).ConfigureAwait(false);
            throw;
        }

        await ExecuteAsync(connection, rollBack ? "ROLLBACK TO SAVEPOINT neon_try" : "RELEASE SAVEPOINT neon_try", cancellationToken).ConfigureAwait(false);
    }
}
