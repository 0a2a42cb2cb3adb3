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
            await check.PrepareAsync(cancellationToken).ConfigureAwait(false);
            if (!options.AlwaysCheckSequences && model.Sequences.Values.All(q => q.Owned))
            {
                quickCheck = new NpgsqlCommand(
                    detection == SchemaChangeDetection.EventTrigger ? $"SELECT {ActivityExpression}, 0::int8" : $"SELECT {ActivityExpression}, {HorizonExpression}",
                    connection);
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

    public async Task<CheckResult> RunAsync(long lastActivity, long lastHorizon, bool lastWasDirty, CancellationToken cancellationToken)
    {
        if (_quickCheck is not null && lastActivity >= 0 && !lastWasDirty)
        {
            // Nothing wrote and no schema changed while the activity counter (and, without event triggers, the transaction
            // horizon) stood still: one tiny statement suffices.
            long activity;
            long horizon;
            await using (var quick = await _quickCheck.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await quick.ReadAsync(cancellationToken).ConfigureAwait(false);
                activity = quick.GetInt64(0);
                horizon = quick.GetInt64(1);
            }

            if (activity == lastActivity && horizon == lastHorizon)
            {
                return new CheckResult { Activity = activity, Horizon = horizon };
            }
        }

        var result = new CheckResult();
        _check.Parameters[1].Value = lastActivity;
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
    private const string HorizonExpression = "pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot())::text::int8";

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
                 marks AS MATERIALIZED (SELECT rel, tag FROM {Sql.Ours("dirty")} WHERE {Moved})
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
            : sql + $"\nUNION ALL\nSELECT 5, NULL, NULL, ({TrackingSql.Fingerprint})";
    }
}
