using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Neon.Testing.Engine.Isolation;

/// <summary>
/// The check after each test, prepared once per connection: one statement that reads the activity counter (and, without
/// event triggers, the transaction horizon, then the catalog stamp and fingerprint only when those moved), and calls the
/// installed <see cref="TrackingSql.ChangesFunction"/> for the dirty marks, moved sequences and leaked transactions only
/// when the counter moved. A clean test costs one small statement, a test that wrote costs the same one round trip.
/// </summary>
internal sealed class ChangeCheck : IAsyncDisposable
{
    private readonly NpgsqlCommand _check;

    private ChangeCheck(NpgsqlCommand check) => _check = check;

    /// <summary>Prepares the check for <paramref name="model"/> on <paramref name="connection"/>.</summary>
    public static async Task<ChangeCheck> PrepareAsync(NpgsqlConnection connection, TrackingModel model, SchemaChangeDetection detection, uint databaseOid, RestoreOptions options, CancellationToken cancellationToken)
    {
        var check = new NpgsqlCommand(CheckSql(detection), connection);
        try
        {
            check.Parameters.Add(new() { Value = databaseOid, NpgsqlDbType = NpgsqlDbType.Oid });
            check.Parameters.Add(new() { Value = -1L, NpgsqlDbType = NpgsqlDbType.Bigint });

            // A sequence no column owns moves without a write to any table: then every check looks at the sequences.
            check.Parameters.Add(new() { Value = !options.AlwaysCheckSequences && model.Sequences.Values.All(q => q.Owned), NpgsqlDbType = NpgsqlDbType.Boolean });
            check.Parameters.Add(new() { Value = options.AlwaysCheckSequences, NpgsqlDbType = NpgsqlDbType.Boolean });
            if (detection != SchemaChangeDetection.EventTrigger)
            {
                check.Parameters.Add(new() { Value = 0L, NpgsqlDbType = NpgsqlDbType.Bigint });
                check.Parameters.Add(new() { Value = "", NpgsqlDbType = NpgsqlDbType.Text });
                check.Parameters.Add(new() { Value = "", NpgsqlDbType = NpgsqlDbType.Text });
            }

            await check.PrepareAsync(cancellationToken).ConfigureAwait(false);
            return new ChangeCheck(check);
        }
        catch
        {
            await check.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _check.DisposeAsync();

    /// <summary>
    /// Runs the check. <paramref name="lastActivity"/> is the activity counter after the last reset (-1 looks at every
    /// sequence). <paramref name="stamp"/> is the catalog stamp that proved the schema unchanged last time (count of rows,
    /// and the snapshot xmin that bounds fresh rows); without event triggers it is recomputed whenever the transaction
    /// horizon moved from <paramref name="lastHorizon"/>, and the fingerprint only when the stamp moved.
    /// </summary>
    public async Task<CheckResult> RunAsync(long lastActivity, long lastHorizon, (long Count, long Xmin) stamp, CancellationToken cancellationToken)
    {
        _check.Parameters[1].Value = lastActivity;
        if (_check.Parameters.Count > 4)
        {
            _check.Parameters[4].Value = lastHorizon;
            _check.Parameters[5].Value = string.Create(CultureInfo.InvariantCulture, $"{stamp.Count}:0");
            _check.Parameters[6].Value = stamp.Xmin.ToString(CultureInfo.InvariantCulture);
        }

        var result = new CheckResult();
        string? changes;
        await using (var reader = await _check.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            result.Activity = reader.GetInt64(0);
            result.Horizon = reader.GetInt64(1);
            if (!reader.IsDBNull(2))
            {
                result.StampXmin = reader.GetInt64(2);
            }

            result.Stamp = reader.IsDBNull(3) ? null : reader.GetString(3);
            result.Fingerprint = reader.IsDBNull(4) ? null : reader.GetString(4);
            changes = reader.IsDBNull(5) ? null : reader.GetString(5);
        }

        if (changes is not null)
        {
            ReadChanges(changes, result);
        }

        return result;
    }

    /// <summary>
    /// The statement: $1 database oid, $2 the counter after the last reset, $3 whether a quiet counter proves nothing
    /// changed, $4 always look at owned sequences; without event triggers $5 the last horizon, $6 the stamp that means
    /// unchanged (count:0), $7 its xmin bound. Subqueries are kept apart (OFFSET 0) so each value is computed once.
    /// </summary>
    private static string CheckSql(SchemaChangeDetection detection)
    {
        var changes = $"CASE WHEN NOT $3 OR x.v <> $2 THEN {TrackingSql.CallChanges("$1", "x.v", "$2", "$4")} END";
        return detection == SchemaChangeDetection.EventTrigger
            ? $"SELECT x.v, 0::int8, NULL::int8, NULL::text, NULL::text, {changes} FROM (SELECT {TrackingSql.ReadActivity} AS v OFFSET 0) x"
            : $"""
                SELECT x.v, x.h, {TrackingSql.SnapshotXmin}, st.stamp, CASE WHEN st.stamp <> $6 THEN {TrackingSql.CallFingerprint} END, {changes}
                FROM (SELECT {TrackingSql.ReadActivity} AS v, {TrackingSql.SnapshotHash} AS h OFFSET 0) x
                CROSS JOIN LATERAL (SELECT CASE WHEN x.h <> $5 THEN {TrackingSql.CallCatalogStamp("$7")} END AS stamp OFFSET 0) st
                """;
    }

    private static void ReadChanges(string json, CheckResult result)
    {
        using var document = JsonDocument.Parse(json);
        foreach (var row in document.RootElement.EnumerateArray())
        {
            var id = row[1].GetInt64();
            switch (row[0].GetInt32())
            {
                case 1:
                    result.Dirty[(uint)id] = row[2].ValueKind == JsonValueKind.Null ? null : row[2].GetInt64();
                    break;
                case 2:
                    result.MovedSequences.Add((uint)id);
                    break;
                case 3:
                    result.Ddl = result.Ddl is { } ddl ? (ddl.Count + 1, ddl.Tag) : (1, row[3].GetString() ?? "");
                    break;
                case 4:
                    result.OpenTransactions.Add((int)id);
                    break;
            }
        }
    }
}
