using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace Neon.Testing.Branching.Isolation;

/// <summary>
/// The one transaction that puts touched tables and moved sequences back to their baseline, sent as one batch (one round trip).
/// Rows are matched to the baseline by (ctid, xmin): rows the test did not touch keep both, so only what changed is written.
/// </summary>
internal sealed class RestorePlan
{
    public const string MarkedColumn = "neon_marked";
    public const string FingerprintColumn = "neon_fingerprint";

    private RestorePlan(string? fullReason)
    {
        FullReason = fullReason;
    }

    /// <summary>Set when a targeted restore cannot be done and the caller must reset the whole branch.</summary>
    public string? FullReason { get; }

    public List<NpgsqlBatchCommand> Commands { get; } = [];

    public List<TrackedTable> Tables { get; } = [];

    public List<TrackedSequence> Sequences { get; } = [];

    /// <summary>Whether the batch disables and re-enables user triggers (which changes the catalog fingerprint).</summary>
    public bool AltersTriggers { get; private set; }

    public static RestorePlan Build(
        RestoreMode mode,
        IReadOnlyCollection<TrackedTable> tables,
        IReadOnlyCollection<TrackedSequence> sequences,
        IReadOnlyDictionary<uint, long> sizes,
        ChangeTrackerOptions options)
    {
        foreach (var table in tables)
        {
            if (table.Rules.Any(r => mode == RestoreMode.ReplicationRole ? r is 'A' or 'R' : r is 'O' or 'A'))
            {
                return new RestorePlan($"table {table.DisplayName} has rewrite rules that would rewrite the restore");
            }
        }

        var plan = new RestorePlan(null);
        plan.Tables.AddRange(tables.OrderBy(t => t.Order));
        plan.Sequences.AddRange(sequences);
        var parentsFirst = plan.Tables;
        var childrenFirst = Enumerable.Reverse(parentsFirst).ToList();

        plan.Add("BEGIN");
        plan.Add($"SET LOCAL {TrackingSql.RestoringSetting} = 'on'");
        plan.Add($"SET LOCAL {TrackingSql.MarkedSetting} = ','");
        plan.Add($"SET LOCAL lock_timeout = {(long)options.LockTimeout.TotalMilliseconds}");
        plan.Add("SET LOCAL row_security = off");
        if (mode == RestoreMode.ReplicationRole)
        {
            plan.Add("SET LOCAL session_replication_role = replica");
        }
        else
        {
            plan.Add("SET CONSTRAINTS ALL DEFERRED");
        }

        var triggers = parentsFirst.SelectMany(t => t.Triggers).Where(t => t.FiresIn(mode)).ToList();
        foreach (var trigger in triggers)
        {
            plan.Add(trigger.Disable);
        }

        plan.AltersTriggers = triggers.Count > 0;

        var truncated = TruncateSet(parentsFirst, sizes, options.TruncateThresholdBytes);
        if (truncated.Count > 0)
        {
            plan.Add("TRUNCATE " + string.Join(", ", parentsFirst.Where(t => truncated.Contains(t.Oid)).Select(t => t.Only + t.QualifiedName)));
        }

        // Children first, so no row still references a row about to go.
        foreach (var table in childrenFirst.Where(t => !truncated.Contains(t.Oid)))
        {
            plan.Add(DeleteStatement(table));
        }

        // Parents first, so every restored row finds the rows it references.
        foreach (var table in parentsFirst.Where(t => t.Baseline is not null))
        {
            plan.Add(table.Key is null ? ReinsertByIdentity(table) : RestoreByKey(table));
        }

        foreach (var trigger in triggers)
        {
            plan.Add(trigger.Enable);
        }

        if (sequences.Count > 0)
        {
            var command = new NpgsqlBatchCommand($"""
                SELECT pg_catalog.setval(s.seq::regclass, s.last_value, s.is_called) FROM {Sql.Ours("sequences")} s WHERE s.seq = ANY($1)
                """);
            command.Parameters.Add(new() { Value = sequences.Select(s => s.Oid).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid });
            plan.Commands.Add(command);
        }

        if (plan.Tables.Count > 0)
        {
            var command = new NpgsqlBatchCommand($"DELETE FROM {Sql.Ours("dirty")} WHERE rel = ANY($1)");
            command.Parameters.Add(new() { Value = plan.Tables.Select(t => t.Oid).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid });
            plan.Commands.Add(command);
        }

        // Tables written by the restore itself (a cascade into a table not restored here) show up in this list.
        plan.Add($"SELECT current_setting('{TrackingSql.MarkedSetting}') AS {MarkedColumn}");
        if (plan.AltersTriggers)
        {
            plan.Add($"UPDATE {Sql.Ours("meta")} SET fingerprint = ({TrackingSql.Fingerprint}) RETURNING fingerprint AS {FingerprintColumn}");
        }

        plan.Add("COMMIT");
        return plan;
    }

    /// <summary>Tables emptied by the restore that are big enough for TRUNCATE to win, and only referenced by tables truncated with them.</summary>
    private static HashSet<uint> TruncateSet(IReadOnlyList<TrackedTable> tables, IReadOnlyDictionary<uint, long> sizes, long threshold)
    {
        var candidates = tables
            .Where(t => t.Baseline is null && !t.ReferencedFromOutside && sizes.GetValueOrDefault(t.Oid) > threshold)
            .Select(t => t.Oid)
            .ToHashSet();
        var byOid = tables.ToDictionary(t => t.Oid);
        bool changed;
        do
        {
            changed = false;
            foreach (var oid in candidates.ToList())
            {
                if (byOid[oid].Children.Any(child => !candidates.Contains(child)))
                {
                    candidates.Remove(oid);
                    changed = true;
                }
            }
        }
        while (changed);

        return candidates;
    }

    private static string IdentityMatch(TrackedTable table, string row, string baseline)
    {
        var match = $"{row}.ctid = {baseline}.{Sql.Quote(TrackingInstaller.CtidColumn)} AND {row}.xmin = {baseline}.{Sql.Quote(TrackingInstaller.XminColumn)}";
        return table.RelKind == 'p' ? match + $" AND {row}.tableoid = {baseline}.{Sql.Quote(TrackingInstaller.TableOidColumn)}" : match;
    }

    private static string IdentityReturning(TrackedTable table, string? alias)
    {
        var prefix = alias is null ? "" : alias + ".";
        var returning = $"{prefix}ctid AS {Sql.Quote(TrackingInstaller.CtidColumn)}, {prefix}xmin AS {Sql.Quote(TrackingInstaller.XminColumn)}";
        return table.RelKind == 'p' ? returning + $", {prefix}tableoid AS {Sql.Quote(TrackingInstaller.TableOidColumn)}" : returning;
    }

    private static string IdentityColumns(TrackedTable table)
        => table.RelKind == 'p'
            ? Sql.Columns([TrackingInstaller.CtidColumn, TrackingInstaller.XminColumn, TrackingInstaller.TableOidColumn])
            : Sql.Columns([TrackingInstaller.CtidColumn, TrackingInstaller.XminColumn]);

    /// <summary>Phase one: remove every row that is not a baseline row (for a keyed table: whose key is not in the baseline).</summary>
    private static string DeleteStatement(TrackedTable table)
    {
        if (table.Baseline is null)
        {
            return $"DELETE FROM {table.Only}{table.QualifiedName}";
        }

        var baseline = Sql.Ours(table.Baseline);
        var match = table.Key is null ? IdentityMatch(table, "t", "b") : Sql.Equal(table.Key, "b", "t");
        return $"DELETE FROM {table.Only}{table.QualifiedName} t WHERE NOT EXISTS (SELECT 1 FROM {baseline} b WHERE {match})";
    }

    /// <summary>Phase two for a keyed table: update changed baseline rows in place (keys unchanged, so references stay valid), insert missing ones, and record their new identities.</summary>
    private static string RestoreByKey(TrackedTable table)
    {
        var baseline = Sql.Ours(table.Baseline!);
        var key = table.Key!;
        var set = table.Columns.Where(c => !key.Contains(c)).ToList();
        var keyColumns = Sql.Columns(key);
        var ctes = new List<string>();
        if (set.Count > 0)
        {
            ctes.Add($"""
                u AS (UPDATE {table.Only}{table.QualifiedName} t SET {string.Join(", ", set.Select(c => $"{Sql.Quote(c)} = b.{Sql.Quote(c)}"))}
                      FROM {baseline} b WHERE {Sql.Equal(key, "t", "b")} AND NOT ({IdentityMatch(table, "t", "b")})
                      RETURNING {IdentityReturning(table, "t")}, {Sql.Columns(key, "t")})
                """);
        }

        ctes.Add($"""
            i AS (INSERT INTO {table.QualifiedName} ({Sql.Columns(table.Columns)}) OVERRIDING SYSTEM VALUE
                  SELECT {Sql.Columns(table.Columns, "b")} FROM {baseline} b
                  WHERE NOT EXISTS (SELECT 1 FROM {table.Only}{table.QualifiedName} t WHERE {Sql.Equal(key, "t", "b")})
                  RETURNING {IdentityReturning(table, null)}, {keyColumns})
            """);
        ctes.Add(set.Count > 0 ? "n AS (SELECT * FROM u UNION ALL SELECT * FROM i)" : "n AS (SELECT * FROM i)");
        var identity = table.RelKind == 'p'
            ? [TrackingInstaller.CtidColumn, TrackingInstaller.XminColumn, TrackingInstaller.TableOidColumn]
            : new[] { TrackingInstaller.CtidColumn, TrackingInstaller.XminColumn };
        return $"""
            WITH {string.Join(",\n", ctes)}
            UPDATE {baseline} b SET {string.Join(", ", identity.Select(c => $"{Sql.Quote(c)} = n.{Sql.Quote(c)}"))}
            FROM n WHERE {Sql.Equal(key, "b", "n")}
            """;
    }

    /// <summary>Phase two without a key: re-insert the baseline rows that are gone (deleted or updated) and swap in their new identities.</summary>
    private static string ReinsertByIdentity(TrackedTable table)
    {
        var baseline = Sql.Ours(table.Baseline!);
        var columns = Sql.Columns(table.Columns);
        return $"""
            WITH gone AS (DELETE FROM {baseline} b
                          WHERE NOT EXISTS (SELECT 1 FROM {table.Only}{table.QualifiedName} t WHERE {IdentityMatch(table, "t", "b")})
                          RETURNING {Sql.Columns(table.Columns, "b")}),
                 i AS (INSERT INTO {table.QualifiedName} ({columns}) OVERRIDING SYSTEM VALUE SELECT {columns} FROM gone
                       RETURNING {IdentityReturning(table, null)}, {columns})
            INSERT INTO {baseline} ({IdentityColumns(table)}, {columns}) SELECT {IdentityColumns(table)}, {columns} FROM i
            """;
    }

    private void Add(string sql) => Commands.Add(new NpgsqlBatchCommand(sql));

    public static string Describe(IEnumerable<TrackedTable> tables)
        => string.Join(", ", tables.Select(t => t.DisplayName));

    public override string ToString()
        => string.Join(";\n", Commands.Select(c => c.CommandText)) + string.Create(CultureInfo.InvariantCulture, $"\n-- {Tables.Count} tables, {Sequences.Count} sequences");
}
