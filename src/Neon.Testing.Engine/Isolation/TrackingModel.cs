using Npgsql;

namespace Neon.Testing.Engine.Isolation;

/// <summary>What a tracked database looks like to the tracker: tables, baselines, the foreign-key graph, user triggers, sequences.</summary>
internal sealed class TrackingModel
{
    private TrackingModel(Dictionary<uint, TrackedTable> tables, Dictionary<uint, TrackedSequence> sequences, IReadOnlyList<string> untracked, string fingerprint, DateTime installedAt, bool eventTriggers)
    {
        Tables = tables;
        Sequences = sequences;
        Untracked = untracked;
        Fingerprint = fingerprint;
        InstalledAt = installedAt;
        EventTriggers = eventTriggers;
    }

    /// <summary>Tracked tables by oid.</summary>
    public IReadOnlyDictionary<uint, TrackedTable> Tables { get; }

    public IReadOnlyDictionary<uint, TrackedSequence> Sequences { get; }

    /// <summary>Objects install could not track (each with its reason).</summary>
    public IReadOnlyList<string> Untracked { get; }

    /// <summary>Catalog fingerprint recorded by install (or by the last restore that altered triggers).</summary>
    public string Fingerprint { get; }

    /// <summary>Identifies the installation, so a re-attach after a full reset can keep the model.</summary>
    public DateTime InstalledAt { get; }

    /// <summary>Whether our event triggers exist and are enabled.</summary>
    public bool EventTriggers { get; }

    /// <summary>The installation's identity and fingerprint (tracking must be installed).</summary>
    public static async Task<(int Version, DateTime InstalledAt, string Fingerprint)> ReadMetaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT m.version, m.installed_at, m.fingerprint FROM {Sql.Ours("meta")} m", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt32(0), reader.GetDateTime(1), reader.GetString(2));
    }

    /// <summary>Whether our schema exists with its meta table.</summary>
    public static async Task<bool> IsInstalledAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection);
        command.Parameters.Add(new() { Value = Sql.Ours("meta") });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    public static async Task<TrackingModel> LoadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new($"SELECT {TextArray.Select("m.untracked")}, m.fingerprint, m.installed_at FROM {Sql.Ours("meta")} m"),
                new($"SELECT t.rel, t.unit, t.schema_name, t.table_name, t.relkind::text, t.baseline, {TextArray.Select("t.columns")}, {TextArray.Select("t.key_columns")}, t.key_log FROM {Sql.Ours("tables")} t ORDER BY t.rel"),
                new($"SELECT s.seq, s.schema_name, s.sequence_name, s.owned FROM {Sql.Ours("sequences")} s"),
                new($"""
                    SELECT k.conrelid, k.confrelid, k.confdeltype::text FROM pg_catalog.pg_constraint k
                    WHERE k.contype = 'f' AND k.conparentid = 0
                      AND (k.conrelid IN (SELECT rel FROM {Sql.Ours("tables")}) OR k.confrelid IN (SELECT rel FROM {Sql.Ours("tables")}))
                    """),
                new($"""
                    SELECT g.tgrelid, n.nspname, c.relname, g.tgname, g.tgenabled::text
                    FROM pg_catalog.pg_trigger g
                    JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid
                    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                    WHERE NOT g.tgisinternal AND g.tgname <> '{Sql.TrackTrigger}' AND NOT starts_with(g.tgname, '{ChangedKeyLog.TriggerPrefix}') AND g.tgenabled <> 'D'
                      AND g.tgrelid IN (SELECT rel FROM {Sql.Ours("tables")})
                    """),
                new($"""
                    SELECT r.ev_class, r.ev_enabled::text FROM pg_catalog.pg_rewrite r
                    WHERE r.ev_type <> '1' AND r.ev_enabled <> 'D' AND r.ev_class IN (SELECT rel FROM {Sql.Ours("tables")})
                    """),
                new("""
                    SELECT count(*) = 2 FROM pg_catalog.pg_event_trigger e
                    WHERE e.evtname IN ('neon_testing_ddl_command_end', 'neon_testing_sql_drop') AND e.evtenabled <> 'D'
                    """),
            },
        };

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);

        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var untracked = TextArray.Read(reader, 0)!;
        var fingerprint = reader.GetString(1);
        var installedAt = reader.GetDateTime(2);

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var tables = new Dictionary<uint, TrackedTable>();
        var unitOf = new Dictionary<uint, uint>();
        var members = new List<(uint Rel, uint Unit)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var rel = reader.GetFieldValue<uint>(0);
            var unit = reader.GetFieldValue<uint>(1);
            unitOf[rel] = unit;
            members.Add((rel, unit));
            if (rel == unit)
            {
                tables[rel] = new TrackedTable
                {
                    Oid = rel,
                    Schema = reader.GetString(2),
                    Name = reader.GetString(3),
                    RelKind = reader.GetChar(4),
                    Baseline = reader.IsDBNull(5) ? null : reader.GetString(5),
                    Columns = TextArray.Read(reader, 6)!,
                    Key = TextArray.Read(reader, 7),
                    KeyLog = reader.IsDBNull(8) ? null : reader.GetString(8),
                };
            }
        }

        foreach (var (rel, unit) in members)
        {
            tables[unit].Members.Add(rel);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var sequences = new Dictionary<uint, TrackedSequence>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var oid = reader.GetFieldValue<uint>(0);
            sequences[oid] = new TrackedSequence(oid, reader.GetString(1), reader.GetString(2), reader.GetBoolean(3));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var child = unitOf.GetValueOrDefault(reader.GetFieldValue<uint>(0));
            var parent = unitOf.GetValueOrDefault(reader.GetFieldValue<uint>(1));
            if (parent != 0 && reader.GetChar(2) != 'a')
            {
                tables[parent].ReferencedWithDeleteAction = true;
            }

            if (parent != 0 && child == 0)
            {
                tables[parent].ReferencedFromOutside = true;
            }
            else if (parent != 0 && child != 0 && parent != child)
            {
                tables[child].Parents.Add(parent);
                tables[parent].Children.Add(child);
                if (reader.GetChar(2) is 'c' or 'n' or 'd')
                {
                    tables[parent].DeletesReach.Add(child);
                }
            }
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var unit = unitOf[reader.GetFieldValue<uint>(0)];
            tables[unit].Triggers.Add(new UserTrigger(Sql.Qualify(reader.GetString(1), reader.GetString(2)), reader.GetString(3), reader.GetChar(4)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables[unitOf[reader.GetFieldValue<uint>(0)]].Rules.Add(reader.GetChar(1));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var eventTriggers = reader.GetBoolean(0);

        AssignOrder(tables);
        return new TrackingModel(tables, sequences, untracked, fingerprint, installedAt, eventTriggers);
    }

    /// <summary>Parents before children (Kahn); members of a foreign-key cycle keep oid order after everything else they need.</summary>
    private static void AssignOrder(Dictionary<uint, TrackedTable> tables)
    {
        var pending = tables.Values.ToDictionary(t => t.Oid, t => t.Parents.Count);
        var ready = new SortedSet<uint>(pending.Where(p => p.Value == 0).Select(p => p.Key));
        var order = 0;
        while (pending.Count > 0)
        {
            if (ready.Count == 0)
            {
                // A cycle: release the member waiting on the fewest parents.
                ready.Add(pending.OrderBy(p => p.Value).ThenBy(p => p.Key).First().Key);
            }

            var next = ready.Min;
            ready.Remove(next);
            if (!pending.Remove(next))
            {
                continue;
            }

            tables[next].Order = order++;
            foreach (var child in tables[next].Children)
            {
                if (pending.TryGetValue(child, out var count))
                {
                    pending[child] = count - 1;
                    if (count - 1 == 0)
                    {
                        ready.Add(child);
                    }
                }
            }
        }
    }
}
