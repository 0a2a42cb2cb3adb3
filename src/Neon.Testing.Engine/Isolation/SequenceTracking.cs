using Npgsql;
using NpgsqlTypes;

namespace Neon.Testing.Engine.Isolation;

/// <summary>Records the baseline value of every sequence in the tracked schemas.</summary>
internal static class SequenceTracking
{
    public static async Task<int> TrackAsync(NpgsqlConnection connection, IReadOnlyList<string> schemas, HashSet<string> excluded, List<string> untracked, CancellationToken cancellationToken)
    {
        var sequences = new List<(uint Oid, string Schema, string Name)>();
        await using (var command = new NpgsqlCommand($"""
            SELECT c.oid, n.nspname, c.relname
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'S' AND c.relpersistence <> 't' AND {TableDiscovery.SchemaFilter}
              AND NOT EXISTS (
                  SELECT 1 FROM pg_catalog.pg_depend d
                  JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
                  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')
                    AND d.refclassid = 'pg_catalog.pg_class'::regclass AND (tn.nspname || '.' || t.relname) = ANY($2::text[]))
            ORDER BY n.nspname, c.relname
            """, connection))
        {
            command.Parameters.Add(new() { Value = schemas.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = excluded.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                sequences.Add((reader.GetFieldValue<uint>(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        var count = 0;
        foreach (var (oid, schema, name) in sequences)
        {
            try
            {
                await SqlExecution.ExecuteAsync(connection, "SAVEPOINT neon_sequence", cancellationToken).ConfigureAwait(false);
                await using var command = new NpgsqlCommand($"""
                    INSERT INTO {Sql.Ours("sequences")} (seq, schema_name, sequence_name, last_value, is_called, called_value, owned)
                    SELECT $1, $2, $3, s.last_value, s.is_called, pg_catalog.pg_sequence_last_value($1::regclass),
                           EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                                   WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = $1 AND d.deptype IN ('a', 'i')
                                     AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjsubid > 0)
                    FROM {Sql.Qualify(schema, name)} s
                    """, connection);
                command.Parameters.Add(new() { Value = oid, NpgsqlDbType = NpgsqlDbType.Oid });
                command.Parameters.Add(new() { Value = schema, NpgsqlDbType = NpgsqlDbType.Name });
                command.Parameters.Add(new() { Value = name, NpgsqlDbType = NpgsqlDbType.Name });
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await SqlExecution.ExecuteAsync(connection, "RELEASE SAVEPOINT neon_sequence", cancellationToken).ConfigureAwait(false);
                count++;
            }
            catch (PostgresException e)
            {
                await SqlExecution.ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT neon_sequence", cancellationToken).ConfigureAwait(false);
                untracked.Add($"sequence {schema}.{name} ({e.SqlState}: {e.MessageText})");
            }
        }

        return count;
    }
}
