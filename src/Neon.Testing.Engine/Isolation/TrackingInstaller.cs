using Npgsql;
using NpgsqlTypes;

namespace Neon.Testing.Engine.Isolation;

/// <summary>Installs change tracking and the baseline in one transaction (see <see cref="ChangeTracking.InstallAsync"/>).</summary>
internal static class TrackingInstaller
{
    /// <summary>Identity columns of a baseline copy; '$' keeps them apart from any sensible user column.</summary>
    public const string CtidColumn = "neon$ctid";
    public const string XminColumn = "neon$xmin";
    public const string TableOidColumn = "neon$tableoid";

    private const string ReplicationRoleMode = "replication_role";
    private const string ForeignKeyOrderMode = "foreign_key_order";
    private const string EventTriggerDetection = "event_trigger";
    private const string FingerprintDetection = "catalog_fingerprint";

    public static async Task<TrackingInstallation> InstallAsync(string connectionString, ChangeTrackingOptions options, CancellationToken cancellationToken)
    {
        var excluded = ParseExcluded(options.ExcludedTables);
        await using var connection = new NpgsqlConnection(TrackerConnection.Dedicated(connectionString, "neon-testing-install"));
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SELECT pg_catalog.pg_advisory_xact_lock({TrackingSql.InstallLockKey})", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SET LOCAL {TrackingSql.RestoringSetting} = 'on'", cancellationToken).ConfigureAwait(false);

        // A table under forced row-level security must fail to copy (and so be reported untracked), not copy a filtered baseline.
        await ExecuteAsync(connection, "SET LOCAL row_security = off", cancellationToken).ConfigureAwait(false);

        var existing = await ReadExistingAsync(connection, cancellationToken).ConfigureAwait(false);
        if (existing is { Ours: false })
        {
            return NotInstalled($"the schema \"{Sql.Schema}\" exists and was not created by Neon.Testing.Sdk; rename it or drop it.");
        }

        if (existing is { Ours: true, UpToDate: true })
        {
            var reused = await DescribeAsync(connection, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return reused with { Reused = true };
        }

        if (existing is { Ours: true })
        {
            // Older version, or the schema or data moved on since (more migrations): rebuild the baseline.
            await ExecuteAsync(connection, $"DROP SCHEMA {Sql.Quote(Sql.Schema)} CASCADE", cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await ExecuteInSavepointAsync(connection, $"CREATE SCHEMA {Sql.Quote(Sql.Schema)}", cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            return NotInstalled($"the role cannot create the schema \"{Sql.Schema}\" ({e.SqlState}: {e.MessageText}); grant it CREATE on the database.");
        }

        await ExecuteAsync(connection, $"COMMENT ON SCHEMA {Sql.Quote(Sql.Schema)} IS 'Neon.Testing.Sdk change tracking and baseline; managed automatically.'", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, TrackingSql.Tables, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, TrackingSql.MarkFunction, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, TrackingSql.DdlFunction, cancellationToken).ConfigureAwait(false);

        var eventTriggers = await TryInSavepointAsync(connection, TrackingSql.EventTriggers, cancellationToken).ConfigureAwait(false);
        var replicationRole = await TryInSavepointAsync(connection, "SET LOCAL session_replication_role = replica", cancellationToken, rollBack: true).ConfigureAwait(false);

        var untracked = new List<string>();
        var units = await DiscoverTablesAsync(connection, options.Schemas, excluded, cancellationToken).ConfigureAwait(false);
        var tracked = 0;
        var seeded = 0;
        foreach (var unit in units)
        {
            try
            {
                await ExecuteAsync(connection, "SAVEPOINT neon_table", cancellationToken).ConfigureAwait(false);
                var rows = await TrackTableAsync(connection, unit, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, "RELEASE SAVEPOINT neon_table", cancellationToken).ConfigureAwait(false);
                tracked++;
                seeded += rows > 0 ? 1 : 0;
            }
            catch (PostgresException e)
            {
                await ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT neon_table", cancellationToken).ConfigureAwait(false);
                untracked.Add($"{unit.Schema}.{unit.Name} ({e.SqlState}: {e.MessageText})");
            }
            catch (UntrackableException e)
            {
                await ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT neon_table", cancellationToken).ConfigureAwait(false);
                untracked.Add($"{unit.Schema}.{unit.Name} ({e.Message})");
            }
        }

        var sequences = await TrackSequencesAsync(connection, options.Schemas, excluded, untracked, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"""
            INSERT INTO {Sql.Ours("table_sequences")} (rel, seq)
            SELECT DISTINCT t.unit, x.seq
            FROM (SELECT d.refobjid AS rel, d.objid AS seq FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
                    AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
                  UNION
                  SELECT a.adrelid, d.refobjid FROM pg_catalog.pg_attrdef a
                  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_attrdef'::regclass AND d.objid = a.oid
                   AND d.refclassid = 'pg_catalog.pg_class'::regclass) x
            JOIN {Sql.Ours("tables")} t ON t.rel = x.rel
            JOIN {Sql.Ours("sequences")} s ON s.seq = x.seq
            """, cancellationToken).ConfigureAwait(false);

        string fingerprint;
        await using (var command = new NpgsqlCommand(TrackingSql.Fingerprint, connection))
        {
            fingerprint = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        await using (var command = new NpgsqlCommand($"INSERT INTO {Sql.Ours("meta")} (version, restore_mode, ddl_detection, fingerprint, untracked) VALUES ($1, $2, $3, $4, $5)", connection))
        {
            command.Parameters.Add(new() { Value = TrackingSql.Version });
            command.Parameters.Add(new() { Value = replicationRole ? ReplicationRoleMode : ForeignKeyOrderMode });
            command.Parameters.Add(new() { Value = eventTriggers ? EventTriggerDetection : FingerprintDetection });
            command.Parameters.Add(new() { Value = fingerprint });
            command.Parameters.Add(new() { Value = untracked.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // The install itself wrote nothing to user tables; start the branch clean.
        await ExecuteAsync(connection, $"DELETE FROM {Sql.Ours("dirty")}", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        return new TrackingInstallation(
            IsInstalled: true,
            replicationRole ? RestoreMode.ReplicationRole : RestoreMode.ForeignKeyOrder,
            eventTriggers ? SchemaChangeDetection.EventTrigger : SchemaChangeDetection.CatalogFingerprint,
            tracked,
            seeded,
            sequences,
            untracked,
            Reason: null);
    }

    public static async Task UninstallAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(TrackerConnection.Dedicated(connectionString, "neon-testing-install"));
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SELECT pg_catalog.pg_advisory_xact_lock({TrackingSql.InstallLockKey})", cancellationToken).ConfigureAwait(false);
        var existing = await ReadExistingAsync(connection, cancellationToken).ConfigureAwait(false);
        if (existing is { Ours: true })
        {
            // CASCADE takes the triggers on user tables and the event triggers with the functions they call.
            await ExecuteAsync(connection, $"DROP SCHEMA {Sql.Quote(Sql.Schema)} CASCADE", cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static TrackingInstallation NotInstalled(string reason)
        => new(false, RestoreMode.Unavailable, SchemaChangeDetection.None, 0, 0, 0, [], reason);

    private static HashSet<string> ParseExcluded(IReadOnlyList<string> excluded)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in excluded)
        {
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || dot == name.Length - 1)
            {
                throw new ArgumentException($"Excluded table '{name}' must be written schema.table.", nameof(excluded));
            }

            set.Add(name);
        }

        return set;
    }

    private sealed record Existing(bool Ours, bool UpToDate);

    private static async Task<Existing?> ReadExistingAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var probe = new NpgsqlCommand(
            "SELECT to_regnamespace($1) IS NOT NULL, to_regclass($2) IS NOT NULL", connection))
        {
            probe.Parameters.Add(new() { Value = Sql.Quote(Sql.Schema) });
            probe.Parameters.Add(new() { Value = Sql.Ours("meta") });
            await using var reader = await probe.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (!reader.GetBoolean(0))
            {
                return null;
            }

            if (!reader.GetBoolean(1))
            {
                return new Existing(Ours: false, UpToDate: false);
            }
        }

        await using var command = new NpgsqlCommand($"""
            SELECT m.version = $1
               AND m.fingerprint = ({TrackingSql.Fingerprint})
               AND NOT EXISTS (SELECT 1 FROM {Sql.Ours("dirty")})
               AND NOT EXISTS (SELECT 1 FROM {Sql.Ours("sequences")} s
                               WHERE pg_catalog.pg_sequence_last_value(s.seq::regclass) IS DISTINCT FROM s.called_value)
            FROM {Sql.Ours("meta")} m
            """, connection);
        command.Parameters.Add(new() { Value = TrackingSql.Version });
        try
        {
            await ExecuteAsync(connection, "SAVEPOINT neon_probe", cancellationToken).ConfigureAwait(false);
            var upToDate = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
            await ExecuteAsync(connection, "RELEASE SAVEPOINT neon_probe", cancellationToken).ConfigureAwait(false);
            return new Existing(Ours: true, upToDate);
        }
        catch (PostgresException)
        {
            // An older layout (or a dropped sequence): rebuild.
            await ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT neon_probe", cancellationToken).ConfigureAwait(false);
            return new Existing(Ours: true, UpToDate: false);
        }
    }

    private static async Task<TrackingInstallation> DescribeAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT m.restore_mode, m.ddl_detection, m.untracked,
                   (SELECT count(*) FROM {Sql.Ours("tables")} t WHERE t.rel = t.unit)::int,
                   (SELECT count(*) FROM {Sql.Ours("tables")} t WHERE t.baseline IS NOT NULL)::int,
                   (SELECT count(*) FROM {Sql.Ours("sequences")})::int
            FROM {Sql.Ours("meta")} m
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new TrackingInstallation(
            IsInstalled: true,
            reader.GetString(0) == ReplicationRoleMode ? RestoreMode.ReplicationRole : RestoreMode.ForeignKeyOrder,
            reader.GetString(1) == EventTriggerDetection ? SchemaChangeDetection.EventTrigger : SchemaChangeDetection.CatalogFingerprint,
            reader.GetInt32(3),
            reader.GetInt32(4),
            reader.GetInt32(5),
            reader.GetFieldValue<string[]>(2),
            Reason: null);
    }

    private sealed record TableUnit(uint Oid, string Schema, string Name, char RelKind, uint[] Partitions, uint[] InheritanceDescendants);

    private const string SchemaFilter = """
        n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'neon_testing')
        AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
        AND (cardinality($1::text[]) = 0 OR n.nspname = ANY($1::text[]))
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                        WHERE e.classid = 'pg_catalog.pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
        """;

    private static async Task<List<TableUnit>> DiscoverTablesAsync(NpgsqlConnection connection, IReadOnlyList<string> schemas, HashSet<string> excluded, CancellationToken cancellationToken)
    {
        // Units are ordinary tables that are not partitions, and partition roots; partitions are tracked through their root.
        await using var command = new NpgsqlCommand($"""
            SELECT c.oid, n.nspname, c.relname, c.relkind,
                   CASE WHEN c.relkind = 'p' THEN ARRAY(SELECT t.relid FROM pg_catalog.pg_partition_tree(c.oid) t WHERE t.relid <> c.oid)
                        ELSE ARRAY[]::oid[] END,
                   CASE WHEN c.relkind = 'r' THEN ARRAY(
                        WITH RECURSIVE d(rel) AS (
                            SELECT i.inhrelid FROM pg_catalog.pg_inherits i WHERE i.inhparent = c.oid
                            UNION SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN d ON i.inhparent = d.rel)
                        SELECT rel FROM d) ELSE ARRAY[]::oid[] END
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence <> 't'
              AND {SchemaFilter}
            ORDER BY n.nspname, c.relname
            """, connection);
        command.Parameters.Add(new() { Value = schemas.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        var units = new List<TableUnit>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var schema = reader.GetString(1);
            var name = reader.GetString(2);
            if (excluded.Contains($"{schema}.{name}"))
            {
                continue;
            }

            units.Add(new TableUnit(reader.GetFieldValue<uint>(0), schema, name, reader.GetChar(3), reader.GetFieldValue<uint[]>(4), reader.GetFieldValue<uint[]>(5)));
        }

        return units;
    }

    private sealed class UntrackableException(string message) : Exception(message);

    private sealed record Column(string Name, bool NotNull, char Identity);

    /// <summary>Puts the trigger on the unit (and its partitions) and copies its rows as the baseline; returns the row count.</summary>
    private static async Task<long> TrackTableAsync(NpgsqlConnection connection, TableUnit unit, CancellationToken cancellationToken)
    {
        var qualified = Sql.Qualify(unit.Schema, unit.Name);
        var columns = new List<Column>();
        await using (var command = new NpgsqlCommand("""
            SELECT a.attname, a.attnotnull, a.attidentity
            FROM pg_catalog.pg_attribute a
            WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
            ORDER BY a.attnum
            """, connection))
        {
            command.Parameters.Add(new() { Value = unit.Oid, NpgsqlDbType = NpgsqlDbType.Oid });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                columns.Add(new Column(reader.GetString(0), reader.GetBoolean(1), reader.GetChar(2)));
            }
        }

        if (columns.Any(c => c.Name is CtidColumn or XminColumn or TableOidColumn))
        {
            throw new UntrackableException($"a column is named {CtidColumn}, {XminColumn} or {TableOidColumn}, which change tracking needs for itself");
        }

        var key = await FindKeyAsync(connection, unit.Oid, cancellationToken).ConfigureAwait(false);
        if (key is not null && columns.Any(c => c.Identity == 'a' && !key.Contains(c.Name)))
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
        if (rows > 0)
        {
            baseline = $"b_{unit.Oid}";
            var identity = unit.RelKind == 'p'
                ? $"tableoid AS {Sql.Quote(TableOidColumn)}, ctid AS {Sql.Quote(CtidColumn)}, xmin AS {Sql.Quote(XminColumn)}"
                : $"ctid AS {Sql.Quote(CtidColumn)}, xmin AS {Sql.Quote(XminColumn)}";
            await ExecuteAsync(connection, $"CREATE TABLE {Sql.Ours(baseline)} AS SELECT {identity}, {Sql.Columns(columns.Select(c => c.Name))} FROM {only}{qualified}", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"ANALYZE {Sql.Ours(baseline)}", cancellationToken).ConfigureAwait(false);
        }

        await using (var command = new NpgsqlCommand($"""
            INSERT INTO {Sql.Ours("tables")} (rel, unit, schema_name, table_name, relkind, baseline, baseline_rows, columns, key_columns)
            SELECT r.rel, $1, n.nspname, c.relname, c.relkind, CASE WHEN r.rel = $1 THEN $2 END, CASE WHEN r.rel = $1 THEN $3 ELSE 0 END, $4, $5
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
        await ExecuteAsync(connection, $"""
            CREATE TRIGGER {Sql.Quote(Sql.TrackTrigger)} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {qualified}
            FOR EACH STATEMENT EXECUTE FUNCTION {Sql.Ours("mark_dirty")}({args})
            """, cancellationToken).ConfigureAwait(false);

        // ALWAYS: still fires when the code under test runs with session_replication_role = replica.
        await TryInSavepointAsync(connection, $"ALTER TABLE ONLY {qualified} ENABLE ALWAYS TRIGGER {Sql.Quote(Sql.TrackTrigger)}", cancellationToken).ConfigureAwait(false);
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

    private static async Task<int> TrackSequencesAsync(NpgsqlConnection connection, IReadOnlyList<string> schemas, HashSet<string> excluded, List<string> untracked, CancellationToken cancellationToken)
    {
        var sequences = new List<(uint Oid, string Schema, string Name)>();
        await using (var command = new NpgsqlCommand($"""
            SELECT c.oid, n.nspname, c.relname
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'S' AND c.relpersistence <> 't' AND {SchemaFilter}
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
                await ExecuteAsync(connection, "SAVEPOINT neon_sequence", cancellationToken).ConfigureAwait(false);
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
                await ExecuteAsync(connection, "RELEASE SAVEPOINT neon_sequence", cancellationToken).ConfigureAwait(false);
                count++;
            }
            catch (PostgresException e)
            {
                await ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT neon_sequence", cancellationToken).ConfigureAwait(false);
                untracked.Add($"sequence {schema}.{name} ({e.SqlState}: {e.MessageText})");
            }
        }

        return count;
    }

    private static async Task<bool> TryInSavepointAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, bool rollBack = false)
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

    private static async Task ExecuteInSavepointAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, bool rollBack = false)
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

    internal static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
