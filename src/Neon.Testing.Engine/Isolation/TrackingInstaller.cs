using Npgsql;
using NpgsqlTypes;

namespace Neon.Testing.Engine.Isolation;

/// <summary>
/// Installs change tracking into a migrated database: statement-level triggers that record which tables a test touched,
/// a copy of the rows the tables held (seed and reference data), the sequence values, and a way to notice schema changes.
/// Run it once on the branch the isolated branches are cloned from, after migrations; every clone inherits it.
/// </summary>
internal static class TrackingInstaller
{
    /// <summary>The schema holding every object change tracking creates; it is neither tracked nor restored.</summary>
    public const string SchemaName = Sql.Schema;

    /// <summary>Version of the installed layout; part of the migration fingerprint, so a new layout rebuilds cached templates.</summary>
    public static string Version { get; } = TrackingSql.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Installs tracking and takes the baseline. Idempotent: an up-to-date installation with an unchanged schema and
    /// untouched data is kept; otherwise it is rebuilt. Returns what the connecting role could install; when it could not
    /// install at all, every reset of a clone is a full reset.
    /// </summary>
    public static Task<TrackingInstallation> InstallAsync(string connectionString, TrackingScope? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return InstallCoreAsync(connectionString, options ?? new TrackingScope(), cancellationToken);
    }

    /// <summary>Removes every tracking object (our schema, the triggers on user tables, the event triggers); the user's data is untouched.</summary>
    public static Task UninstallAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return UninstallCoreAsync(connectionString, cancellationToken);
    }

    private static async Task<TrackingInstallation> InstallCoreAsync(string connectionString, TrackingScope options, CancellationToken cancellationToken)
    {
        var excluded = TableDiscovery.ParseExcluded(options.ExcludedTables);
        await using var dataSource = TrackerConnection.DataSource(connectionString, "neon-testing-install");
        await using var connection = dataSource.CreateConnection();
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await SqlExecution.ExecuteAsync(connection, $"SELECT pg_catalog.pg_advisory_xact_lock({TrackingSql.InstallLockKey})", cancellationToken).ConfigureAwait(false);
        await SqlExecution.ExecuteAsync(connection, $"SET LOCAL {TrackingSql.RestoringSetting} = 'on'", cancellationToken).ConfigureAwait(false);

        // A table under forced row-level security must fail to copy (and so be reported untracked), not copy a filtered baseline.
        await SqlExecution.ExecuteAsync(connection, "SET LOCAL row_security = off", cancellationToken).ConfigureAwait(false);

        var existing = await ExistingInstallation.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
        if (existing is { Ours: false })
        {
            return NotInstalled($"the schema \"{Sql.Schema}\" exists and was not created by Neon.Testing.Sdk; rename it or drop it.");
        }

        if (existing is { Ours: true, UpToDate: true })
        {
            var reused = await ExistingInstallation.DescribeAsync(connection, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return reused with { Reused = true };
        }

        if (existing is { Ours: true })
        {
            // Older version, or the schema or data moved on since (more migrations): rebuild the baseline.
            await SqlExecution.ExecuteAsync(connection, $"DROP SCHEMA {Sql.Quote(Sql.Schema)} CASCADE", cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await SqlExecution.ExecuteInSavepointAsync(connection, $"CREATE SCHEMA {Sql.Quote(Sql.Schema)}", cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e)
        {
            return NotInstalled($"the role cannot create the schema \"{Sql.Schema}\" ({e.SqlState}: {e.MessageText}); grant it CREATE on the database.");
        }

        await SqlExecution.ExecuteAsync(connection, $"COMMENT ON SCHEMA {Sql.Quote(Sql.Schema)} IS 'Neon.Testing.Sdk change tracking and baseline; managed automatically.'", cancellationToken).ConfigureAwait(false);
        await SqlExecution.ExecuteAsync(connection, TrackingSql.Tables, cancellationToken).ConfigureAwait(false);
        await SqlExecution.ExecuteAsync(connection, TrackingSql.MarkFunction, cancellationToken).ConfigureAwait(false);
        await SqlExecution.ExecuteAsync(connection, TrackingSql.DdlFunction, cancellationToken).ConfigureAwait(false);
        await SqlExecution.ExecuteAsync(connection, TrackingSql.CatalogFunctions, cancellationToken).ConfigureAwait(false);
        await SqlExecution.ExecuteAsync(connection, TrackingSql.ChangesFunction, cancellationToken).ConfigureAwait(false);

        var eventTriggers = await SqlExecution.TryInSavepointAsync(connection, TrackingSql.EventTriggers, cancellationToken).ConfigureAwait(false);
        var replicationRole = await SqlExecution.TryInSavepointAsync(connection, "SET LOCAL session_replication_role = replica", cancellationToken, rollBack: true).ConfigureAwait(false);

        var untracked = new List<string>();
        var units = await TableDiscovery.DiscoverAsync(connection, options.Schemas, excluded, cancellationToken).ConfigureAwait(false);
        var tracked = 0;
        var seeded = 0;
        foreach (var unit in units)
        {
            try
            {
                await SqlExecution.ExecuteAsync(connection, "SAVEPOINT neon_table", cancellationToken).ConfigureAwait(false);
                var rows = await TableTracking.TrackAsync(connection, unit, cancellationToken).ConfigureAwait(false);
                await SqlExecution.ExecuteAsync(connection, "RELEASE SAVEPOINT neon_table", cancellationToken).ConfigureAwait(false);
                tracked++;
                seeded += rows > 0 ? 1 : 0;
            }
            catch (PostgresException e)
            {
                await SqlExecution.ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT neon_table", cancellationToken).ConfigureAwait(false);
                untracked.Add($"{unit.Schema}.{unit.Name} ({e.SqlState}: {e.MessageText})");
            }
            catch (TableTracking.UntrackableException e)
            {
                await SqlExecution.ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT neon_table", cancellationToken).ConfigureAwait(false);
                untracked.Add($"{unit.Schema}.{unit.Name} ({e.Message})");
            }
        }

        var sequences = await SequenceTracking.TrackAsync(connection, options.Schemas, excluded, untracked, cancellationToken).ConfigureAwait(false);
        await SqlExecution.ExecuteAsync(connection, $"""
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
        await using (var command = new NpgsqlCommand($"SELECT {TrackingSql.CallFingerprint}", connection))
        {
            fingerprint = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        await using (var command = new NpgsqlCommand($"INSERT INTO {Sql.Ours("meta")} (version, restore_mode, ddl_detection, fingerprint, untracked) VALUES ($1, $2, $3, $4, $5)", connection))
        {
            command.Parameters.Add(new() { Value = TrackingSql.Version });
            command.Parameters.Add(new() { Value = replicationRole ? ExistingInstallation.ReplicationRoleMode : ExistingInstallation.ForeignKeyOrderMode });
            command.Parameters.Add(new() { Value = eventTriggers ? ExistingInstallation.EventTriggerDetection : ExistingInstallation.FingerprintDetection });
            command.Parameters.Add(new() { Value = fingerprint });
            command.Parameters.Add(new() { Value = untracked.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // The install itself wrote nothing to user tables; start the branch clean.
        await SqlExecution.ExecuteAsync(connection, $"DELETE FROM {Sql.Ours("dirty")}", cancellationToken).ConfigureAwait(false);
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

    private static async Task UninstallCoreAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var dataSource = TrackerConnection.DataSource(connectionString, "neon-testing-install");
        await using var connection = dataSource.CreateConnection();
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await SqlExecution.ExecuteAsync(connection, $"SELECT pg_catalog.pg_advisory_xact_lock({TrackingSql.InstallLockKey})", cancellationToken).ConfigureAwait(false);
        var existing = await ExistingInstallation.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
        if (existing is { Ours: true })
        {
            // CASCADE takes the triggers on user tables and the event triggers with the functions they call.
            await SqlExecution.ExecuteAsync(connection, $"DROP SCHEMA {Sql.Quote(Sql.Schema)} CASCADE", cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static TrackingInstallation NotInstalled(string reason)
        => new(false, RestoreMode.Unavailable, SchemaChangeDetection.None, 0, 0, 0, [], reason);
}
