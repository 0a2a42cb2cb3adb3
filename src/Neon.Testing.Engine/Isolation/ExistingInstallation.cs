using Npgsql;
using NpgsqlTypes;

namespace Neon.Testing.Engine.Isolation;

/// <summary>Reads what an earlier install left in the tracked database: whether our schema is there, current, and what it recorded.</summary>
internal static class ExistingInstallation
{
    public const string ReplicationRoleMode = "replication_role";
    public const string ForeignKeyOrderMode = "foreign_key_order";
    public const string EventTriggerDetection = "event_trigger";
    public const string FingerprintDetection = "catalog_fingerprint";

    public sealed record Existing(bool Ours, bool UpToDate);

    public static async Task<Existing?> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
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
            await SqlExecution.ExecuteAsync(connection, "SAVEPOINT neon_probe", cancellationToken).ConfigureAwait(false);
            var upToDate = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
            await SqlExecution.ExecuteAsync(connection, "RELEASE SAVEPOINT neon_probe", cancellationToken).ConfigureAwait(false);
            return new Existing(Ours: true, upToDate);
        }
        catch (PostgresException)
        {
            // An older layout (or a dropped sequence): rebuild.
            await SqlExecution.ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT neon_probe", cancellationToken).ConfigureAwait(false);
            return new Existing(Ours: true, UpToDate: false);
        }
    }

    public static async Task<TrackingInstallation> DescribeAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT m.restore_mode, m.ddl_detection, {TextArray.Select("m.untracked")},
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
            TextArray.Read(reader, 2)!,
            Reason: null);
    }
}
