using Npgsql;
using NpgsqlTypes;

namespace Neon.Testing.Engine.Isolation;

/// <summary>Tracks one table: the statement-level trigger on it and its partitions, and the baseline copy of its rows.</summary>
internal static class TableTracking
{
    /// <summary>Identity columns of a baseline copy; '$' keeps them apart from any sensible user column.</summary>
    public const string CtidColumn = "neon$ctid";
    public const string XminColumn = "neon$xmin";
    public const string TableOidColumn = "neon$tableoid";

    public sealed class UntrackableException(string message) : Exception(message);

    private sealed record Column(string Name, bool NotNull, bool AlwaysIdentity);

    /// <summary>
    /// Puts the trigger on the unit (and its partitions), copies its rows as the baseline and, for a keyed ordinary table,
    /// logs the keys writes touch (<see cref="ChangedKeyLog"/>); returns the row count.
    /// </summary>
    public static async Task<long> TrackAsync(NpgsqlConnection connection, TableDiscovery.TableUnit unit, CancellationToken cancellationToken)
    {
        var qualified = Sql.Qualify(unit.Schema, unit.Name);
        var columns = new List<Column>();
        await using (var command = new NpgsqlCommand("""
            SELECT a.attname, a.attnotnull, a.attidentity = 'a'
            FROM pg_catalog.pg_attribute a
            WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
            ORDER BY a.attnum
            """, connection))
        {
            command.Parameters.Add(new() { Value = unit.Oid, NpgsqlDbType = NpgsqlDbType.Oid });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                columns.Add(new Column(reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2)));
            }
        }

        if (columns.Any(c => c.Name is CtidColumn or XminColumn or TableOidColumn))
        {
            throw new UntrackableException($"a column is named {CtidColumn}, {XminColumn} or {TableOidColumn}, which change tracking needs for itself");
        }

        var key = await FindKeyAsync(connection, unit.Oid, cancellationToken).ConfigureAwait(false);
        if (key is not null && columns.Any(c => c.AlwaysIdentity && !key.Contains(c.Name)))
        {
            // An UPDATE cannot set a GENERATED ALWAYS column back: restore such tables row by row instead.
            key = null;
        }

        // A statement on an inheritance parent also changes its children; a statement on a partition changes its root.
        var ownArguments = new[] { unit.Oid }.Concat(unit.InheritanceDescendants).ToArray();
        await CreateTriggerAsync(connection, unit.Oid, ownArguments, cancellationToken).ConfigureAwait(false);
        foreach (var partition in unit.Partitions)
        {
            await CreateTriggerAsync(connection, partition, [unit.Oid], cancellationToken).ConfigureAwait(false);
        }

        var only = unit.RelKind == 'p' ? "" : "ONLY ";
        long rows;
        await using (var command = new NpgsqlCommand($"SELECT count(*) FROM {only}{qualified}", connection))
        {
            rows = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        string? baseline = null;
        string? keyLog = null;
        if (rows > 0)
        {
            baseline = $"b_{unit.Oid}";
            var identity = unit.RelKind == 'p'
                ? $"tableoid AS {Sql.Quote(TableOidColumn)}, ctid AS {Sql.Quote(CtidColumn)}, xmin AS {Sql.Quote(XminColumn)}"
                : $"ctid AS {Sql.Quote(CtidColumn)}, xmin AS {Sql.Quote(XminColumn)}";
            await SqlExecution.ExecuteAsync(connection, $"CREATE TABLE {Sql.Ours(baseline)} AS SELECT {identity}, {Sql.Columns(columns.Select(c => c.Name))} FROM {only}{qualified}", cancellationToken).ConfigureAwait(false);
            if (key is not null && unit.RelKind == 'r' && !await ChangedKeyLog.InInheritanceAsync(connection, unit.Oid, cancellationToken).ConfigureAwait(false))
            {
                keyLog = ChangedKeyLog.Name(unit.Oid);
                await ChangedKeyLog.CreateAsync(connection, unit.Oid, qualified, baseline, key, cancellationToken).ConfigureAwait(false);
            }

            await SqlExecution.ExecuteAsync(connection, $"ANALYZE {Sql.Ours(baseline)}", cancellationToken).ConfigureAwait(false);
        }

        await using (var command = new NpgsqlCommand($"""
            INSERT INTO {Sql.Ours("tables")} (rel, unit, schema_name, table_name, relkind, baseline, baseline_rows, columns, key_columns, key_log)
            SELECT r.rel, $1, n.nspname, c.relname, c.relkind, CASE WHEN r.rel = $1 THEN $2 END, CASE WHEN r.rel = $1 THEN $3 ELSE 0 END, $4, $5, CASE WHEN r.rel = $1 THEN $7 END
            FROM unnest($6::oid[]) AS r(rel)
            JOIN pg_catalog.pg_class c ON c.oid = r.rel
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            """, connection))
        {
            command.Parameters.Add(new() { Value = unit.Oid, NpgsqlDbType = NpgsqlDbType.Oid });
            command.Parameters.Add(new() { Value = (object?)baseline ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Name });
            command.Parameters.Add(new() { Value = rows });
            command.Parameters.Add(new() { Value = columns.Select(c => c.Name).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = (object?)key ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = new[] { unit.Oid }.Concat(unit.Partitions).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid });
            command.Parameters.Add(new() { Value = (object?)keyLog ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Name });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return rows;
    }

    private static async Task CreateTriggerAsync(NpgsqlConnection connection, uint rel, uint[] arguments, CancellationToken cancellationToken)
    {
        string qualified;
        await using (var command = new NpgsqlCommand("SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1", connection))
        {
            command.Parameters.Add(new() { Value = rel, NpgsqlDbType = NpgsqlDbType.Oid });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            qualified = Sql.Qualify(reader.GetString(0), reader.GetString(1));
        }

        var args = string.Join(", ", arguments.Select(a => Sql.Literal(a.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        await SqlExecution.ExecuteAsync(connection, $"""
            CREATE TRIGGER {Sql.Quote(Sql.TrackTrigger)} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {qualified}
            FOR EACH STATEMENT EXECUTE FUNCTION {Sql.Ours("mark_dirty")}({args})
            """, cancellationToken).ConfigureAwait(false);

        // ALWAYS: still fires when the code under test runs with session_replication_role = replica.
        await SqlExecution.TryInSavepointAsync(connection, $"ALTER TABLE ONLY {qualified} ENABLE ALWAYS TRIGGER {Sql.Quote(Sql.TrackTrigger)}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The primary key, else a unique non-partial index over NOT NULL columns; null when the table has neither.</summary>
    private static async Task<string[]?> FindKeyAsync(NpgsqlConnection connection, uint rel, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                         JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[]
            FROM pg_catalog.pg_index i
            WHERE i.indrelid = $1 AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
              AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey) k(attnum)
                              JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                              WHERE NOT a.attnotnull OR a.attgenerated <> '')
            ORDER BY i.indisprimary DESC, i.indnkeyatts, i.indexrelid
            LIMIT 1
            """, connection);
        command.Parameters.Add(new() { Value = rel, NpgsqlDbType = NpgsqlDbType.Oid });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string[];
    }
}
