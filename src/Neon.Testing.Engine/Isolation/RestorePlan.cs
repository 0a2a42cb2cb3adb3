using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace Neon.Testing.Engine.Isolation;

/// <summary>
/// The one transaction that puts touched tables and moved sequences back to their baseline, sent as one batch (one round trip).
/// Rows are matched to the baseline by (ctid, xmin): rows the test did not touch keep both, so only what changed is written.
/// Every table is restored by one statement, so foreign keys are checked once, at its end, whatever their order.
/// </summary>
internal sealed class RestorePlan
{
    public const string MarkedColumn = "neon_marked";
    public const string FingerprintColumn = "neon_fingerprint";
    public const string ActivityColumn = "neon_activity";
    public const string HorizonColumn = "neon_horizon";

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

    /// <summary>
    /// <paramref name="dirty"/>, and when foreign-key actions fire during the restore (not as the replication role) the
    /// tables without seed rows that the restore's deletes reach (ON DELETE CASCADE, SET NULL, SET DEFAULT), transitively.
    /// Unwritten, they are empty, and their share of the restore deletes nothing; left out, the actions' statements would
    /// mark them and cost a second check and restore (two round trips more for a test that inserted a parent row alone).
    /// </summary>
    public static List<TrackedTable> WithTablesDeletesReach(RestoreMode mode, IEnumerable<TrackedTable> dirty, TrackingModel model)
    {
        var tables = dirty.ToList();
        if (mode == RestoreMode.ReplicationRole)
        {
            return tables;
        }

        var included = tables.Select(t => t.Oid).ToHashSet();
        for (var i = 0; i < tables.Count; i++)
        {
            foreach (var oid in tables[i].DeletesReach)
            {
                if (model.Tables.TryGetValue(oid, out var reached) && reached.Baseline is null && included.Add(oid))
                {
                    tables.Add(reached);
                }
            }
        }

        return tables;
    }

    public static RestorePlan Build(
        RestoreMode mode,
        IReadOnlyCollection<TrackedTable> tables,
        IReadOnlyCollection<TrackedSequence> sequences,
        IReadOnlyDictionary<uint, long> sizes,
        RestoreOptions options,
        bool rewriteChangedRows)
    {
        foreach (var table in tables)
        {
            if (table.Rules.Any(r => mode == RestoreMode.ReplicationRole ? r is 'A' or 'R' : r is 'O' or 'A'))
            {
                return new RestorePlan($"table {table.DisplayName} has rewrite rules that would rewrite the restore");
            }
        }

        foreach (var table in tables)
        {
            if (mode != RestoreMode.ReplicationRole && table.Baseline is not null && (table.Key is null || table.RelKind == 'p') && table.ReferencedWithDeleteAction)
            {
                return new RestorePlan($"table {table.DisplayName} cannot have its rows restored in place (no primary key or unique NOT NULL key, or partitioned), and foreign keys with ON DELETE actions reference it");
            }
        }

        var plan = new RestorePlan(null);
        plan.Tables.AddRange(tables.OrderBy(t => t.Order));
        plan.Sequences.AddRange(sequences);
        var parentsFirst = plan.Tables;

        plan.Add("BEGIN");
        var replica = mode == RestoreMode.ReplicationRole;
        plan.Add($"""
            SELECT set_config('{TrackingSql.RestoringSetting}', '{(replica ? "quiet" : "on")}', true),
                   set_config('{TrackingSql.MarkedSetting}', ',', true),
                   set_config('lock_timeout', '{(long)options.LockTimeout.TotalMilliseconds}', true),
                   set_config('row_security', 'off', true)
            """);
        if (!replica)
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

        // One statement for every other table: PostgreSQL runs foreign-key checks and actions at the end of the statement,
        // so the order of tables, self-references and even non-deferrable cycles do not matter.
        var ctes = new List<string>();
        var afterwards = new List<string>();
        var index = 0;
        foreach (var table in parentsFirst.Where(t => !truncated.Contains(t.Oid)))
        {
            var rewrite = rewriteChangedRows && (mode == RestoreMode.ReplicationRole || !table.ReferencedWithDeleteAction);
            AddTable(ctes, afterwards, table, index++, rewrite);
        }

        if (ctes.Count > 0)
        {
            plan.Add("WITH " + string.Join(",\n", ctes) + "\nSELECT 1");
        }

        foreach (var statement in afterwards)
        {
            plan.Add(statement);
        }

        foreach (var trigger in triggers)
        {
            plan.Add(trigger.Enable);
        }

        // Sequences, our bookkeeping, and what the caller needs back, in one statement.
        var finish = new NpgsqlBatchCommand($"""
            WITH s AS (SELECT pg_catalog.setval(s.seq::regclass, s.last_value, s.is_called) FROM {Sql.Ours("sequences")} s WHERE s.seq = ANY($1)),
                 d AS (DELETE FROM {Sql.Ours("dirty")} WHERE rel = ANY($2) RETURNING 1)
            SELECT current_setting('{TrackingSql.MarkedSetting}') AS {MarkedColumn},
                   {TrackingSql.ReadActivity} AS {ActivityColumn},
                   {TrackingSql.SnapshotHash} AS {HorizonColumn},
                   (SELECT count(*) FROM s) + (SELECT count(*) FROM d) AS changed
            """);
        finish.Parameters.Add(new() { Value = sequences.Select(s => s.Oid).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid });
        finish.Parameters.Add(new() { Value = plan.Tables.Select(t => t.Oid).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Oid });
        plan.Commands.Add(finish);

        if (plan.AltersTriggers)
        {
            plan.Add($"UPDATE {Sql.Ours("meta")} SET fingerprint = {TrackingSql.CallFingerprint} RETURNING fingerprint AS {FingerprintColumn}");
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
        var match = $"{row}.ctid = {baseline}.{Sql.Quote(TableTracking.CtidColumn)} AND {row}.xmin = {baseline}.{Sql.Quote(TableTracking.XminColumn)}";
        return table.RelKind == 'p' ? match + $" AND {row}.tableoid = {baseline}.{Sql.Quote(TableTracking.TableOidColumn)}" : match;
    }

    private static string IdentityReturning(TrackedTable table, string? alias)
    {
        var prefix = alias is null ? "" : alias + ".";
        var returning = $"{prefix}ctid AS {Sql.Quote(TableTracking.CtidColumn)}, {prefix}xmin AS {Sql.Quote(TableTracking.XminColumn)}";
        return table.RelKind == 'p' ? returning + $", {prefix}tableoid AS {Sql.Quote(TableTracking.TableOidColumn)}" : returning;
    }

    /// <summary>
    /// The CTEs restoring one table. With <paramref name="rewriteChangedRows"/>, changed rows are deleted and inserted again
    /// rather than updated in place: immune to unique values swapped between rows, but a foreign key with an ON DELETE
    /// action would act on rows referencing them (the tracker notices and restores those too). Deletions run first (the others wait on their count), so a unique value freed by a
    /// deleted row can be taken by a restored one; all sub-statements read the table as it was before the statement.
    /// </summary>
    private static void AddTable(List<string> ctes, List<string> afterwards, TrackedTable table, int index, bool rewriteChangedRows)
    {
        var target = table.Only + table.QualifiedName;
        var d = $"d{index}";
        if (table.Baseline is null)
        {
            ctes.Add($"{d} AS (DELETE FROM {target})");
            return;
        }

        var baseline = Sql.Ours(table.Baseline);
        var after = $"(SELECT count(*) FROM {d}) >= 0";
        var columns = Sql.Columns(table.Columns);
        // With a key log only rows with a logged key are candidates (index probes on the table and the baseline); without
        // one, every row is. The log is read, then emptied by the same statement (all its parts share one snapshot).
        var logged = table.KeyLog is not null;
        if (logged)
        {
            ctes.Add($"c{index} AS MATERIALIZED (SELECT DISTINCT {Sql.Columns(table.Key!)} FROM {Sql.Ours(table.KeyLog!)})");
            ctes.Add($"x{index} AS (DELETE FROM {Sql.Ours(table.KeyLog!)})");
        }

        // The rows of a relation whose key was logged, one index probe per logged key. OFFSET 0 keeps the planner from
        // flattening the probes into a hash join that reads the whole table (it cannot know how few keys the log holds).
        string Probe(string relation, string alias, string columns)
            => $"(SELECT {columns} FROM c{index} c CROSS JOIN LATERAL (SELECT {columns} FROM {relation} {alias} WHERE {Sql.Equal(table.Key!, alias, "c")} OFFSET 0) {alias})";

        if (table.RelKind == 'p')
        {
            // A partitioned table cannot return system columns: rewrite it whole, then record the new identities.
            ctes.Add($"{d} AS (DELETE FROM {target} RETURNING 1)");
            ctes.Add($"i{index} AS (INSERT INTO {table.QualifiedName} ({columns}) OVERRIDING SYSTEM VALUE SELECT {columns} FROM {baseline} WHERE {after})");
            afterwards.Add($"""
                WITH x AS (DELETE FROM {baseline} RETURNING 1)
                INSERT INTO {baseline} ({Sql.Columns(IdentityNames(table))}, {columns})
                SELECT ctid, xmin, tableoid, {columns} FROM {target} WHERE (SELECT count(*) FROM x) >= 0
                """);
            return;
        }
        if (table.Key is { } key && !rewriteChangedRows)
        {
            // Rows whose key is not in the baseline go; changed baseline rows are updated in place (keys unchanged, so
            // references to them stay valid); missing ones come back; the baseline records the new row identities.
            // With a key log, the table's rows (p) and baseline rows (q) with a logged key are found by index probes and
            // compared there; each sub-statement then touches only the rows it was given, by row identity.
            string gone, modified, missing, onlyLogged;
            if (logged)
            {
                var recorded = $"b.{Sql.Quote(TableTracking.CtidColumn)}, b.{Sql.Quote(TableTracking.XminColumn)}";
                ctes.Add($"p{index} AS MATERIALIZED {Probe(target, "t", $"t.ctid, t.xmin, {Sql.Columns(key, "t")}")}");
                ctes.Add($"q{index} AS MATERIALIZED {Probe(baseline, "b", $"b.ctid, {recorded}, {Sql.Columns(key, "b")}")}");
                var pairs = $"p{index} p JOIN q{index} q ON {Sql.Equal(key, "p", "q")} WHERE NOT ({IdentityMatch(table, "p", "q")})";
                gone = $"t.ctid = ANY (ARRAY(SELECT p.ctid FROM p{index} p WHERE NOT EXISTS (SELECT 1 FROM q{index} q WHERE {Sql.Equal(key, "q", "p")})))";
                modified = $"t.ctid = ANY (ARRAY(SELECT p.ctid FROM {pairs})) AND b.ctid = ANY (ARRAY(SELECT q.ctid FROM {pairs}))";
                missing = $"b.ctid = ANY (ARRAY(SELECT q.ctid FROM q{index} q WHERE NOT EXISTS (SELECT 1 FROM p{index} p WHERE {Sql.Equal(key, "p", "q")})))";
                onlyLogged = $" AND b.ctid = ANY (ARRAY(SELECT q.ctid FROM q{index} q))";
            }
            else
            {
                gone = $"NOT EXISTS (SELECT 1 FROM {baseline} b WHERE {Sql.Equal(key, "b", "t")})";
                modified = $"NOT ({IdentityMatch(table, "t", "b")})";
                missing = $"NOT EXISTS (SELECT 1 FROM {target} t WHERE {Sql.Equal(key, "t", "b")})";
                onlyLogged = "";
            }

            ctes.Add($"{d} AS (DELETE FROM {target} t WHERE {gone} RETURNING 1)");
            var set = table.Columns.Where(c => !key.Contains(c)).ToList();
            var changed = new List<string>();
            if (set.Count > 0)
            {
                ctes.Add($"""
                    u{index} AS (UPDATE {target} t SET {string.Join(", ", set.Select(c => $"{Sql.Quote(c)} = b.{Sql.Quote(c)}"))}
                        FROM {baseline} b WHERE {Sql.Equal(key, "t", "b")} AND {modified} AND {after}
                        RETURNING {IdentityReturning(table, "t")}, {Sql.Columns(key, "t")})
                    """);
                changed.Add($"SELECT * FROM u{index}");
            }

            ctes.Add($"""
                i{index} AS (INSERT INTO {table.QualifiedName} ({columns}) OVERRIDING SYSTEM VALUE
                    SELECT {Sql.Columns(table.Columns, "b")} FROM {baseline} b
                    WHERE {missing} AND {after}
                    RETURNING {IdentityReturning(table, null)}, {Sql.Columns(key)})
                """);
            changed.Add($"SELECT * FROM i{index}");
            ctes.Add($"""
                r{index} AS (UPDATE {baseline} b SET {string.Join(", ", IdentityNames(table).Select(c => $"{Sql.Quote(c)} = n.{Sql.Quote(c)}"))}
                    FROM ({string.Join(" UNION ALL ", changed)}) n WHERE {Sql.Equal(key, "b", "n")}{onlyLogged})
                """);
            return;
        }

        // No key (or rewriting): rows are matched by identity only. Rows that are not baseline rows go; baseline rows that are gone
        // (deleted, or updated into a new row version) are inserted again and their baseline entries swapped for the new identities.
        // One hash full join on the identity finds both: table rows that are not baseline rows, and baseline rows that are gone.
        var rows = logged ? Probe(target, "t", "t.ctid, t.xmin") : target;
        var baselineRows = logged ? Probe(baseline, "b", $"b.ctid, b.{Sql.Quote(TableTracking.CtidColumn)}, b.{Sql.Quote(TableTracking.XminColumn)}") : baseline;
        ctes.Add($"""
            j{index} AS MATERIALIZED (SELECT t.ctid AS table_row, b.ctid AS baseline_row
                FROM {rows} t FULL JOIN {baselineRows} b ON {IdentityMatch(table, "t", "b")}
                WHERE t.ctid IS NULL OR b.ctid IS NULL)
            """);
        ctes.Add($"{d} AS (DELETE FROM {target} t WHERE t.ctid = ANY (ARRAY(SELECT table_row FROM j{index} WHERE table_row IS NOT NULL)) RETURNING 1)");
        ctes.Add($"""
            g{index} AS (DELETE FROM {baseline} b WHERE b.ctid = ANY (ARRAY(SELECT baseline_row FROM j{index} WHERE baseline_row IS NOT NULL))
                RETURNING {Sql.Columns(table.Columns, "b")})
            """);
        ctes.Add($"""
            i{index} AS (INSERT INTO {table.QualifiedName} ({columns}) OVERRIDING SYSTEM VALUE SELECT {columns} FROM g{index} WHERE {after}
                RETURNING {IdentityReturning(table, null)}, {columns})
            """);
        var identity = Sql.Columns(IdentityNames(table));
        ctes.Add($"r{index} AS (INSERT INTO {baseline} ({identity}, {columns}) SELECT {identity}, {columns} FROM i{index})");
    }

    private static string[] IdentityNames(TrackedTable table)
        => table.RelKind == 'p'
            ? [TableTracking.CtidColumn, TableTracking.XminColumn, TableTracking.TableOidColumn]
            : [TableTracking.CtidColumn, TableTracking.XminColumn];

    private void Add(string sql) => Commands.Add(new NpgsqlBatchCommand(sql));

    public static string Describe(IEnumerable<TrackedTable> tables)
        => string.Join(", ", tables.Select(t => t.DisplayName));

    public override string ToString()
        => string.Join(";\n", Commands.Select(c => c.CommandText)) + string.Create(CultureInfo.InvariantCulture, $"\n-- {Tables.Count} tables, {Sequences.Count} sequences");
}
