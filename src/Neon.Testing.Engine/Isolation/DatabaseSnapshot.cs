using Npgsql;

namespace Neon.Testing.Engine.Isolation;

/// <summary>
/// A comparable picture of a database's user data and schema: a row checksum of every table, every sequence's state, and a
/// schema signature. Tests and the benchmark use it to prove a reset restored the baseline exactly.
/// </summary>
internal sealed record DatabaseSnapshot(IReadOnlyDictionary<string, string> Tables, IReadOnlyDictionary<string, string> Sequences, string Schema)
{
    private const string UserNamespaces = """
        n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'neon_testing')
        AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
        """;

    private const string SchemaSignature = $"""
        SELECT md5(coalesce(string_agg(x, E'\n' ORDER BY x), '')) FROM (
          SELECT 'rel ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' ' || c.relpersistence::text || ' ' || coalesce(c.relacl::text, '') || ' ' || coalesce(c.reloptions::text, '') AS x
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE {UserNamespaces}
          UNION ALL
          SELECT 'col ' || n.nspname || '.' || c.relname || '.' || a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
                 || ' ' || a.attnotnull || ' ' || a.attidentity::text || a.attgenerated::text || ' ' || coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid), '')
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
          LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {UserNamespaces}
          UNION ALL
          SELECT 'idx ' || pg_catalog.pg_get_indexdef(i.indexrelid)
          FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE {UserNamespaces}
          UNION ALL
          SELECT 'con ' || n.nspname || '.' || k.conname || ' ' || pg_catalog.pg_get_constraintdef(k.oid)
          FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_namespace n ON n.oid = k.connamespace WHERE {UserNamespaces}
          UNION ALL
          SELECT 'trg ' || pg_catalog.pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text
          FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE NOT t.tgisinternal AND {UserNamespaces}
          UNION ALL
          SELECT 'fn ' || p.oid::regprocedure::text || ' ' || md5(coalesce(p.prosrc, ''))
          FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE {UserNamespaces}
          UNION ALL
          SELECT 'view ' || n.nspname || '.' || c.relname || ' ' || md5(pg_catalog.pg_get_viewdef(c.oid))
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND {UserNamespaces}
          UNION ALL
          SELECT 'type ' || n.nspname || '.' || y.typname || ' ' || y.typtype::text
          FROM pg_catalog.pg_type y JOIN pg_catalog.pg_namespace n ON n.oid = y.typnamespace WHERE y.typtype IN ('e', 'd', 'c') AND {UserNamespaces}
          UNION ALL
          SELECT 'ns ' || n.nspname || ' ' || coalesce(n.nspacl::text, '') FROM pg_catalog.pg_namespace n WHERE {UserNamespaces}
        ) s
        """;

    public static async Task<DatabaseSnapshot> TakeAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        var tables = new List<string>();
        var sequences = new List<string>();
        await using (var command = new NpgsqlCommand($"""
            SELECT c.relkind::text, n.nspname, c.relname
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'S') AND {UserNamespaces}
            ORDER BY 1, 2, 3
            """, connection))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                (reader.GetChar(0) == 'r' ? tables : sequences).Add(Sql.Qualify(reader.GetString(1), reader.GetString(2)));
            }
        }

        await using var batch = new NpgsqlBatch(connection);
        foreach (var table in tables)
        {
            batch.BatchCommands.Add(new($"SELECT count(*) || ' rows, checksum ' || coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) FROM ONLY {table} t"));
        }

        foreach (var sequence in sequences)
        {
            batch.BatchCommands.Add(new($"SELECT 'last_value ' || s.last_value || ', is_called ' || s.is_called FROM {sequence} s"));
        }

        batch.BatchCommands.Add(new(SchemaSignature));
        var values = new List<string>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            do
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                values.Add(reader.GetString(0));
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        }

        return new DatabaseSnapshot(
            tables.Select((t, i) => (t, values[i])).ToDictionary(p => p.t, p => p.Item2),
            sequences.Select((s, i) => (s, values[tables.Count + i])).ToDictionary(p => p.s, p => p.Item2),
            values[^1]);
    }

    /// <summary>Human-readable differences from <paramref name="expected"/>; empty when equal.</summary>
    public IReadOnlyList<string> DifferencesFrom(DatabaseSnapshot expected)
    {
        var differences = new List<string>();
        Compare("table", expected.Tables, Tables, differences);
        Compare("sequence", expected.Sequences, Sequences, differences);
        if (expected.Schema != Schema)
        {
            differences.Add("schema signature differs");
        }

        return differences;
    }

    private static void Compare(string kind, IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string> actual, List<string> differences)
    {
        foreach (var (name, value) in expected)
        {
            if (!actual.TryGetValue(name, out var other))
            {
                differences.Add($"{kind} {name} is missing");
            }
            else if (other != value)
            {
                differences.Add($"{kind} {name}: expected {value}, found {other}");
            }
        }

        differences.AddRange(actual.Keys.Where(k => !expected.ContainsKey(k)).Select(k => $"{kind} {k} was added"));
    }
}
