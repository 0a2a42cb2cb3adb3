using Npgsql;
using NpgsqlTypes;

namespace Neon.Testing.Engine.Isolation;

/// <summary>
/// The check after each test, prepared once per connection: a one-value quick check when nothing can have moved, and
/// the full one-round-trip check of the activity counter, the dirty marks, moved sequences, leaked transactions and
/// (without event triggers) the catalog fingerprint.
/// </summary>
internal sealed class ChangeCheck : IAsyncDisposable
{
    private readonly NpgsqlCommand _check;
    private readonly NpgsqlCommand? _quickCheck;

    private ChangeCheck(NpgsqlCommand check, NpgsqlCommand? quickCheck)
    {
        _check = check;
        _quickCheck = quickCheck;
    }

    /// <summary>Prepares the check statements for <paramref name="model"/> on <paramref name="connection"/>.</summary>
    public static async Task<ChangeCheck> PrepareAsync(NpgsqlConnection connection, TrackingModel model, SchemaChangeDetection detection, uint databaseOid, long activity, RestoreOptions options, CancellationToken cancellationToken)
    {
        var check = new NpgsqlCommand(CheckSql(detection, model.Sequences.Values.Any(q => !q.Owned), options.AlwaysCheckSequences), connection);
        NpgsqlCommand? quickCheck = null;
        try
        {
            check.Parameters.Add(new() { Value = databaseOid, NpgsqlDbType = NpgsqlDbType.Oid });
            check.Parameters.Add(new() { Value = activity, NpgsqlDbType = NpgsqlDbType.Bigint });
            if (detection != SchemaChangeDetection.EventTrigger)
            {
                AddStampParameters(check);
            }

            await check.PrepareAsync(cancellationToken).ConfigureAwait(false);
            if (!options.AlwaysCheckSequences && model.Sequences.Values.All(q => q.Owned))
            {
                if (detection == SchemaChangeDetection.EventTrigger)
                {
                    quickCheck = new NpgsqlCommand($"SELECT {ActivityExpression}, 0::int8, NULL::int8, NULL::text, NULL::text", connection);
                }
                else
                {
                    // The stamp only when the horizon moved ($1), the fingerprint only when the stamp differs from $2 (bound $3).
                    quickCheck = new NpgsqlCommand($"""
                        SELECT {ActivityExpression}, {HorizonExpression}, {TrackingSql.SnapshotXmin}, st.stamp,
                               CASE WHEN st.stamp <> $2 THEN {TrackingSql.CallFingerprint} END
                        FROM (SELECT CASE WHEN {HorizonExpression} <> $1 THEN {TrackingSql.CallCatalogStamp("$3")} END AS stamp) st
                        """, connection);
                    AddStampParameters(quickCheck);
                }

                await quickCheck.PrepareAsync(cancellationToken).ConfigureAwait(false);
            }

            return new ChangeCheck(check, quickCheck);
        }
        catch
        {
            await check.DisposeAsync().ConfigureAwait(false);
            if (quickCheck is not null)
            {
                await quickCheck.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _check.DisposeAsync().ConfigureAwait(false);
        if (_quickCheck is not null)
        {
            await _quickCheck.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs the check. <paramref name="stamp"/> is the catalog stamp that proved the schema unchanged last time (count of
    /// rows, and the snapshot xmin that bounds fresh rows); without event triggers it is recomputed whenever the transaction
    /// horizon moved, and the fingerprint only when the stamp moved.
    /// </summary>
    public async Task<CheckResult> RunAsync(long lastActivity, long lastHorizon, (long Count, long Xmin) stamp, bool lastWasDirty, CancellationToken cancellationToken)
    {
        if (_quickCheck is not null && lastActivity >= 0 && !lastWasDirty)
        {
            // Nothing wrote and no schema changed while the activity counter (and, without event triggers, the transaction
            // horizon or else the catalog stamp) stood still: one small statement suffices.
            var quickResult = new CheckResult();
            if (_quickCheck.Parameters.Count > 0)
            {
                SetStampParameters(_quickCheck, 0, lastHorizon, stamp);
            }

            await using (var quick = await _quickCheck.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await quick.ReadAsync(cancellationToken).ConfigureAwait(false);
                quickResult.Activity = quick.GetInt64(0);
                quickResult.Horizon = quick.GetInt64(1);
                ReadStamp(quickResult, quick, 2);
            }

            if (quickResult.Activity == lastActivity && (quickResult.Horizon == lastHorizon || quickResult.Stamp is not null))
            {
                return quickResult;
            }
        }

        var result = new CheckResult();
        _check.Parameters[1].Value = lastActivity;
        if (_check.Parameters.Count > 2)
        {
            SetStampParameters(_check, 2, lastHorizon, stamp);
        }

        await using var reader = await _check.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            switch (reader.GetInt32(0))
            {
                case 0:
                    result.Activity = reader.GetInt64(1);
                    result.Horizon = reader.GetInt64(2);
                    break;
                case 1:
                    result.Dirty[(uint)reader.GetInt64(1)] = reader.IsDBNull(2) ? null : reader.GetInt64(2);
                    break;
                case 2:
                    result.MovedSequences.Add((uint)reader.GetInt64(1));
                    break;
                case 3:
                    result.Ddl = result.Ddl is { } ddl ? (ddl.Count + 1, ddl.Tag) : (1, reader.GetString(3));
                    break;
                case 4:
                    result.OpenTransactions.Add((int)reader.GetInt64(1));
                    break;
                case 5:
                    result.StampXmin = reader.GetInt64(1);
                    result.Stamp = reader.IsDBNull(3) ? null : reader.GetString(3);
                    break;
                case 6:
                    result.Fingerprint = reader.GetString(3);
                    break;
            }
        }

        return result;
    }

    private static readonly string ActivityExpression = $"coalesce(pg_catalog.pg_sequence_last_value({Sql.Literal(Sql.Ours("activity"))}::regclass), 0)";

    /// <summary>
    /// The next transaction id. Every schema change writes catalog rows and so takes one; on a cluster of its own (a Neon
    /// branch) an unchanged value proves no DDL ran, which spares the catalog fingerprint.
    /// </summary>
    private const string HorizonExpression = TrackingSql.SnapshotHash;

    /// <summary>
    /// The full check (prepared once); with no standalone sequences it only runs after the quick check saw the activity
    /// counter (or, without event triggers, the transaction horizon) move. It always reads the counter, standalone
    /// sequences and (without event triggers) the catalog fingerprint. The rest only runs when the counter moved since
    /// the last reset ($2): the marks; and when every bump has its mark ("settled": every write since the last reset
    /// committed), only the sequences of the marked tables, otherwise every sequence owned by a column plus the scan
    /// for other backends left inside a transaction (which copies every backend's status entry).
    /// </summary>
    private static string CheckSql(SchemaChangeDetection detection, bool standaloneSequences, bool alwaysCheckSequences)
    {
        const string Moved = "(SELECT v FROM act) <> $2";
        const string Settled = "(SELECT (SELECT v FROM act) - $2 = count(*) FILTER (WHERE tag IS DISTINCT FROM 'child') FROM marks)";
        var ownedCondition = alwaysCheckSequences
            ? "true"
            : $"{Moved} AND (NOT {Settled} OR s.seq IN (SELECT q.seq FROM {Sql.Ours("table_sequences")} q WHERE q.rel IN (SELECT rel FROM marks)))";
        var sql = $"""
            WITH act AS MATERIALIZED (SELECT {ActivityExpression} AS v),
                 marks AS MATERIALIZED (SELECT rel, tag FROM {Sql.Ours("dirty")} WHERE {Moved}){(detection == SchemaChangeDetection.EventTrigger ? "" : $",\n     st AS MATERIALIZED (SELECT CASE WHEN {HorizonExpression} <> $3 THEN {TrackingSql.CallCatalogStamp("$5")} END AS stamp)")}
            SELECT 0 AS kind, act.v AS id, {(detection == SchemaChangeDetection.EventTrigger ? "0::int8" : HorizonExpression)} AS size, NULL::text AS info FROM act
            UNION ALL
            SELECT CASE WHEN d.rel = 0 THEN 3 ELSE 1 END, d.rel::int8, CASE WHEN d.rel <> 0 THEN pg_catalog.pg_relation_size(d.rel) END, d.tag
            FROM (SELECT DISTINCT rel, CASE WHEN rel = 0 THEN tag END AS tag FROM marks) d
            UNION ALL
            SELECT 2, s.seq::int8, NULL, NULL FROM {Sql.Ours("sequences")} s
            WHERE s.owned AND CASE WHEN {ownedCondition} THEN pg_catalog.pg_sequence_last_value(s.seq::regclass) IS DISTINCT FROM s.called_value ELSE false END
            UNION ALL
            SELECT 4, a.pid::int8, NULL, NULL FROM pg_catalog.pg_stat_get_activity(NULL) a
            WHERE {Moved} AND NOT {Settled} AND a.datid = $1 AND a.pid <> pg_catalog.pg_backend_pid() AND a.xact_start IS NOT NULL AND a.backend_type = 'client backend'
            """;
        if (standaloneSequences)
        {
            sql += $"""

                UNION ALL
                SELECT 2, s.seq::int8, NULL, NULL FROM {Sql.Ours("sequences")} s
                WHERE NOT s.owned AND pg_catalog.pg_sequence_last_value(s.seq::regclass) IS DISTINCT FROM s.called_value
                """;
        }

        return detection == SchemaChangeDetection.EventTrigger
            ? sql
            : sql + $"""

                UNION ALL
                SELECT 5, {TrackingSql.SnapshotXmin}, NULL, st.stamp FROM st
                UNION ALL
                SELECT 6, NULL, NULL, {TrackingSql.CallFingerprint} FROM st WHERE st.stamp <> $4
                """;
    }

    private static void AddStampParameters(NpgsqlCommand command)
    {
        command.Parameters.Add(new() { Value = 0L, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = "", NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = "", NpgsqlDbType = NpgsqlDbType.Text });
    }

    /// <summary>The stamp parameters from <paramref name="first"/>: last horizon, the stamp that means unchanged (count:0), its xmin bound.</summary>
    private static void SetStampParameters(NpgsqlCommand command, int first, long lastHorizon, (long Count, long Xmin) stamp)
    {
        command.Parameters[first].Value = lastHorizon;
        command.Parameters[first + 1].Value = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{stamp.Count}:0");
        command.Parameters[first + 2].Value = stamp.Xmin.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void ReadStamp(CheckResult result, NpgsqlDataReader reader, int ordinal)
    {
        if (!reader.IsDBNull(ordinal))
        {
            result.StampXmin = reader.GetInt64(ordinal);
        }

        result.Stamp = reader.IsDBNull(ordinal + 1) ? null : reader.GetString(ordinal + 1);
        result.Fingerprint = reader.IsDBNull(ordinal + 2) ? null : reader.GetString(ordinal + 2);
    }
}
