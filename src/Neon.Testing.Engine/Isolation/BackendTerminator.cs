using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Neon.Testing.Engine.Isolation;

/// <summary>Ends the connections a test leaked (open transactions, held locks) so the reset can proceed.</summary>
internal static class BackendTerminator
{
    private static readonly TimeSpan TerminateWait = TimeSpan.FromSeconds(5);

    /// <summary>Terminates this database's other client backends that the role may signal, then clears this process's Npgsql pools.</summary>
    public static async Task<bool> TerminateOthersAsync(NpgsqlConnection? connection, string database, ILogger logger, string why, List<string> notes, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            WITH me AS (SELECT r.oid, r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user),
                 others AS (
                     SELECT a.pid, a.usesysid = me.oid OR me.rolsuper AS may
                     FROM pg_catalog.pg_stat_activity a, me
                     WHERE a.datname = current_database() AND a.pid <> pg_catalog.pg_backend_pid() AND a.backend_type = 'client backend')
            SELECT count(*) FILTER (WHERE CASE WHEN may THEN pg_catalog.pg_terminate_backend(pid, $1) ELSE false END),
                   count(*) FILTER (WHERE NOT may)
            FROM others
            """, connection);
        command.Parameters.Add(new() { Value = (long)TerminateWait.TotalMilliseconds, NpgsqlDbType = NpgsqlDbType.Bigint });
        long terminated;
        long forbidden;
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            terminated = reader.GetInt64(0);
            forbidden = reader.GetInt64(1);
        }
        catch (PostgresException e)
        {
            notes.Add($"{why}; terminating them failed ({e.SqlState}: {e.MessageText})");
            logger.LogWarning("In {Database}, {Why}; terminating the database's other connections failed ({SqlState}: {Message}).", database, why, e.SqlState, e.MessageText);
            return false;
        }

        notes.Add($"{why}: terminated {terminated} other connection(s) to the database and cleared the Npgsql pools");
        logger.LogWarning("In {Database}, {Why}: terminated {Terminated} other connection(s) and cleared the Npgsql pools ({Forbidden} belonged to roles this one may not signal).", database, why, terminated, forbidden);
        return forbidden == 0 || terminated > 0;
    }
}
