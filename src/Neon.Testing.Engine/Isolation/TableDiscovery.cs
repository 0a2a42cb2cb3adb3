using Npgsql;
using NpgsqlTypes;

namespace Neon.Testing.Engine.Isolation;

/// <summary>Finds the tables change tracking tracks: ordinary tables and partition roots in the tracked schemas, minus the excluded ones.</summary>
internal static class TableDiscovery
{
    public sealed record TableUnit(uint Oid, string Schema, string Name, char RelKind, uint[] Partitions, uint[] InheritanceDescendants);

    // Tables and sequences an extension owns are tracked too: tests write them (PostGIS's spatial_ref_sys), and one
    // the installing role may not track (not its owner) is reported untracked, which makes every reset a full one.
    public const string SchemaFilter = """
        n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'neon_testing')
        AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
        AND (cardinality($1::text[]) = 0 OR n.nspname = ANY($1::text[]))
        """;

    public static HashSet<string> ParseExcluded(IReadOnlyList<string> excluded)
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

    public static async Task<List<TableUnit>> DiscoverAsync(NpgsqlConnection connection, IReadOnlyList<string> schemas, HashSet<string> excluded, CancellationToken cancellationToken)
    {
        // Units are ordinary tables that are not partitions, and partition roots; partitions are tracked through their root.
        await using var command = new NpgsqlCommand($"""
            SELECT c.oid, n.nspname, c.relname, c.relkind::text,
                   CASE WHEN c.relkind = 'p' THEN ARRAY(SELECT t.relid::oid FROM pg_catalog.pg_partition_tree(c.oid) t WHERE t.relid <> c.oid)
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
}
